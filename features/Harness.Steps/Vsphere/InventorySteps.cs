using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>
/// The inventory's lifecycle (STEPS.md, second round): vSphere HA clusters, host failure, registration, reload, vMotion,
/// clone and decryption, and what they leave behind (where a VM runs, its key, its connection state, a host's crypto state).
/// </summary>
[Binding]
public sealed class InventorySteps(SimulatedSite site)
{
    private VirtualMachine Vm(string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Vm(name);
    }

    private EsxiHost Host(string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Host(name);
    }

    // ---- Given ------------------------------------------------------------------------------------------------

    [Given("a cluster {string} with hosts {string} and vSphere HA enabled")]
    public void HaCluster(string cluster, string hosts) => site.Simulation.AddCluster(cluster, StepTables.Names(hosts)).HaEnabled = true;

    // ---- When -------------------------------------------------------------------------------------------------

    [When("VM {string} migrates to host {string}")]
    public Task Migrate(string vm, string host) =>
        site.AttemptAsync(() => site.Actions.MigrateVmAsync(site.Simulation.Vm(vm), site.Simulation.Host(host)));

    [When("the administrator clones VM {string} as {string}")]
    public Task Clone(string vm, string clone) => site.AttemptAsync(() => site.Actions.CloneVmAsync(site.Simulation.Vm(vm), clone));

    [When("the administrator decrypts VM {string}")]
    public Task Decrypt(string vm) => site.AttemptAsync(() => site.Actions.DecryptVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator unregisters VM {string}")]
    public Task Unregister(string vm) => site.AttemptAsync(() => { site.Actions.UnregisterVmFromInventory(site.Simulation.Vm(vm)); return Task.CompletedTask; });

    [When("the administrator registers VM {string} on host {string}")]
    public Task Register(string vm, string host) =>
        site.AttemptAsync(() => site.Actions.RegisterVmOnHostAsync(site.Simulation.Vm(vm), site.Simulation.Host(host)));

    [When("the administrator reloads VM {string}")]
    public Task Reload(string vm) => site.AttemptAsync(() => site.Actions.ReloadVmAsync(site.Simulation.Vm(vm)));

    [When("host {string} fails")]
    public Task HostFails(string host) => site.AttemptAsync(() => site.Actions.FailHostAsync(site.Simulation.Host(host)));

    [When("host {string} is back")]
    public Task HostBack(string host) => site.AttemptAsync(() => site.Actions.HostBackAsync(site.Simulation.Host(host)));

    [When("user {string} migrates VM {string} to host {string}")]
    public Task UserMigrates(string user, string vm, string host) =>
        site.AttemptAsync(() => site.Actions.MigrateVmAsync(site.Simulation.Vm(vm), site.Simulation.Host(host), user));

    [When("user {string} clones VM {string} as {string}")]
    public Task UserClones(string user, string vm, string clone) => site.AttemptAsync(() => site.Actions.CloneVmAsync(site.Simulation.Vm(vm), clone, user));

    [When("user {string} decrypts VM {string}")]
    public Task UserDecrypts(string user, string vm) => site.AttemptAsync(() => site.Actions.DecryptVmAsync(site.Simulation.Vm(vm), user));

    [When("user {string} encrypts VM {string}")]
    public Task UserEncrypts(string user, string vm) => site.AttemptAsync(() => site.Actions.EncryptVmAsync(site.Simulation.Vm(vm), user));

    // ---- Then -------------------------------------------------------------------------------------------------

    [Then("VM {string} runs on host {string}")]
    public void RunsOn(string vm, string host)
    {
        var v = Vm(vm);
        Expect.That(v.Host.Name == host, $"VM \"{vm}\" is on host \"{v.Host.Name}\", expected \"{host}\"");
        Expect.That(v.PowerState == PowerState.PoweredOn, $"VM \"{vm}\" is on host \"{host}\" but {PropertyReader.PowerStateName(v.PowerState)}");
    }

    [Then("VM {string} has the same key as VM {string}")]
    public void SameKey(string vm, string other)
    {
        var a = Vm(vm);
        var b = Vm(other);
        Expect.That(a.Encrypted && b.Encrypted, $"VM \"{vm}\" is {(a.Encrypted ? "" : "not ")}encrypted and VM \"{other}\" is {(b.Encrypted ? "" : "not ")}encrypted");
        Expect.That(a.KeyId == b.KeyId && a.ProviderId == b.ProviderId,
            $"VM \"{vm}\" has key {a.KeyId} of {a.ProviderId}, VM \"{other}\" has key {b.KeyId} of {b.ProviderId}");
    }

    [Then("VM {string} is not encrypted")]
    public void NotEncrypted(string vm)
    {
        var v = Vm(vm);
        Expect.That(!v.Encrypted, $"VM \"{vm}\" is encrypted with key {v.KeyId} of {v.ProviderId}");
        Expect.That(v.Files.Disks.All(d => d.Encrypted is null && d.ClearData is not null), $"a disk of VM \"{vm}\" is still encrypted");
    }

    [Then("VM {string} is encrypted")]
    public void IsEncrypted(string vm) => Expect.That(Vm(vm).Encrypted, $"VM \"{vm}\" is not encrypted");

    [Then("the connection state of VM {string} is {string}")]
    public void ConnectionState(string vm, string state)
    {
        var actual = PropertyReader.Read(Vm(vm), "runtime.connectionState");
        Expect.That(actual == state, $"the connection state (runtime.connectionState) of VM \"{vm}\" is \"{actual}\", expected \"{state}\"");
    }

    [Then("host {string} is in crypto state {string}")]
    public void HostCryptoState(string host, string state)
    {
        var actual = PropertyReader.Read(Host(host), "runtime.cryptoState");
        Expect.That(actual == state, $"host \"{host}\" is in crypto state (runtime.cryptoState) \"{actual}\", expected \"{state}\"");
    }

    [Then("the managed object ID of VM {string} has changed")]
    public void MoIdChanged(string vm) => Expect.That(site.VCenter.MoId(Vm(vm)) != _moIds.GetValueOrDefault(vm), $"VM \"{vm}\" is still {site.VCenter.MoId(Vm(vm))}");

    [Given("the managed object ID of VM {string} is noted")]
    [When("the managed object ID of VM {string} is noted")]
    public void NoteMoId(string vm) => _moIds[vm] = site.VCenter.MoId(Vm(vm));

    private readonly Dictionary<string, string> _moIds = new(StringComparer.Ordinal);
}
