using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Harness.Simulator;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// pyVmomi (Debian python3-pyvmomi 6.7.1, SmartConnect) against the simulator's vSphere API: a preset site with its REST
/// host and the vim25 endpoint, driven by Python/pyvmomi_site.py; faults are injected into the site in between.
/// </summary>
public sealed class PyVmomiTests : IAsyncLifetime
{
    private SimulatedVsphere _v = null!;
    private Simulation Sim => _v.Simulation;

    public async ValueTask InitializeAsync() => _v = await SimulatedVsphere.StartAsync();

    public ValueTask DisposeAsync() => _v.DisposeAsync();

    private string[] Arguments(string command, string[] args) =>
        [PyKmip.Script("pyvmomi_site.py"), _v.Vim25.Url.Port.ToString(), _v.Vim25.Password, command, .. args];

    private async Task<ChildProcess> RunAsync(string command, params string[] args)
    {
        await PyVmomi.EnsureInstalledAsync();
        return await ChildProcess.RunAsync(PyKmip.Python, Arguments(command, args), TimeSpan.FromSeconds(120));
    }

    /// <summary>The script's last line (its answer), after a successful run.</summary>
    private async Task<string> AnswerAsync(string command, params string[] args)
    {
        using var run = await RunAsync(command, args);
        run.ExitCode.Should().Be(0, $"pyvmomi_site.py {command} should succeed; stdout: {run.Stdout}; stderr: {run.Stderr}");
        return run.StdoutLines.LastOrDefault() ?? "";
    }

    private Task KmsAwayAsync() => _v.PostAsync("kms-clusters/kms-prod/unreachable");

    /// <summary>The KMS becomes unreachable and a host with encrypted VMs reboots: its encrypted VMs are locked.</summary>
    private async Task<(EsxiHost Host, VirtualMachine Locked)> LockVmsAsync()
    {
        var host = Sim.Hosts.First(h => h.Vms.Any(v => v.Encrypted));
        await KmsAwayAsync();
        await _v.PostAsync($"hosts/{host.Name}/reboot");
        var locked = host.Vms.First(v => v.Encrypted);
        locked.CryptoState.Should().Be(CryptoState.Locked);
        return (host, locked);
    }

    private Task KmsBackAsync() => _v.PostAsync("kms-clusters/kms-prod/reachable");

