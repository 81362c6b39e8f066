using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Simulator.KmsAdministration;
using Harness.Steps;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// Field failure 4 (VSPHERE-MODEL.md): a key destroyed on the KMS. Once its material is gone, nothing the KMS still
/// holds opens the VM: the data is crypto-shredded, while every other VM still opens with its own key.
/// </summary>
public class DestroyedKeyTests
{
    [Fact]
    public async Task ADestroyedKey_LeavesTheDataUnrecoverable_WhateverKeyTheKmsStillHas()
    {
        await using var site = new SimulatedSite();
        await site.AddKmsClusterAsync("kms-prod", 1);
        var kms = site.Kms("kms-prod");
        var vc = site.VCenter;
        await site.TrustAsync(vc, "kms-prod", "kms-prod", waitForTrust: true);
        var cluster = site.Simulation.AddCluster("cl01", ["esx01", "esx02"]);
        var vms = Enumerable.Range(1, 6)
            .Select(i => site.Simulation.AddVm($"app{i:00}", cluster.Hosts[i % 2].Name, poweredOn: false))
            .ToList();
        foreach (var vm in vms) await vc.EncryptVmAsync(vm); // vSphere encrypts powered-off VMs
        foreach (var vm in vms) await vc.PowerOnVmAsync(vm);
        var victim = vms[2];
        var others = vms.Where(v => v != victim).ToList();
        var provider = vc.KeyProviders["kms-prod"];

        // Another tenant of the same KMS has keys too: "whatever key the KMS still has" includes them.
        await using (var tenant = await SiteKmip.ConnectAsOtherTenantAsync(kms))
        {
            var ops = new KmipOperations(tenant, ProtocolVersion.V1_1);
            for (int i = 0; i < 3; i++) await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        }

        // The KMS administrator destroys the victim's key (recoverably: the Harness KMS keeps sealed material) ...
        var destroyed = KmsInventory.Parse(await kms.Administrator.DestroyAsync(victim.KeyId!));
        destroyed.State.Should().Be("Destroyed");
        // ... and a KMIP Destroy by its owner (vCenter's identity) removes the material for good. The key is no longer
        // Active (the admin destroy made it Destroyed), so the KMIP Revoke that an Active key would need does not apply.
        await using (var asVCenter = await SiteKmip.ConnectAsVCenterAsync(kms, provider))
        {
            var destroy = KmipResponse.Parse(await asVCenter.SendAsync(KmipRequests.Message(ProtocolVersion.V1_1,
                KmipBatchItems.Destroy(victim.KeyId!)))).BatchItems[0];
            destroy.IsSuccess.Should().BeTrue($"the owner may destroy a destroyed key's kept material over KMIP ({destroy.ResultReason}: {destroy.ResultMessage})");
        }
        var restore = () => kms.Administrator.RestoreAsync(victim.KeyId!);
        (await restore.Should().ThrowAsync<KmsAdministrationException>("the material is gone: nothing is left to restore"))
            .Which.Message.Should().Contain("material is gone");
        kms.Server.State.Store.Find(victim.KeyId!)!.Value.Should().BeNull("the KMS store holds no material for the key any more");

        // Every host of the cluster reboots (each held the key in its cache): the victim locks, the others unlock.
        foreach (var host in cluster.Hosts) await site.Simulation.RebootHostAsync(host);

        victim.CryptoState.Should().Be(CryptoState.Locked, "its key is missing on the KMS");
        vc.Events.For(victim.Name).Select(e => e.TypeId).Should().Contain(EventTypes.VmLockedKeyMissingOnKms);
        site.Simulation.Hosts.Should().OnlyContain(h => !h.HasKey(victim.KeyId!), "no host keeps the destroyed key after the reboots");
        Simulation.ReadsBackIntact(victim, out _).Should().BeFalse();
        foreach (var vm in others)
        {
            vm.CryptoState.Should().Be(CryptoState.Unlocked, $"VM {vm.Name}'s key is on the KMS");
            Simulation.ReadsBackIntact(vm, out var reason).Should().BeTrue($"VM {vm.Name} reads back: {reason}");
        }

        // Collect every key the KMS still has: Get of every object it lists, as vCenter and as the other tenant.
        using var inventory = new KmsInventory(kms);
        var listed = await inventory.ObjectsAsync();
        listed.Select(o => o.Id).Should().Contain(vms.Select(v => v.KeyId!), "the KMS lists every VM key, the destroyed one included");
        // The VMs' keys, the two hosts' host keys (crypto-safe hosts) and the other tenant's three keys.
        listed.Should().HaveCount(vms.Count + cluster.Hosts.Count + 3);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var unavailable = new List<string>();
        await using (var asVCenter = await SiteKmip.ConnectAsVCenterAsync(kms, provider))
        await using (var asTenant = await SiteKmip.ConnectAsOtherTenantAsync(kms))
        {
            foreach (var o in listed)
            {
                var key = await SiteKmip.TryGetKeyAsync(asVCenter, o.Id) ?? await SiteKmip.TryGetKeyAsync(asTenant, o.Id);
                if (key is null) unavailable.Add(o.Id);
                else keys[o.Id] = key;
            }
        }
        unavailable.Should().Equal([victim.KeyId], "the KMS serves every key but the destroyed one");
        keys.Should().HaveCount(listed.Count - 1);

        // None of them opens the destroyed VM's disks ...
        foreach (var (id, key) in keys)
            Simulation.DecryptsWith(victim, key, out _).Should().BeFalse($"key {id} must not decrypt {victim.Name}'s disks");
        // ... while every other VM opens with its own key, and only with it.
        foreach (var vm in others)
        {
            Simulation.DecryptsWith(vm, keys[vm.KeyId!], out var reason).Should().BeTrue($"{vm.Name} decrypts with its key {vm.KeyId}: {reason}");
            keys.Where(k => k.Key != vm.KeyId).Where(k => Simulation.DecryptsWith(vm, k.Value, out _)).Select(k => k.Key)
                .Should().BeEmpty($"only {vm.Name}'s own key opens it");
        }
    }
}
