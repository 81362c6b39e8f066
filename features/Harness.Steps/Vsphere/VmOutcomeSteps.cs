using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Then: the state of VMs: lock and power state, alarms, events, keys on hosts, whether their data reads back.</summary>
[Binding]
public sealed class VmOutcomeSteps(SimulatedSite site)
{
    private VirtualMachine Vm(string name) => site.ExaminedVm(name);

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
    public void EventLogShows(string text, string vm) => site.ExpectEvent(text, Vm(vm).Name, $"VM \"{vm}\"", exact: true);

    [Then("the key ID of VM {string} can be read from {string}")]
    public void KeyIdReadable(string vm, string path)
    {
        var v = Vm(vm);
        var value = PropertyReader.Read(v, path);
        Expect.That(value is not null && value == v.KeyId, $"{path} of VM \"{vm}\" reads \"{value}\", expected its key ID {v.KeyId}");
    }

    [Then("host {string} has the key of VM {string}")]
    public void HostHasKey(string host, string vm) =>
        Expect.That(site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" does not have the key of VM \"{vm}\"");

    [Then("host {string} does not have the key of VM {string}")]
    public void HostLacksKey(string host, string vm) =>
        Expect.That(!site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" has the key of VM \"{vm}\"");

    [Then("the data of VM {string} reads back intact")]
    public void DataIntact(string vm) =>
        Expect.That(Simulation.ReadsBackIntact(Vm(vm), out var why), $"the data of VM \"{vm}\" does not read back: {why}");

    [Then("the data of VM {string} cannot be decrypted")]
    public void DataGone(string vm) =>
        Expect.That(!Simulation.ReadsBackIntact(Vm(vm), out _), $"the data of VM \"{vm}\" still decrypts");

    // beyond STEPS.md: outcomes

    [Then("the event log does not show {string} for VM {string}")]
    public void EventLogDoesNotShow(string text, string vm)
    {
        var name = Vm(vm).Name;
        var hit = site.VCenter.Events.For(name).FirstOrDefault(e => e.TypeId == text || e.Message == text);
        Expect.That(hit is null, $"the event log of vCenter \"{site.VCenter.Name}\" shows \"{text}\" for VM \"{vm}\": {hit?.TypeId}: {hit?.Message}");
    }

    [Then("vCenter warns about a circular dependency for VM {string}")]
    public void WarnsCircular(string vm)
    {
        var warning = site.VCenter.Events.For(Vm(vm).Name).FirstOrDefault(e => e.TypeId == EventTypes.CircularDependency);
        Expect.That(warning is not null, $"vCenter \"{site.VCenter.Name}\" did not warn about a circular dependency for VM \"{vm}\"");
    }

    [Then("vCenter does not warn about a circular dependency for VM {string}")]
    public void DoesNotWarnCircular(string vm)
    {
        var warning = site.VCenter.Events.For(Vm(vm).Name).FirstOrDefault(e => e.TypeId == EventTypes.CircularDependency);
        Expect.That(warning is null, $"vCenter \"{site.VCenter.Name}\" warned: {warning?.Message}");
    }

    [Then("VM {string} has a new key")]
    public void HasNewKey(string vm)
    {
        var v = Vm(vm);
        Expect.That(v.KeyHistory.Count > 0, $"VM \"{vm}\" was never rekeyed: it still has its first key {v.KeyId}");
        Expect.That(v.KeyId != v.KeyHistory[^1].KeyId, $"VM \"{vm}\" still has key {v.KeyId}");
    }

    [Then("VM {string} still has its first key")]
    public void KeepsKey(string vm) => Expect.That(Vm(vm).KeyHistory.Count == 0, $"VM \"{vm}\" was rekeyed {Vm(vm).KeyHistory.Count} time(s)");
}
