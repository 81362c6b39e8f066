using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: what the KMS administrator does to keys on the KMS (a request the KMS refuses is kept for "the
/// operation fails with").</summary>
[Binding]
public sealed class KmsAdministratorSteps(SimulatedSite site)
{
    private VirtualMachine Vm(string name) => site.Simulation.Vm(name);

    [When("the KMS administrator deactivates the key of VM {string}")]
    public Task Deactivate(string vm) => site.AttemptAsync(() => site.Actions.DeactivateKeyOfAsync(Vm(vm)));

    [When("the KMS administrator reactivates the key of VM {string}")]
    public Task Reactivate(string vm) => site.AttemptAsync(() => site.Actions.ReactivateKeyOfAsync(Vm(vm)));

    [When("the KMS administrator destroys the key of VM {string}")]
    public Task Destroy(string vm) => site.AttemptAsync(() => site.Actions.DestroyKeyOfAsync(Vm(vm)));

    [When("the KMS administrator deletes the root key")]
    public Task DeleteRootKey() => site.AttemptAsync(site.Actions.DeleteEveryRootKeyAsync);

    // beyond STEPS.md

    [When("the KMS service of vCenter {string} is removed from the KMS cluster {string}")]
    public Task RemoveService(string vc, string kms) =>
        site.AttemptAsync(() => site.Actions.RemoveKmsServiceOfAsync(site.VCenterNamed(vc), site.Kms(kms)));

    [When("the KMS administrator restores the key of VM {string}")]
    public Task Restore(string vm) => site.AttemptAsync(() => site.Actions.RestoreKeyOfAsync(Vm(vm)));

    [When("the KMS administrator reactivates the key with the ID read from {string} of VM {string}")]
    public Task ReactivateById(string path, string vmName) => site.AttemptAsync(() =>
    {
        var vm = Vm(vmName);
        var id = PropertyReader.Read(vm, path) ?? throw new InvalidOperationException($"{path} of VM \"{vmName}\" is empty");
        return site.Actions.ReactivateKeyAsync(vm, id);
    });

    [When("the KMS administrator destroys the previous key of VM {string}")]
    public Task DestroyPrevious(string vm) => site.AttemptAsync(() => site.Actions.DestroyPreviousKeyOfAsync(Vm(vm)));

    [When("the KMS administrator destroys the key of disk {string} of VM {string}")]
    public Task DestroyDiskKey(string disk, string vm) => site.AttemptAsync(() => site.Actions.DestroyDiskKeyAsync(Vm(vm), disk));

    [When("the KMS administrator restores the key of disk {string} of VM {string}")]
    public Task RestoreDiskKey(string disk, string vm) => site.AttemptAsync(() => site.Actions.RestoreDiskKeyAsync(Vm(vm), disk));

    [When("the KMS administrator deactivates the host key of host {string}")]
    public Task DeactivateHostKey(string host) => site.AttemptAsync(() => site.Actions.DeactivateHostKeyAsync(site.Simulation.Host(host)));

    [When("the KMS administrator reactivates the host key of host {string}")]
    public Task ReactivateHostKey(string host) => site.AttemptAsync(() => site.Actions.ReactivateHostKeyAsync(site.Simulation.Host(host)));
}