    private async Task<List<JsonElement>> VmsAsync()
    {
        using var run = await RunAsync("vms");
        run.ExitCode.Should().Be(0, $"pyvmomi_site.py vms should succeed; stdout: {run.Stdout}; stderr: {run.Stderr}");
        return run.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task ContainerView_ListsEveryVm_WithItsKeyAndStates_UnderTheIdsOfTheRestApi()
    {
        var vms = await VmsAsync();
        var sim = Sim;
        vms.Select(v => v.GetProperty("name").GetString()).Should().BeEquivalentTo(sim.AllVms.Select(v => v.Name));
        foreach (var v in vms)
        {
            var vm = sim.Vm(v.GetProperty("name").GetString()!);
            v.GetProperty("moid").GetString().Should().Be(sim.VCenter!.MoId(vm));
            v.GetProperty("keyId").GetString().Should().Be(vm.KeyId);
            v.GetProperty("providerId").GetString().Should().Be(vm.ProviderId);
            v.GetProperty("cryptoState").GetString().Should().Be(vm.Encrypted ? "unlocked" : null);
            v.GetProperty("connectionState").GetString().Should().Be("connected");
            v.GetProperty("powerState").GetString().Should().Be("poweredOn");
        }
        vms.Should().Contain(v => v.GetProperty("keyId").GetString() != null, "the preset site has encrypted VMs");
        // The REST API names the same objects by the same IDs.
        using var http = new HttpClient { BaseAddress = _v.Host.Url };
        foreach (var v in vms.Take(3))
        {
            var rest = JsonDocument.Parse(await http.GetStringAsync($"api/vms/{v.GetProperty("name").GetString()}")).RootElement;
            rest.GetProperty("moId").GetString().Should().Be(v.GetProperty("moid").GetString());
        }
    }

    [Fact]
    public async Task HostRebootWhileTheKmsIsUnreachable_LocksItsEncryptedVms_PyVmomiSeesThemLockedAndInvalid()
    {
        var (host, _) = await LockVmsAsync();
        var vms = await VmsAsync();
        foreach (var vm in host.Vms)
        {
            var seen = vms.Single(v => v.GetProperty("name").GetString() == vm.Name);
            seen.GetProperty("cryptoState").GetString().Should().Be(vm.Encrypted ? "locked" : null, vm.Name);
            seen.GetProperty("connectionState").GetString().Should().Be(vm.Encrypted ? "invalid" : "connected", vm.Name);
        }
    }

    [Fact]
    public async Task QueryEvents_ByEventTypeId_FindsTheLockEvents()
    {
        var (host, _) = await LockVmsAsync();
        using var run = await RunAsync("events", EventTypes.VmLockedKmsClusterError);
        run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
        var events = run.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        events.Select(e => e.GetProperty("vm").GetString()).Should().BeEquivalentTo(host.Vms.Where(v => v.Encrypted).Select(v => v.Name));
        events.Should().OnlyContain(e => e.GetProperty("type").GetString() == "EventEx" && e.GetProperty("eventTypeId").GetString() == EventTypes.VmLockedKmsClusterError);
    }

    [Fact]
    public async Task RetrieveKmipServersStatus_ShowsTheProvidersServersRed_WhileTheKmsIsAway_ThenGreen()
    {
        await KmsAwayAsync();
        (await AnswerAsync("kmsstatus")).Should().Be("kms-prod red");
        await KmsBackAsync();
        (await AnswerAsync("kmsstatus")).Should().Be("kms-prod green");
    }

    [Fact]
    public async Task ANewKeyProvider_IsRegisteredTrustedAndGivenAClientCertificate_AsVCenterAddsAKms_ThenRemoved()
    {
        // The client certificate the site's KMS already allows (as a KMS vendor issues one for vCenter to upload).
        var allowed = Sim.VCenter!.KeyProviders["kms-prod"].ClientCertificate!;
        var folder = Directory.CreateTempSubdirectory("harness-pyvmomi-").FullName;
        try
        {
            var certFile = Path.Combine(folder, "client.crt");
            var keyFile = Path.Combine(folder, "client.key");
            await File.WriteAllTextAsync(certFile, allowed.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, allowed.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

            using var run = await RunAsync("newprovider", "kms-byo", certFile, keyFile);
            run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
            var lines = run.StdoutLines.ToDictionary(l => l.Split(' ')[0], l => l[(l.IndexOf(' ') + 1)..]);

            lines["registered"].Should().Be("kms-prod,kms-byo", "the default provider is listed first");
            // Registered, not trusted yet: vCenter does not talk to the server.
            lines["untrusted"].Should().StartWith("status red False vCenter does not trust the certificate of KMS server \"kms-byo-1\"");
            var kmsThumbprint = Sim.VCenter.KeyProviders["kms-prod"].Servers[0].TrustedThumbprint!;
            lines["retrieved"].Should().Be($"False {kmsThumbprint}", "RetrieveKmipServerCert shows the certificate the KMS presents, not trusted yet");
            // Trusted, but vCenter presents no client certificate for this provider: the KMS refuses it.
            lines["servertrusted"].Should().StartWith("status red");
            lines["clientcert"].Should().Be("status green True connected");
            lines["generated"].Should().Be("True kms-byo");
            lines["again"].Should().StartWith("fault: AlreadyExists: key provider \"kms-byo\" already has a KMS server \"kms-byo-1\"");
            lines["badcert"].Should().StartWith("fault: InvalidArgument: UploadClientCert needs a PEM certificate and its PEM private key");
            lines["removed"].Should().Be("kms-prod");
            Sim.VCenter.DefaultProvider.Should().Be("kms-prod");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public async Task CryptoUnlock_FailsWithAVsphereFault_WhileTheKmsIsAway_AndSucceedsAfter()
    {
        var (_, locked) = await LockVmsAsync();
        (await AnswerAsync("unlock", locked.Name)).Should().StartWith("fault: InvalidState: ");
        locked.CryptoState.Should().Be(CryptoState.Locked);
        await KmsBackAsync();
        (await AnswerAsync("unlock", locked.Name)).Should().Be("unlocked");
        locked.CryptoState.Should().Be(CryptoState.Unlocked);
    }

    [Fact]
    public async Task PowerOn_OfALockedVm_Fails_AndSucceedsAfterUnlock()
    {
        var (_, locked) = await LockVmsAsync();
        (await AnswerAsync("poweron", locked.Name)).Should().StartWith("fault: ");
        await KmsBackAsync();
        (await AnswerAsync("unlock", locked.Name)).Should().Be("unlocked");
        (await AnswerAsync("poweron", locked.Name)).Should().Be("poweredOn");
        locked.PowerState.Should().Be(PowerState.PoweredOn);
    }

    [Fact]
    public async Task UnregisterVM_ThenRegisterVM_Task_BringsTheVmBack_UnderANewId()
    {
        var vm = Sim.AllVms.First(v => v.Encrypted);
        var ids = (await AnswerAsync("reregister", vm.Name)).Split(' ');
        ids.Should().HaveCount(2);
        ids[1].Should().NotBe(ids[0]).And.StartWith("vm-");
        vm.Registered.Should().BeTrue();
        Sim.VCenter!.MoId(vm).Should().Be(ids[1]);
    }

    [Fact]
    public async Task WaitForUpdatesEx_ReportsAVmsCryptoStateChange()
    {
        await PyVmomi.EnsureInstalledAsync();
        var host = Sim.Hosts.First(h => h.Vms.Any(v => v.Encrypted));
        var vm = host.Vms.First(v => v.Encrypted);
        using var watch = ChildProcess.Start(PyKmip.Python, Arguments("watch", [vm.Name, "60"]));
        await watch.WaitForLineAsync(l => l.StartsWith("ready", StringComparison.Ordinal) || l.StartsWith("fault", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        watch.StdoutLines.Should().Contain("ready unlocked", watch.Describe());
        await LockVmsAsync();
        (await watch.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().Be(0, watch.Describe());
        watch.StdoutLines.Last().Should().Be("locked");
    }

    [Fact]
    public async Task WrongPassword_IsInvalidLogin()
    {
        using var run = await RunAsync("badlogin");
        run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
        run.Stdout.Should().Contain("InvalidLogin: Cannot complete login due to an incorrect user name or password.");
    }
}

/// <summary>The Debian pyVmomi (python3-pyvmomi) under /usr/bin/python3.</summary>
public static class PyVmomi
{
    private static readonly Lazy<Task<string?>> Problem = new(async () =>
    {
        using var probe = await ChildProcess.RunAsync(PyKmip.Python, ["-c", "import pyVim.connect, pyVmomi"], TimeSpan.FromSeconds(60));
        return probe.ExitCode == 0 ? null : probe.Stderr.Split('\n').LastOrDefault(l => l.Length > 0);
    });

    /// <summary>Fails the test (never skips it) when pyVmomi cannot be imported, saying how to install it.</summary>
    public static async Task EnsureInstalledAsync()
    {
        if (await Problem.Value is { } problem)
            Assert.Fail($"pyVmomi is not usable: {problem}. Run `./harness test` as root (it installs python3-pyvmomi with apt), or apt-get install python3-pyvmomi.");
    }
}
