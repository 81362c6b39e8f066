using Harness.Scenarios;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>The scenario language of STEPS.md, bound to the simulator. Each phrase exists exactly as written there.</summary>
[Binding]
public sealed class VsphereSteps(VsphereDriver site)
{
    private static IEnumerable<string> List(string names) => names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // ---- Given ------------------------------------------------------------------------------------------------
    [Given("a KMS cluster {string}")]
    public Task KmsCluster(string name) => site.AddKmsClusterAsync(name, 1);

    [Given("a KMS cluster {string} with {int} servers")]
    public Task KmsClusterWithServers(string name, int servers) => site.AddKmsClusterAsync(name, servers);

    [Given("vCenter {string} trusts the KMS cluster {string}")]
    public Task VCenterTrusts(string vc, string kms) => site.TrustAsync(site.VCenterNamed(vc), kms, kms, waitForTrust: true);

    [Given("a cluster {string} with hosts {string}")]
    public void Cluster(string cluster, string hosts) => site.Simulation.AddCluster(cluster, List(hosts));

    [Given("an encrypted VM {string} running on host {string}")]
    public async Task EncryptedRunning(string vm, string host)
    {
        var v = site.Simulation.AddVm(vm, host, poweredOn: true);
        await site.VCenter.EncryptVmAsync(v);
    }

    [Given("an encrypted VM {string} powered off on host {string}")]
    public async Task EncryptedOff(string vm, string host)
    {
        var v = site.Simulation.AddVm(vm, host, poweredOn: false);
        await site.VCenter.EncryptVmAsync(v);
    }

    [Given("a VM {string} running on host {string}")]
    public void PlainVm(string vm, string host) => site.Simulation.AddVm(vm, host, poweredOn: true);

    [Given("key persistence is enabled on host {string}")]
    public void KeyPersistence(string host) => site.Simulation.Host(host).KeyPersistence = true;

    [Given("user {string} lacks the privilege {string}")]
    public void LacksPrivilege(string user, string privilege)
    {
        if (!site.VCenter.MissingPrivileges.TryGetValue(user, out var set)) site.VCenter.MissingPrivileges[user] = set = [];
        set.Add(privilege);
    }

    // ---- When -------------------------------------------------------------------------------------------------
    [When("host {string} reboots")]
    public Task Reboot(string host) => site.AttemptAsync(() => site.Simulation.RebootHostAsync(site.Simulation.Host(host)));

