using System.Text.Json;
using Harness.Simulator.KmsAdministration;

namespace Harness.Simulator;

/// <summary>
/// Every action on the simulated site, written once (ARCHITECTURE.md: the REST API, the dashboard and the step bindings
/// are doors onto it). Named as the STEPS.md phrases say them; vSphere actions go to the site's current vCenter. Each
/// door finds the objects by its own rules and answers its own errors, then calls one of these; a refused action
/// throws (a <see cref="VsphereFault"/>, a <see cref="KmsAdministrationException"/>, or an InvalidOperationException
/// when the site cannot do it).
/// </summary>
public sealed class SiteActions(SimulatedSite site)
{
    private Simulation Simulation => site.Simulation;
    private VCenterServer VCenter => site.VCenter;

    // ---- set-up -----------------------------------------------------------------------------------------------

    /// <summary>Given an encrypted VM "app01" running (or powered off) on host "esx01".</summary>
    public async Task<VirtualMachine> AddEncryptedVmAsync(string name, string host, bool poweredOn)
    {
        // vSphere encrypts powered-off VMs only: made powered off, encrypted, then powered on when asked.
        var vm = Simulation.AddVm(name, host, poweredOn: false);
        await VCenter.EncryptVmAsync(vm);
        if (poweredOn) await VCenter.PowerOnVmAsync(vm);
        return vm;
    }

    /// <summary>Given user "ops" lacks the privilege "Cryptographer.RegisterVM".</summary>
    public void RevokePrivilege(string user, string privilege) => VCenter.Authorization.RevokePrivilege(user, privilege).ThrowIfFault();

    /// <summary>Given user "ops" has the role "No cryptography administrator".</summary>
    public void GrantRole(string user, string role) => VCenter.Authorization.SetPermission(user, role).ThrowIfFault();

    /// <summary>Given a role "encryptor" with the privileges "Cryptographer.Encrypt, …".</summary>
    public void AddRole(string role, IEnumerable<string> privileges) => VCenter.Authorization.AddAuthorizationRole(role, privileges).ThrowIfFault();

    // ---- hosts ------------------------------------------------------------------------------------------------

    /// <summary>When host "esx01" reboots.</summary>
    public Task RebootHostAsync(EsxiHost host) => Simulation.RebootHostAsync(host);

    /// <summary>When all hosts of cluster "vsan01" reboot.</summary>
    public async Task RebootClusterAsync(Cluster cluster)
    {
        foreach (var host in cluster.Hosts) await Simulation.RebootHostAsync(host);
    }

    /// <summary>When the whole site loses power and comes back.</summary>
    public Task PowerCycleSiteAsync() => Simulation.PowerCycleSiteAsync();

    /// <summary>When host "esx01" writes a core dump.</summary>
    public CoreDump WriteCoreDump(EsxiHost host) => CoreDumps.Write(host);

    /// <summary>Given host "esx01" has a host key: vCenter prepares the host and enables crypto on it.</summary>
    public Task EnableHostKeyAsync(EsxiHost host) => VCenter.EnableCryptoAsync(host);

    /// <summary>Given vSAN encryption is enabled on cluster "vsan01".</summary>
    public Task EnableVsanEncryptionAsync(Cluster cluster) => VCenter.EnableVsanEncryptionAsync(cluster);

    /// <summary>Given disk "disk2" of VM "app01" is encrypted with its own key.</summary>
    public Task EncryptDiskWithOwnKeyAsync(VirtualMachine vm, string disk) => VCenter.EncryptDiskWithOwnKeyAsync(vm, disk);

    /// <summary>When the administrator renews the host key of host "esx01".</summary>
    public Task RenewHostKeyAsync(EsxiHost host) => VCenter.RenewHostKeyAsync(host);

    // ---- KMS clusters: network and servers ---------------------------------------------------------------------

    /// <summary>When the KMS cluster "kms-prod" becomes unreachable.</summary>
    public void MakeKmsUnreachable(KmsClusterInstance kms) => kms.BecomeUnreachable();

    /// <summary>When the KMS cluster "kms-prod" is reachable again.</summary>
    public void MakeKmsReachable(KmsClusterInstance kms) => kms.BecomeReachable();

    /// <summary>When the KMS cluster "kms-prod" stops answering.</summary>
    public void StopKmsAnswering(KmsClusterInstance kms) => kms.StopAnswering();

