using Harness.Simulator;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// govmomi (Debian golang-github-vmware-govmomi-dev, built with Debian's Go in GOPATH mode, offline) against the
/// simulator's vSphere API: Go/govmomi_site.go does what `govc ls`, `govc object.collect -s vm/NAME config.keyId` and
/// `govc events` do, through the same library calls. Debian packages govmomi's library but not govc's source, so govc
/// itself cannot be built here.
/// </summary>
public sealed class GovmomiTests : IAsyncLifetime
{
    private const string Go = "/usr/bin/go";
    private const string Gopath = "/usr/share/gocode";
    private static readonly SemaphoreSlim BuildOnce = new(1, 1);
    private static string? _binary;
    private SimulatedVsphere _v = null!;

    public async ValueTask InitializeAsync() => _v = await SimulatedVsphere.StartAsync();

    public ValueTask DisposeAsync() => _v.DisposeAsync();

    /// <summary>Builds Go/govmomi_site.go once per test run (GOPATH mode: Debian's packaged Go libraries, no network).</summary>
    private static async Task<string> BinaryAsync()
    {
        await BuildOnce.WaitAsync();
        try
        {
            if (_binary is not null) return _binary;
            if (!File.Exists(Go) || !Directory.Exists(Path.Combine(Gopath, "src", "github.com", "vmware", "govmomi")))
                Assert.Fail("Go and govmomi are needed: run `./harness test` as root (it installs golang-go and golang-github-vmware-govmomi-dev with apt)");
            var work = Directory.CreateTempSubdirectory("harness-govmomi-").FullName;
            var output = Path.Combine(work, "govmomi_site");
            using var build = await ChildProcess.RunAsync("/usr/bin/env",
                ["GO111MODULE=off", $"GOPATH={Gopath}", $"GOCACHE={Path.Combine(work, "cache")}", "GOPROXY=off",
                 Go, "build", "-o", output, Path.Combine(AppContext.BaseDirectory, "Go", "govmomi_site.go")],
                TimeSpan.FromMinutes(5));
            build.ExitCode.Should().Be(0, build.Describe());
            return _binary = output;
        }
        finally { BuildOnce.Release(); }
    }

    private async Task<ChildProcess> RunAsync(params string[] args)
    {
        var url = $"https://{Uri.EscapeDataString(_v.Vim25.UserName)}:{Uri.EscapeDataString(_v.Vim25.Password)}@127.0.0.1:{_v.Vim25.Url.Port}/sdk";
        return await ChildProcess.RunAsync(await BinaryAsync(), [url, .. args], TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Ls_ListsEveryVmByItsInventoryPath()
    {
        using var run = await RunAsync("ls");
        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().BeEquivalentTo(_v.Simulation.AllVms.Select(vm => $"/{_v.Simulation.Datacenter.Name}/vm/{vm.Name}"));
    }

    [Fact]
    public async Task ObjectCollect_ConfigKeyId_IsTheVmsKeyAndProvider()
    {
        foreach (var vm in _v.Simulation.AllVms.Take(2))
        {
            using var run = await RunAsync("keyid", vm.Name);
            run.ExitCode.Should().Be(0, run.Describe());
            run.StdoutLines.Should().Equal(vm.Encrypted ? $"{vm.KeyId} {vm.ProviderId}" : "-");
        }
    }

    [Fact]
    public async Task Events_ByEventTypeId_AreTheLockEvents()
    {
        var host = _v.Simulation.Hosts.First(h => h.Vms.Any(v => v.Encrypted));
        await _v.PostAsync("kms-clusters/kms-prod/unreachable");
        await _v.PostAsync($"hosts/{host.Name}/reboot");
        using var run = await RunAsync("events", EventTypes.VmLockedKmsClusterError);
        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().BeEquivalentTo(host.Vms.Where(v => v.Encrypted).Select(v => $"{EventTypes.VmLockedKmsClusterError} {v.Name}"));
    }
}
