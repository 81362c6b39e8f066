using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>vCenter's side of vSAN encryption (VsanVcClusterConfigSystem): enable, and shallow or deep rekey.</summary>
public sealed partial class VCenterServer
{
    /// <summary>
    /// Enables vSAN encryption on a cluster: vCenter makes the cluster's KEK and host key on the default key provider
    /// (its KMIP conversation), pushes the key provider configuration (with its client certificate) to every host of the
    /// cluster, and each host's disk group gets a DEK wrapped with the KEK. From now on the hosts fetch these keys from
    /// the KMS themselves after a reboot.
    /// </summary>
    internal async Task EnableVsanEncryptionAsync(Cluster cluster)
    {
        RequireAlive();
        if (cluster.VsanEncrypted) throw new VsphereFault("InvalidState", $"vSAN encryption is already enabled on cluster \"{cluster.Name}\"");
        var provider = DefaultProviderOrFault();
        (string kekId, byte[] kek) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        (string hostKeyId, byte[] hostKey) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        foreach (var host in cluster.Hosts)
        {
            if (host.KmsClient is { } previous) await previous.DisposeAsync();
            host.KmsClient = new HostKmsClient(provider.Copy(), new CryptoManager(KmsTimeout, KmsTimeout, Clock));
            // The hosts of an encrypted vSAN cluster share one host key: it enables crypto on each (or replaces its own).
            bool wasSafe = host.CryptoState == HostCryptoState.Safe;
            host.PrepareCrypto();
            host.EnableCrypto(hostKeyId, hostKey, provider.Name);
            if (!wasSafe) Events.Log(EventTypes.HostCryptoEnabled, host.Name, "HostSystem");
            host.AddKey(kekId, kek);
            host.DiskGroups.Add(DiskGroup.Create($"{host.Name}-dg1", kekId, kek, Simulation.KnownData("vsan", host.Name)));
        }
        cluster.VsanEncryption = new VsanEncryptionConfig(provider.Name, kekId, hostKeyId);
        Events.Log(EventTypes.VsanEncryptionEnabled, cluster.Name, "ClusterComputeResource",
            $"vSAN encryption is enabled on cluster {cluster.Name} with key {kekId} of key provider {provider.Name}.");
        foreach (var vm in cluster.Hosts.SelectMany(h => h.Vms).Where(v => v.Datastore == cluster.Datastore && !v.Encrypted))
            WarnAboutCircularDependency(vm, $"It is on the encrypted vSAN datastore of cluster {cluster.Name}");
    }

    /// <summary>
    /// Rekeys vSAN encryption: shallow = a new KEK, every disk group's DEK rewrapped (hosts stay up); deep = new DEKs
    /// too, the data re-encrypted. Every host must have its disk groups mounted. The old KEK stays on the KMS.
    /// </summary>
    internal async Task RekeyVsanAsync(Cluster cluster, bool deep = false)
    {
        RequireAlive();
        var config = cluster.VsanEncryption ?? throw new VsphereFault("InvalidState", $"vSAN encryption is not enabled on cluster \"{cluster.Name}\"");
        if (cluster.Hosts.FirstOrDefault(h => !h.DiskGroupsMounted) is { } down)
            throw new VsphereFault("InvalidState", $"the disk groups of host \"{down.Name}\" are not mounted: cannot rekey the vSAN encryption of cluster \"{cluster.Name}\"");
        var provider = KeyProviders.GetValueOrDefault(DefaultProvider ?? "") ?? KeyProviders.GetValueOrDefault(config.ProviderId)
                       ?? throw new VsphereFault("InvalidState", $"the key provider \"{config.ProviderId}\" of cluster \"{cluster.Name}\" is not known to vCenter \"{Name}\"");
        (string newId, byte[] newKek) = await GenerateKeyOrFault(cluster.Name, "ClusterComputeResource", provider);
        foreach (var host in cluster.Hosts)
        {
            host.AddKey(newId, newKek);
            foreach (var dg in host.DiskGroups)
            {
                var dek = dg.UnwrapDek(host.Key(dg.KekId)!) ?? throw new VsphereFault("InvalidState", $"disk group {dg.Name} does not open with its key");
                if (deep)
                {
                    var plain = DiskCrypto.TryDecrypt(dek, dg.Data)!;
                    CryptographicOperations.ZeroMemory(dek);
                    dek = DiskCrypto.NewDek();
                    dg.Data = DiskCrypto.Encrypt(dek, plain);
                }
                dg.WrappedDek = DiskCrypto.WrapDek(newKek, dek);
                dg.KekId = newId;
                CryptographicOperations.ZeroMemory(dek);
            }
        }
        cluster.VsanEncryption = config with { ProviderId = provider.Name, KekId = newId, PreviousKekIds = [.. config.PreviousKekIds, config.KekId] };
        Events.Log(EventTypes.VsanEncryptionEnabled, cluster.Name, "ClusterComputeResource",
            $"vSAN encryption of cluster {cluster.Name} is {(deep ? "deep" : "shallow")} rekeyed with key {newId}; the previous key {config.KekId} stays on the KMS.");
    }
}