    /// <summary>
    /// When the KMS revokes the key of VM "app01": KMIP Revoke (Cessation of Operation) sent as the key's owner, with the
    /// identity of the vCenter that uses it. The key becomes Deactivated; a KMS may still serve its bytes.
    /// </summary>
    public async Task RevokeKeyOfAsync(VirtualMachine vm)
    {
        var keyId = KeyOf(vm);
        var provider = VCenter.KeyProviders.GetValueOrDefault(vm.ProviderId!)
                       ?? throw new InvalidOperationException($"vCenter \"{VCenter.Name}\" does not know the key provider \"{vm.ProviderId}\" of VM \"{vm.Name}\"");
        await using var client = await Harness.Kmip.Client.KmipClient.ConnectAsync(VCenter.Crypto.ClientOptions(provider, provider.Servers.First()));
        var answer = Harness.Kmip.Client.KmipResponse.Parse(await client.SendAsync(Harness.Kmip.Client.KmipRequests.Message(Harness.Kmip.ProtocolVersion.V1_1,
            new Harness.Kmip.Client.KmipRequestOptions { Credential = provider.Credential },
            Harness.Kmip.Client.KmipBatchItems.Revoke(keyId, Harness.Kmip.RevocationReasonCode.CessationOfOperation)))).BatchItems[0];
        if (!answer.IsSuccess)
            throw new KmsAdministrationException($"the KMS refused to revoke key {keyId} of VM \"{vm.Name}\": {answer.ResultReason}: {answer.ResultMessage}");
    }

    /// <summary>When KMS server 1 of cluster "kms-prod" goes down.</summary>
    public void TakeKmsServerDown(KmsClusterInstance kms, int server) => kms.SetServerDown(server, true);

    /// <summary>When KMS server 1 of cluster "kms-prod" is back.</summary>
    public void BringKmsServerBack(KmsClusterInstance kms, int server) => kms.SetServerDown(server, false);

    /// <summary>When the KMS cluster "kms-prod" moves to a new address.</summary>
    public Task MoveKmsToNewAddressAsync(KmsClusterInstance kms) => kms.MoveToNewAddressAsync();

    /// <summary>kill -9 of a KMS node's process (a cluster of nodes sharing one PostgreSQL database).</summary>
    public void KillKmsNode(KmsClusterInstance kms, int node) => kms.KillNode(node);

    /// <summary>A killed KMS node's process starts again on its ports and the shared database.</summary>
    public Task RestartKmsNodeAsync(KmsClusterInstance kms, int node) => kms.RestartNodeAsync(node);

    /// <summary>When the KMS hostname is resolved without VM "dns01".</summary>
    public void ResolveKmsHostnameWithout(VirtualMachine dns)
    {
        foreach (var kms in Simulation.KmsClusters.Where(k => k.ResolvedBy == dns)) kms.ResolvedBy = null;
    }

    // ---- the KMS administrator -----------------------------------------------------------------------------------

    /// <summary>When the KMS administrator deactivates the key of VM "app01".</summary>
    public Task<AdministeredKey> DeactivateKeyOfAsync(VirtualMachine vm) => AdministerAsync(vm, KeyOf(vm), (a, id) => a.DeactivateAsync(id));

    /// <summary>When the KMS administrator reactivates the key of VM "app01".</summary>
    public Task<AdministeredKey> ReactivateKeyOfAsync(VirtualMachine vm) => AdministerAsync(vm, KeyOf(vm), (a, id) => a.ReactivateAsync(id));

    /// <summary>When the KMS administrator destroys the key of VM "app01".</summary>
    public Task<AdministeredKey> DestroyKeyOfAsync(VirtualMachine vm) => AdministerAsync(vm, KeyOf(vm), (a, id) => a.DestroyAsync(id));

    /// <summary>When the KMS administrator restores the key of VM "app01".</summary>
    public Task<AdministeredKey> RestoreKeyOfAsync(VirtualMachine vm) => AdministerAsync(vm, KeyOf(vm), (a, id) => a.RestoreAsync(id));

    /// <summary>When the KMS administrator reactivates the key with the ID read from "config.keyId.keyId" of VM "app01":
    /// the key <paramref name="keyId"/>, on the KMS that holds the VM's key.</summary>
    public Task<AdministeredKey> ReactivateKeyAsync(VirtualMachine vm, string keyId) => AdministerAsync(vm, keyId, (a, id) => a.ReactivateAsync(id));

    /// <summary>When the KMS administrator destroys the previous key of VM "app01".</summary>
    public Task<AdministeredKey> DestroyPreviousKeyOfAsync(VirtualMachine vm)
    {
        if (vm.KeyHistory.Count == 0) throw new InvalidOperationException($"VM \"{vm.Name}\" was never rekeyed: it has no previous key");
        return AdministerAsync(vm, vm.KeyHistory[^1].KeyId, (a, id) => a.DestroyAsync(id));
    }

