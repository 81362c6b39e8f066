using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: the administrator's (or a user's) actions on VMs and their keys in vCenter (a refused action is kept
/// for "the operation fails with").</summary>
[Binding]
public sealed class VmSteps(SimulatedSite site)
{
    private VirtualMachine Vm(string name) => site.Simulation.Vm(name);

    [When("the keys of VM {string} are removed from host {string}")]
    public void RemoveKeys(string vm, string host)
    {
        site.ThrowIfPendingFailure();
        site.Actions.RemoveKeysFromHost(Vm(vm), site.Simulation.Host(host));
    }

    [When("the administrator re-registers VM {string}")]
    public Task ReRegister(string vm) => site.AttemptAsync(() => site.Actions.ReRegisterVmAsync(Vm(vm)));

    [When("the administrator re-registers all locked VMs")]
    public Task ReRegisterAll() => site.AttemptAsync(() => site.Actions.RegisterLockedVmsAsync());

    [When("user {string} re-registers VM {string}")]
    public Task UserReRegisters(string user, string vm) => site.AttemptAsync(() => site.Actions.ReRegisterVmAsync(Vm(vm), user));

    [When("the administrator unlocks VM {string}")]
    public Task UnlockVm(string vm) => site.AttemptAsync(() => site.Actions.UnlockVmAsync(Vm(vm)));

    [When("the administrator powers on VM {string}")]
    public Task PowerOn(string vm) => site.AttemptAsync(() => site.Actions.PowerOnVmAsync(Vm(vm)));

    [When("the administrator encrypts VM {string}")]
    public Task Encrypt(string vm) => site.AttemptAsync(() => site.Actions.EncryptVmAsync(Vm(vm)));

    [When("the administrator rekeys VM {string}")]
    public Task Rekey(string vm) => site.AttemptAsync(() => site.Actions.RekeyVmAsync(Vm(vm), deep: false));

    [When("the administrator deep rekeys VM {string}")]
    public Task DeepRekey(string vm) => site.AttemptAsync(() => site.Actions.RekeyVmAsync(Vm(vm), deep: true));

    // beyond STEPS.md

    [When("user {string} unlocks VM {string}")]
    public Task UserUnlocks(string user, string vm) => site.AttemptAsync(() => site.Actions.UnlockVmAsync(Vm(vm), user));

    [When("user {string} rekeys VM {string}")]
    public Task UserRekeys(string user, string vm) => site.AttemptAsync(() => site.Actions.RekeyVmAsync(Vm(vm), deep: false, user));

    [When("the administrator powers off VM {string}")]
    public Task PowerOff(string vm) => site.AttemptAsync(() => site.Actions.PowerOffVmAsync(Vm(vm)));

    [When("the administrator removes VM {string} from the inventory")]
    public Task Unregister(string vm) => site.AttemptAsync(() => { site.Actions.UnregisterVm(Vm(vm)); return Task.CompletedTask; });

    [When("the administrator removes the key of VM {string} from vCenter")]
    public Task RemoveKey(string vm) => site.AttemptAsync(() => site.Actions.RemoveKeyOfAsync(Vm(vm), force: false));

    [When("the administrator force-removes the key of VM {string}")]
    public Task ForceRemoveKey(string vm) => site.AttemptAsync(() => site.Actions.RemoveKeyOfAsync(Vm(vm), force: true));

    [When("the administrator rekeys the vSAN encryption of cluster {string}")]
    public Task RekeyVsan(string cluster) => site.AttemptAsync(() => site.Actions.RekeyVsanAsync(site.Simulation.Cluster(cluster), deep: false));

    [When("the administrator deep rekeys the vSAN encryption of cluster {string}")]
    public Task DeepRekeyVsan(string cluster) => site.AttemptAsync(() => site.Actions.RekeyVsanAsync(site.Simulation.Cluster(cluster), deep: true));
}
