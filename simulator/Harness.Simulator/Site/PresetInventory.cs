
namespace Harness.Simulator;

/// <summary>What <see cref="PresetInventory.BuildAsync"/> made.</summary>
public sealed record PresetSummary(string VCenter, string KmsCluster, int Clusters, int Hosts, int Vms, int Encrypted);

/// <summary>
/// A ready-made site, named as vSphere's own simulator (vcsim) names things: datacenter "DC0", clusters "DC0_C0",
/// "DC0_C1", hosts "DC0_C0_H0", VMs "DC0_C0_H0_VM0", all powered on; one KMS cluster "kms-prod" that vCenter "vc01"
/// trusts (the KMS's 5-minute delay for a newly allowed certificate is waited out on the simulation clock), and a share
/// of the VMs encrypted with keys from it.
/// </summary>
public static class PresetInventory
{
    public const string VCenterName = "vc01";
    public const string KmsClusterName = "kms-prod";

    /// <summary>
    /// Builds the preset into <paramref name="site"/>. VMs are encrypted evenly in inventory order: every
    /// round(1 / <paramref name="encryptedShare"/>)-th VM, starting with the first (0.3: every third VM, DC0_C0_H0_VM0,
    /// DC0_C0_H0_VM3, ...); 0 encrypts none, 1 all.
    /// </summary>
    /// <param name="kmsServers">How many servers (relays) the KMS cluster has.</param>
    public static async Task<PresetSummary> BuildAsync(SimulatedSite site, int clusters = 2, int hostsPerCluster = 4, int vmsPerHost = 10,
        double encryptedShare = 0.3, int kmsServers = 2)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentOutOfRangeException.ThrowIfNegative(clusters);
        ArgumentOutOfRangeException.ThrowIfNegative(hostsPerCluster);
        ArgumentOutOfRangeException.ThrowIfNegative(vmsPerHost);
        ArgumentOutOfRangeException.ThrowIfLessThan(kmsServers, 1);
        if (!(encryptedShare >= 0 && encryptedShare <= 1))
            throw new ArgumentOutOfRangeException(nameof(encryptedShare), encryptedShare, "the encrypted share is a fraction from 0 to 1");

        if (!site.KmsClusters.Any(k => k.Name == KmsClusterName)) await site.AddKmsClusterAsync(KmsClusterName, kmsServers);
        var vc = site.VCenterNamed(VCenterName);
        if (!vc.KeyProviders.ContainsKey(KmsClusterName))
            await site.TrustAsync(vc, KmsClusterName, KmsClusterName, waitForTrust: true);

        int every = encryptedShare == 0 ? 0 : Math.Max(1, (int)Math.Round(1 / encryptedShare));
        var dc = site.Simulation.Datacenter.Name;
        int index = 0, encrypted = 0;
        for (int c = 0; c < clusters; c++)
        {
            var cluster = $"{dc}_C{c}";
            var hosts = Enumerable.Range(0, hostsPerCluster).Select(h => $"{cluster}_H{h}").ToList();
            site.Simulation.AddCluster(cluster, hosts);
            foreach (var host in hosts)
                for (int v = 0; v < vmsPerHost; v++, index++)
                {
                    bool encrypt = every > 0 && index % every == 0;
                    // vSphere encrypts powered-off VMs: an encrypted VM is made off, encrypted, then powered on.
                    var vm = site.Simulation.AddVm($"{host}_VM{v}", host, poweredOn: !encrypt);
                    if (encrypt)
                    {
                        await vc.EncryptVmAsync(vm);
                        await vc.PowerOnVmAsync(vm);
                        encrypted++;
                    }
                }
        }
        return new PresetSummary(vc.Name, KmsClusterName, clusters, clusters * hostsPerCluster, index, encrypted);
    }
}