    /// <summary>When the KMS administrator destroys the key of disk "data" of VM "app01".</summary>
    public Task<AdministeredKey> DestroyDiskKeyAsync(VirtualMachine vm, string disk) => AdministerAsync(vm, DiskKeyOf(vm, disk), (a, id) => a.DestroyAsync(id));

    /// <summary>When the KMS administrator restores the key of disk "data" of VM "app01".</summary>
    public Task<AdministeredKey> RestoreDiskKeyAsync(VirtualMachine vm, string disk) => AdministerAsync(vm, DiskKeyOf(vm, disk), (a, id) => a.RestoreAsync(id));

    /// <summary>When the KMS administrator deactivates the host key of host "esx01".</summary>
    public Task<AdministeredKey> DeactivateHostKeyAsync(EsxiHost host) => AdministerHostKeyAsync(host, (a, id) => a.DeactivateAsync(id));

    /// <summary>When the KMS administrator reactivates the host key of host "esx01".</summary>
    public Task<AdministeredKey> ReactivateHostKeyAsync(EsxiHost host) => AdministerHostKeyAsync(host, (a, id) => a.ReactivateAsync(id));

    /// <summary>The KMS administrator deletes the root key of one KMS cluster; answers the KMS's account of it, when it gives one.</summary>
    public Task<JsonElement?> DeleteRootKeyAsync(KmsClusterInstance kms) => kms.Administration.DeleteRootKeyAsync();

    /// <summary>When the KMS administrator deletes the root key: of every KMS cluster of the site.</summary>
    public async Task DeleteEveryRootKeyAsync()
    {
        foreach (var kms in site.KmsClusters) await kms.Administration.DeleteRootKeyAsync();
    }

