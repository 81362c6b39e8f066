using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Then: the keys on the KMS: their state, whether the KMS serves them, and what a rekey did to the data keys.</summary>
[Binding]
public sealed class KeyOutcomeSteps(SimulatedSite site)
{
    private VirtualMachine Vm(string name) => site.ExaminedVm(name);

    private EsxiHost Host(string name) => site.ExaminedHost(name);

    private static async Task ExpectKeyState(KmsClusterInstance kms, string keyId, string state, string what)
    {
        var actual = await kms.Administration.KeyStateAsync(keyId);
        Expect.That(KmipNames.SameName(actual, state), $"the KMS holds {what} ({keyId}) in state {actual}, expected {state}");
    }

    [Then("the KMS holds the key of VM {string} in state {string}")]
    public Task KmsHolds(string vm, string state)
    {
        var v = Vm(vm);
        return ExpectKeyState(site.KmsOf(v), v.KeyId!, state, $"the key of VM \"{vm}\"");
    }

    // beyond STEPS.md: outcomes

    [Then("the KMS still holds the previous key of VM {string} in state {string}")]
    public Task KmsHoldsPrevious(string vm, string state)
    {
        var v = Vm(vm);
        Expect.That(v.KeyHistory.Count > 0, $"VM \"{vm}\" has no previous key: it was never rekeyed");
        return ExpectKeyState(site.KmsOf(v), v.KeyHistory[^1].KeyId, state, $"the previous key of VM \"{vm}\"");
    }

    [Then("the disks of VM {string} keep their data keys")]
    public Task KeepDataKeys(string vm) => CompareDataKeys(vm, expectSame: true);

    [Then("the disks of VM {string} have new data keys")]
    public Task NewDataKeys(string vm) => CompareDataKeys(vm, expectSame: false);

    /// <summary>
    /// Unwraps each disk's data key from the VM's previous bundle with the previous KEK (fetched from the KMS, which must
    /// still serve it) and from the current bundle with the current KEK, and compares them; for new data keys also checks
    /// that the old data key no longer decrypts the disk (the data was re-encrypted).
    /// </summary>
    private async Task CompareDataKeys(string vmName, bool expectSame)
    {
        var vm = Vm(vmName);
        Expect.That(vm.KeyHistory.Count > 0, $"VM \"{vmName}\" was never rekeyed");
        var previous = vm.KeyHistory[^1];
        var previousKeys = await site.FetchFromKmsAsync(previous.ProviderId, [previous.KeyId]);
        Expect.That(previousKeys.TryGetValue(previous.KeyId, out var oldKek), $"the KMS no longer serves the previous key {previous.KeyId} of VM \"{vmName}\"");
        var kek = vm.Host.Key(vm.KeyId!);
        Expect.That(kek is not null, $"host \"{vm.Host.Name}\" does not hold the current key of VM \"{vmName}\"");
        foreach (var disk in vm.Files.Disks)
        {
            var oldDek = DiskCrypto.TryUnwrapDek(oldKek!, previous.WrappedDeks[disk.Name]);
            var newDek = DiskCrypto.TryUnwrapDek(kek!, vm.Files.Bundle!.WrappedDeks[disk.Name]);
            Expect.That(oldDek is not null && newDek is not null, $"the data keys of disk {disk.Path} do not unwrap with the previous and current keys");
            bool same = oldDek!.AsSpan().SequenceEqual(newDek);
            Expect.That(same == expectSame, expectSame
                ? $"disk {disk.Path} has a new data key: a shallow rekey only rewraps the data keys"
                : $"disk {disk.Path} kept its data key: a deep rekey makes new data keys");
            if (!expectSame)
                Expect.That(DiskCrypto.TryDecrypt(oldDek!, disk.Encrypted!) is null, $"disk {disk.Path} still decrypts with its old data key: it was not re-encrypted");
        }
    }

    [Then("the KMS no longer serves the key of VM {string}")]
    public async Task KmsNoLongerServes(string vm)
    {
        var v = Vm(vm);
        var keys = await site.FetchFromKmsAsync(v.ProviderId!, [v.KeyId!]);
        Expect.That(!keys.ContainsKey(v.KeyId!), $"the KMS still serves the key {v.KeyId} of VM \"{vm}\"");
    }

    [Then("the KMS serves the key of VM {string}")]
    public async Task KmsServes(string vm)
    {
        var v = Vm(vm);
        var keys = await site.FetchFromKmsAsync(v.ProviderId!, [v.KeyId!]);
        Expect.That(keys.ContainsKey(v.KeyId!), $"the KMS does not serve the key {v.KeyId} of VM \"{vm}\"");
    }

    [Then("the KMS holds the vSAN key of cluster {string} in state {string}")]
    public Task KmsHoldsVsanKey(string cluster, string state)
    {
        site.ThrowIfPendingFailure();
        var config = site.Simulation.Cluster(cluster).VsanEncryption ?? throw new ExpectationFailedException($"vSAN encryption is not enabled on cluster \"{cluster}\"");
        return ExpectKeyState(site.KmsOfProvider(config.ProviderId), config.KekId, state, $"the vSAN key of cluster \"{cluster}\"");
    }

    [Then("the KMS still holds the previous vSAN key of cluster {string} in state {string}")]
    public Task KmsHoldsPreviousVsanKey(string cluster, string state)
    {
        site.ThrowIfPendingFailure();
        var config = site.Simulation.Cluster(cluster).VsanEncryption ?? throw new ExpectationFailedException($"vSAN encryption is not enabled on cluster \"{cluster}\"");
        Expect.That(config.PreviousKekIds.Count > 0, $"the vSAN encryption of cluster \"{cluster}\" was never rekeyed");
        return ExpectKeyState(site.KmsOfProvider(config.ProviderId), config.PreviousKekIds[^1], state, $"the previous vSAN key of cluster \"{cluster}\"");
    }

    [Then("the KMS still holds the previous host key of host {string} in state {string}")]
    public Task KmsHoldsPreviousHostKey(string host, string state)
    {
        var h = Host(host);
        Expect.That(h.PreviousHostKeyIds.Count > 0, $"host \"{host}\" never had its host key renewed");
        return ExpectKeyState(site.KmsOfProvider(h.HostKeyProviderId ?? ""), h.PreviousHostKeyIds[^1], state, $"the previous host key of host \"{host}\"");
    }
}
