using Harness.Simulator;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// rbvmomi (Debian ruby-rbvmomi 1.8) against the simulator's vSphere API, driven by Ruby/rbvmomi_site.rb: it negotiates
/// its own version (5.5), logs in with the session cookie, walks a container view and reads properties and paths.
/// </summary>
public sealed class RbVmomiTests : IAsyncLifetime
{
    private const string Ruby = "/usr/bin/ruby";
    private SimulatedVsphere _v = null!;

    public async ValueTask InitializeAsync() => _v = await SimulatedVsphere.StartAsync();

    public ValueTask DisposeAsync() => _v.DisposeAsync();

    private async Task<ChildProcess> RunAsync(string command)
    {
        using (var probe = await ChildProcess.RunAsync(Ruby, ["-e", "require 'rbvmomi'"], TimeSpan.FromSeconds(60)))
            if (probe.ExitCode != 0)
                Assert.Fail($"rbvmomi is not usable ({probe.Stderr.Split('\n').FirstOrDefault()}): run `./harness test` as root (it installs ruby-rbvmomi with apt), or apt-get install ruby-rbvmomi.");
        var script = Path.Combine(AppContext.BaseDirectory, "Ruby", "rbvmomi_site.rb");
        return await ChildProcess.RunAsync(Ruby, [script, _v.Vim25.Url.Port.ToString(), _v.Vim25.Password, command], TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task ContainerView_ListsEveryVm_WithItsStates_AndItsKeyIdAsAPropertyPath()
    {
        using var run = await RunAsync("vms");
        run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
        var sim = _v.Simulation;
        run.StdoutLines.Should().BeEquivalentTo(sim.AllVms.Select(vm =>
            $"{sim.VCenter!.MoId(vm)} {vm.Name} connected poweredOn {vm.KeyId ?? "-"} {(vm.Encrypted ? "unlocked" : "-")}"));
    }

    [Fact]
    public async Task WrongPassword_IsInvalidLogin()
    {
        using var run = await RunAsync("badlogin");
        run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
        run.Stdout.Should().Be("InvalidLogin: InvalidLogin: Cannot complete login due to an incorrect user name or password.");
    }
}