    /// <summary>
    /// The KMS service of a vCenter is removed (seed 002: "when the service is removed, all the encryption keys created
    /// by this service instance for the associated VMware public certificate are removed together"): every key the
    /// vCenter's client certificate owns is destroyed, and the KMS stops trusting that certificate. Hosts keep the keys
    /// they hold until they reboot. Answers the number of keys destroyed.
    /// </summary>
    public async Task<int> RemoveKmsServiceOfAsync(VCenterServer vc, KmsClusterInstance kms)
    {
        var provider = vc.KeyProviders.Values.FirstOrDefault(p => p.Servers.Any(s => kms.Relays.Any(r => r.Endpoint.Equals(s.Endpoint))))
                       ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider for KMS cluster \"{kms.Name}\"");
        var certificate = provider.ClientCertificate
                          ?? throw new InvalidOperationException($"key provider \"{provider.Name}\" of vCenter \"{vc.Name}\" has no client certificate");
        var sha1 = Harness.Pki.Thumbprints.Sha1(certificate);
        var admin = kms.Administrator;
        int destroyed = 0;
        foreach (var key in await admin.ObjectsAsync(sha1))
        {
            if (key.GetProperty("state").GetString() == "Destroyed") continue;
            await admin.DestroyAsync(key.GetProperty("id").GetString()!);
            destroyed++;
        }
        await admin.RevokeClientAsync(sha1);
        return destroyed;
    }

    // ---- the customer root key in Key Protect (seeds 001, 002) ------------------------------------------------------

    /// <summary>The KMS cluster keeps its root key in the site's Key Protect service from now on (a new customer root key there).</summary>
    public Task KeepRootKeyInKeyProtectAsync(KmsClusterInstance kms) =>
        kms.KeepRootKeyInKeyProtectAsync(site.KeyProtect ?? throw new InvalidOperationException("this site has no Key Protect service to keep a root key in"));

    /// <summary>The key manager's administrator disables the cluster's customer root key: Key Protect refuses every wrap and unwrap until it is enabled.</summary>
    public CustomerRootKey DisableCustomerRootKey(KmsClusterInstance kms) => CustomerRootKeyAction(kms, (kp, id) => kp.Disable(id));

    public CustomerRootKey EnableCustomerRootKey(KmsClusterInstance kms) => CustomerRootKeyAction(kms, (kp, id) => kp.Enable(id));

    /// <summary>A new version of the customer root key wraps from now on; what older versions wrapped still unwraps.</summary>
    public CustomerRootKey RotateCustomerRootKey(KmsClusterInstance kms) => CustomerRootKeyAction(kms, (kp, id) => kp.Rotate(id));

    /// <summary>Deletes the customer root key in Key Protect: every key it protected is crypto-shredded (seed 002, key revocation).</summary>
    public CustomerRootKey DeleteCustomerRootKey(KmsClusterInstance kms) => CustomerRootKeyAction(kms, (kp, id) => kp.Delete(id));

    private static CustomerRootKey CustomerRootKeyAction(KmsClusterInstance kms, Func<IKeyProtectService, string, CustomerRootKey> action) =>
        kms.KeyProtect is { } kp && kms.CustomerRootKeyId is { } id ? action(kp, id)
        : throw new InvalidOperationException($"KMS cluster \"{kms.Name}\" keeps its root key in a local file, not in Key Protect " +
                                              $"(Given the KMS cluster \"{kms.Name}\" keeps its root key in Key Protect)");

    private static string KeyOf(VirtualMachine vm) => vm.KeyId ?? throw new InvalidOperationException($"VM \"{vm.Name}\" is not encrypted");

    private static string DiskKeyOf(VirtualMachine vm, string diskName)
    {
        var disk = vm.Files.Disks.FirstOrDefault(d => d.Name == diskName) ?? throw new InvalidOperationException($"VM \"{vm.Name}\" has no disk \"{diskName}\"");
        return vm.KeyIdOf(disk) ?? throw new InvalidOperationException($"VM \"{vm.Name}\" is not encrypted");
    }

    private async Task<AdministeredKey> AdministerAsync(VirtualMachine vm, string keyId, Func<IKmsAdministration, string, Task<JsonElement?>> action)
    {
        var kms = site.KmsOf(vm);
        return new AdministeredKey(keyId, kms, await action(kms.Administration, keyId));
    }

    private async Task<AdministeredKey> AdministerHostKeyAsync(EsxiHost host, Func<IKmsAdministration, string, Task<JsonElement?>> action)
    {
        var id = host.HostKeyId ?? throw new InvalidOperationException($"host \"{host.Name}\" has no host key");
        var kms = site.KmsOfProvider(host.HostKeyProviderId ?? "", $"the host key of \"{host.Name}\"");
        return new AdministeredKey(id, kms, await action(kms.Administration, id));
    }

    // ---- VMs --------------------------------------------------------------------------------------------------

    /// <summary>When the keys of VM "app01" are removed from host "esx01".</summary>
    public void RemoveKeysFromHost(VirtualMachine vm, EsxiHost host) => VCenter.KeysRemovedFromHost(host, KeyOf(vm));

    /// <summary>When the administrator (or user "ops") re-registers VM "app01".</summary>
    public Task ReRegisterVmAsync(VirtualMachine vm, string? user = null) => VCenter.ReRegisterVmAsync(vm, user);

    /// <summary>When the administrator re-registers all locked VMs (those on this vCenter's hosts, registered or not); answers them.</summary>
    public async Task<IReadOnlyList<VirtualMachine>> RegisterLockedVmsAsync(string? user = null)
    {
        var locked = VCenter.Hosts.SelectMany(h => h.Vms).Where(v => v.CryptoState == CryptoState.Locked).ToList();
        foreach (var vm in locked) await VCenter.ReRegisterVmAsync(vm, user);
        return locked;
    }

    /// <summary>When the administrator unregisters VM "app01" (UnregisterVM).</summary>
    public void UnregisterVmFromInventory(VirtualMachine vm, string? user = null) => VCenter.UnregisterVm(vm, user);

    /// <summary>When the administrator registers VM "app01" on host "esx02" (Folder.RegisterVM_Task).</summary>
    public Task RegisterVmOnHostAsync(VirtualMachine vm, EsxiHost host, string? user = null) => VCenter.RegisterVmAsync(vm, host, user);

    /// <summary>When the administrator reloads VM "app01".</summary>
    public Task ReloadVmAsync(VirtualMachine vm, string? user = null) => VCenter.ReloadVmAsync(vm, user);

    /// <summary>When VM "app01" migrates to host "esx02" (vMotion).</summary>
    public Task MigrateVmAsync(VirtualMachine vm, EsxiHost host, string? user = null) => VCenter.MigrateVmAsync(vm, host, user);

    /// <summary>When the administrator clones VM "app01" as "app02".</summary>
    public Task<VirtualMachine> CloneVmAsync(VirtualMachine vm, string clone, string? user = null) => VCenter.CloneVmAsync(vm, clone, user);

    /// <summary>When the administrator decrypts VM "app01".</summary>
    public Task DecryptVmAsync(VirtualMachine vm, string? user = null) => VCenter.DecryptVmAsync(vm, user);

    /// <summary>When host "esx01" fails (a crash; vSphere HA restarts its VMs where it can).</summary>
    public Task FailHostAsync(EsxiHost host) => Simulation.FailHostAsync(host);

    /// <summary>When host "esx01" is back (the failed host powers on).</summary>
    public Task HostBackAsync(EsxiHost host) => Simulation.HostBackAsync(host);

    /// <summary>When the administrator (or user "ops") unlocks VM "app01".</summary>
    public Task UnlockVmAsync(VirtualMachine vm, string? user = null) => VCenter.UnlockVmAsync(vm, user);

    /// <summary>When the administrator powers on VM "app01".</summary>
    public Task PowerOnVmAsync(VirtualMachine vm) => VCenter.PowerOnVmAsync(vm);

    /// <summary>When the administrator powers off VM "app01".</summary>
    public Task PowerOffVmAsync(VirtualMachine vm) => VCenter.PowerOffVmAsync(vm);

    /// <summary>When the administrator encrypts VM "web01".</summary>
    public Task EncryptVmAsync(VirtualMachine vm, string? user = null) => VCenter.EncryptVmAsync(vm, user);

    /// <summary>When the administrator (or user "ops") rekeys / deep rekeys VM "app01".</summary>
    public Task RekeyVmAsync(VirtualMachine vm, bool deep, string? user = null) => VCenter.RekeyVmAsync(vm, deep, user);

    /// <summary>When the administrator removes VM "app01" from the inventory.</summary>
    public void UnregisterVm(VirtualMachine vm) => VCenter.UnregisterVm(vm);

    /// <summary>When the administrator removes (or force-removes) the key of VM "app01" from vCenter.</summary>
    public Task RemoveKeyOfAsync(VirtualMachine vm, bool force, string? user = null) => VCenter.RemoveKeyAsync(KeyOf(vm), force, user);

    /// <summary>When the administrator (deep) rekeys the vSAN encryption of cluster "vsan01".</summary>
    public Task RekeyVsanAsync(Cluster cluster, bool deep) => VCenter.RekeyVsanAsync(cluster, deep);

    // ---- vCenters ---------------------------------------------------------------------------------------------

    /// <summary>When vCenter "vc01" is lost.</summary>
    public Task LoseVCenterAsync(VCenterServer vc) => vc.LoseAsync();

    /// <summary>When a new vCenter "vc02" is set up.</summary>
    public VCenterServer SetUpVCenter(string name) => Simulation.AddVCenter(name);

    /// <summary>When vCenter "vc01" goes down.</summary>
    public Task TakeVCenterDownAsync(VCenterServer vc) => vc.GoDownAsync();

    /// <summary>When vCenter "vc01" comes back.</summary>
    public Task BringVCenterBackAsync(VCenterServer vc) => vc.ComeBackAsync();

    /// <summary>When vCenter "vc01" is restored from backup.</summary>
    public VCenterServer RestoreVCenterFromBackup(string name) => Simulation.RestoreVCenter(name);

    /// <summary>vCenter "vc02" trusts the KMS cluster "kms-prod" (as key provider <paramref name="providerName"/>); see <see cref="SimulatedSite.TrustAsync(VCenterServer, string, string, bool, TimeSpan?)"/>.</summary>
    public Task TrustAsync(VCenterServer vc, KmsClusterInstance kms, string providerName, bool waitForTrust, TimeSpan? clientCertificateLifetime = null) =>
        site.TrustAsync(vc, kms.Name, providerName, waitForTrust, clientCertificateLifetime);

    /// <summary>When vCenter "vc01" renews its client certificate for the KMS cluster "kms-prod".</summary>
    public Task RenewClientCertificateAsync(VCenterServer vc, KmsClusterInstance kms) => site.RenewClientCertificateAsync(vc, kms.Name);

    // ---- time -------------------------------------------------------------------------------------------------

    /// <summary>When 5 minutes pass: the clock, certificate checks and vSAN retries (<see cref="Simulation.AdvanceAsync"/>).</summary>
    public Task AdvanceClockAsync(TimeSpan by) => Simulation.AdvanceAsync(by);
}

/// <summary>A key the KMS administrator acted on: its ID, the KMS cluster that holds it, and the KMS's view of it after
/// the action (null when the KMS does not tell it).</summary>
public sealed record AdministeredKey(string KeyId, KmsClusterInstance Kms, JsonElement? Key);