    [When("the KMS cluster {string} becomes unreachable")]
    public void Unreachable(string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).BecomeUnreachable(); }

    [When("the KMS cluster {string} is reachable again")]
    public void Reachable(string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).BecomeReachable(); }

    [When("KMS server {int} of cluster {string} goes down")]
    public void ServerDown(int n, string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).ServerNumber(n).Refuse(); }

    [When("the KMS administrator deactivates the key of VM {string}")]
    public Task Deactivate(string vm) => AdministerAsync(vm, (a, id) => a.DeactivateAsync(id));

    [When("the KMS administrator reactivates the key of VM {string}")]
    public Task Reactivate(string vm) => AdministerAsync(vm, (a, id) => a.ReactivateAsync(id));

    [When("the KMS administrator destroys the key of VM {string}")]
    public Task Destroy(string vm) => AdministerAsync(vm, (a, id) => a.DestroyAsync(id));

    private async Task AdministerAsync(string vmName, Func<KmsAdministrator, string, Task> action)
    {
        site.ThrowIfPendingFailure();
        var vm = site.Simulation.Vm(vmName);
        await action(site.KmsOf(vm).Administrator, vm.KeyId ?? throw new InvalidOperationException($"VM \"{vmName}\" is not encrypted"));
    }

    [When("the keys of VM {string} are removed from host {string}")]
    public void RemoveKeys(string vm, string host)
    {
        site.ThrowIfPendingFailure();
        var v = site.Simulation.Vm(vm);
        site.VCenter.KeysRemovedFromHost(site.Simulation.Host(host), v.KeyId!);
    }

    [When("vCenter {string} is lost")]
    public Task Lost(string vc) => site.AttemptAsync(() => site.VCenterNamed(vc).LoseAsync());

    [When("a new vCenter {string} is set up")]
    public void NewVCenter(string vc) { site.ThrowIfPendingFailure(); site.Simulation.AddVCenter(vc); }

    [When("vCenter {string} trusts the KMS cluster {string}")]
    public Task WhenTrusts(string vc, string kms) => site.AttemptAsync(() => site.TrustAsync(site.VCenterNamed(vc), kms, kms, waitForTrust: false));

    [When("vCenter {string} trusts a KMS cluster named {string}")]
    public Task TrustsNamed(string vc, string name) =>
        site.AttemptAsync(() => site.TrustAsync(site.VCenterNamed(vc), site.KmsClusters.First().Name, name, waitForTrust: false));

    [When("the administrator re-registers VM {string}")]
    public Task ReRegister(string vm) => site.AttemptAsync(() => site.VCenter.RegisterVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator re-registers all locked VMs")]
    public Task ReRegisterAll() => site.AttemptAsync(async () =>
    {
        foreach (var vm in site.VCenter.Vms.Where(v => v.CryptoState == CryptoState.Locked).ToList())
            await site.VCenter.RegisterVmAsync(vm);
    });

    [When("user {string} re-registers VM {string}")]
    public Task UserReRegisters(string user, string vm) => site.AttemptAsync(() => site.VCenter.RegisterVmAsync(site.Simulation.Vm(vm), user));

    [When("the administrator unlocks VM {string}")]
    public Task UnlockVm(string vm) => site.AttemptAsync(() => site.VCenter.UnlockVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator powers on VM {string}")]
    public Task PowerOn(string vm) => site.AttemptAsync(() => site.VCenter.PowerOnVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator encrypts VM {string}")]
    public Task Encrypt(string vm) => site.AttemptAsync(() => site.VCenter.EncryptVmAsync(site.Simulation.Vm(vm)));

    [When("{int} minutes pass")]
    public void MinutesPass(int minutes) { site.ThrowIfPendingFailure(); site.Clock.Advance(TimeSpan.FromMinutes(minutes)); }

    // ---- Then -------------------------------------------------------------------------------------------------
    private VirtualMachine Vm(string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Vm(name);
    }

    [Then("VM {string} is locked")]
    public void IsLocked(string vm) => Expect.That(Vm(vm).CryptoState == CryptoState.Locked, $"VM \"{vm}\" is {Vm(vm).CryptoState}, expected Locked");

    [Then("VM {string} is unlocked")]
    public void IsUnlocked(string vm) => Expect.That(Vm(vm).CryptoState == CryptoState.Unlocked, $"VM \"{vm}\" is {Vm(vm).CryptoState}, expected Unlocked");

    [Then("VM {string} is running")]
    public void IsRunning(string vm) => Expect.That(Vm(vm).PowerState == PowerState.PoweredOn, $"VM \"{vm}\" is {Vm(vm).PowerState}, expected running");

    [Then("VM {string} is powered off")]
    public void IsOff(string vm) => Expect.That(Vm(vm).PowerState == PowerState.PoweredOff, $"VM \"{vm}\" is {Vm(vm).PowerState}, expected powered off");

    [Then("VM {string} has an active alarm")]
    public void HasAlarm(string vm) => Expect.That(site.VCenter.Alarms.ActiveOn(Vm(vm).Name).Any(), $"VM \"{vm}\" has no active alarm");

    [Then("VM {string} has no active alarm")]
    public void HasNoAlarm(string vm)
    {
        var active = site.VCenter.Alarms.ActiveOn(Vm(vm).Name).ToList();
        Expect.That(active.Count == 0, $"VM \"{vm}\" has an active alarm: {string.Join(", ", active.Select(a => $"{a.Name} ({a.Reason})"))}");
    }

    [Then("the event log shows {string} for VM {string}")]
    public void EventLogShows(string text, string vm)
    {
        var events = site.VCenter.Events.For(Vm(vm).Name).ToList();
        Expect.That(events.Any(e => e.TypeId == text || e.Message == text),
            $"the event log of vCenter \"{site.VCenter.Name}\" has no \"{text}\" for VM \"{vm}\"; it has: " +
            (events.Count == 0 ? "nothing" : string.Join(" | ", events.Select(e => $"{e.TypeId}: {e.Message}"))));
    }

    [Then("the key ID of VM {string} can be read from {string}")]
    public void KeyIdReadable(string vm, string path)
    {
        var v = Vm(vm);
        var value = VmProperties.Read(v, path);
        Expect.That(value is not null && value == v.KeyId, $"{path} of VM \"{vm}\" reads \"{value}\", expected its key ID {v.KeyId}");
    }

    [Then("host {string} has the key of VM {string}")]
    public void HostHasKey(string host, string vm) =>
        Expect.That(site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" does not have the key of VM \"{vm}\"");

    [Then("host {string} does not have the key of VM {string}")]
    public void HostLacksKey(string host, string vm) =>
        Expect.That(!site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" has the key of VM \"{vm}\"");

    [Then("the KMS holds the key of VM {string} in state {string}")]
    public async Task KmsHolds(string vm, string state)
    {
        var v = Vm(vm);
        var view = await site.KmsOf(v).Administrator.GetObjectAsync(v.KeyId!);
        var actual = view.GetProperty("state").GetString() ?? "";
        Expect.That(KmipNames.SameName(actual, state), $"the KMS holds the key of VM \"{vm}\" in state {actual}, expected {state}");
    }

    [Then("the data of VM {string} reads back intact")]
    public void DataIntact(string vm) =>
        Expect.That(Simulation.ReadsBackIntact(Vm(vm), out var why), $"the data of VM \"{vm}\" does not read back: {why}");

    [Then("the data of VM {string} cannot be decrypted")]
    public void DataGone(string vm) =>
        Expect.That(!Simulation.ReadsBackIntact(Vm(vm), out _), $"the data of VM \"{vm}\" still decrypts");

    [Then("the operation fails with {string}")]
    public void OperationFails(string text)
    {
        var failure = site.TakeFailure();
        var said = failure is VsphereFault f ? $"{f.FaultName}: {f.Message}" : failure.Message;
        Expect.That(said.Contains(text, StringComparison.OrdinalIgnoreCase), $"the operation failed with \"{said}\", which does not mention \"{text}\"");
    }

    [AfterScenario]
    public void NoUnexaminedFailure() => site.ThrowIfPendingFailure();
}

/// <summary>The properties of a VM as the Managed Object Browser shows them (seed 000 step 3a: config.keyId.keyId).</summary>
public static class VmProperties
{
    public static string? Read(VirtualMachine vm, string path) => path switch
    {
        "VirtualMachine.config.keyId.keyId" or "config.keyId.keyId" => vm.KeyId,
        "VirtualMachine.config.keyId.providerId.id" or "config.keyId.providerId.id" => vm.ProviderId,
        "VirtualMachine.runtime.cryptoState" or "runtime.cryptoState" => vm.CryptoState == CryptoState.Locked ? "locked" : "unlocked",
        "VirtualMachine.runtime.powerState" or "runtime.powerState" => vm.PowerState == PowerState.PoweredOn ? "poweredOn" : "poweredOff",
        "VirtualMachine.name" or "name" => vm.Name,
        _ => throw new ArgumentException($"\"{path}\" is not a property the simulator shows; known: VirtualMachine.config.keyId.keyId, " +
                                         "VirtualMachine.config.keyId.providerId.id, VirtualMachine.runtime.cryptoState, VirtualMachine.runtime.powerState"),
    };
}
