using System.Diagnostics;
using Harness.Kmip;
namespace Harness.Simulator;

/// <summary>
/// A site at scale for benchmarks (<c>./harness bench site</c> and the reboot benchmark test): hosts in clusters, encrypted
/// powered-on VMs spread evenly over the hosts (encrypted while powered off, then powered on), each VM's key made by vCenter's full KMIP conversation with an embedded
/// Harness KMS; then every host reboots at once and vCenter unlocks every VM. It measures and checks, never asserts time.
/// </summary>
public sealed class SiteBenchmark : IAsyncDisposable
{
    /// <summary>Hosts per cluster when the number of clusters is not given.</summary>
    public const int HostsPerCluster = 32;

    /// <summary>The disks' data per VM disk: small, so that tens of thousands of VMs fit in memory; still really encrypted.</summary>
    public const int DiskDataBytes = 256;

    /// <summary>Connections vCenter keeps to the KMS while it builds the site: keys are made this many at a time.</summary>
    public const int KmsConnections = 16;

    private SiteBenchmark(SimulatedSite site, IReadOnlyList<EsxiHost> hosts, IReadOnlyList<VirtualMachine> vms, int clusters)
    {
        Site = site;
        Hosts = hosts;
        Vms = vms;
        Clusters = clusters;
    }

    public SimulatedSite Site { get; }
    public VCenterServer VCenter => Site.VCenter;
    public IReadOnlyList<EsxiHost> Hosts { get; }
    public IReadOnlyList<VirtualMachine> Vms { get; }
    public int Clusters { get; }

    /// <summary>The distinct keys of the VMs (each VM has its own).</summary>
    public IReadOnlySet<string> KeyIds => Vms.Select(v => v.KeyId!).ToHashSet(StringComparer.Ordinal);

    /// <summary>From the start until every VM is encrypted: the KMS started and trusted, the inventory, every key made.</summary>
    public TimeSpan BuildTime { get; private set; }

    /// <summary>The part of <see cref="BuildTime"/> spent encrypting the VMs, and the KMIP requests it took.</summary>
    public TimeSpan EncryptTime { get; private set; }

    public long EncryptRequests { get; private set; }

    public static int DefaultClusters(int hosts) => (hosts + HostsPerCluster - 1) / HostsPerCluster;

    /// <summary>
    /// Builds the site: <paramref name="hostCount"/> hosts "esx…" in <paramref name="clusterCount"/> clusters of as equal a
    /// size as can be (default: clusters of <see cref="HostsPerCluster"/>), <paramref name="vmCount"/> VMs dealt to the
    /// hosts in turn, powered on, each encrypted by vCenter with a new key of KMS cluster "kms-prod".
    /// </summary>
    public static async Task<SiteBenchmark> BuildAsync(int hostCount, int vmCount, int? clusterCount = null, int connections = KmsConnections)
    {
        int clusters = clusterCount ?? DefaultClusters(hostCount);
        if (hostCount < 1) throw new ArgumentOutOfRangeException(nameof(hostCount), hostCount, "a site has at least one host");
        if (vmCount < 0) throw new ArgumentOutOfRangeException(nameof(vmCount), vmCount, "a number of VMs is not negative");
        if (clusters < 1 || clusters > hostCount)
            throw new ArgumentOutOfRangeException(nameof(clusterCount), clusters, $"between 1 and {hostCount} clusters (each has at least one host)");

        var watch = Stopwatch.StartNew();
        var site = new SimulatedSite();
        try
        {
            site.Simulation.DiskDataBytes = DiskDataBytes;
            await site.AddKmsClusterAsync("kms-prod", 1);
            var vc = site.VCenter;
            await site.TrustAsync(vc, "kms-prod", "kms-prod", waitForTrust: true);
            vc.Crypto.Connections = Math.Max(vc.Crypto.Connections, connections);

            int hostDigits = Math.Max(3, hostCount.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
            int clusterDigits = Math.Max(2, clusters.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
            var hostNames = Enumerable.Range(1, hostCount).Select(i => "esx" + i.ToString(new string('0', hostDigits), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            int next = 0;
            for (int c = 0; c < clusters; c++)
            {
                int size = hostCount / clusters + (c < hostCount % clusters ? 1 : 0);
                site.Simulation.AddCluster("cl" + (c + 1).ToString(new string('0', clusterDigits), System.Globalization.CultureInfo.InvariantCulture), hostNames.GetRange(next, size));
                next += size;
            }
            var hosts = site.Simulation.Hosts.ToList();
            int vmDigits = Math.Max(3, vmCount.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
            var vms = site.Simulation.AddVms(Enumerable.Range(0, vmCount).Select(i =>
                ("vm" + (i + 1).ToString(new string('0', vmDigits), System.Globalization.CultureInfo.InvariantCulture), hosts[i % hostCount].Name)), poweredOn: false);

            var bench = new SiteBenchmark(site, hosts, vms, clusters);
            var encrypting = Stopwatch.StartNew();
            long before = vc.Crypto.RequestCount;
            // vCenter makes each host crypto-safe (a host key from the KMS) before it gives it a VM's key: done for every
            // host up front, as many at once as there are connections, instead of one host after the other inside the
            // first encryption of each cluster.
            await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, connections) },
                async (host, _) => await vc.EnableCryptoAsync(host).ConfigureAwait(false)).ConfigureAwait(false);
            await Parallel.ForEachAsync(vms, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, connections) },
                async (vm, _) => await vc.EncryptVmAsync(vm).ConfigureAwait(false)).ConfigureAwait(false);
            // vSphere encrypts powered-off VMs: they power on once encrypted.
            foreach (var vm in vms) await vc.PowerOnVmAsync(vm).ConfigureAwait(false);
            bench.EncryptTime = encrypting.Elapsed;
            bench.EncryptRequests = vc.Crypto.RequestCount - before;
            bench.BuildTime = watch.Elapsed;
            return bench;
        }
        catch
        {
            await site.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Every host reboots at once (<see cref="Simulation.RebootHostsAsync"/>), or one after the other when
    /// <paramref name="together"/> is false; then what it cost and whether every VM came back unlocked and readable.
    /// </summary>
    public async Task<SiteRebootResult> RebootEveryHostAsync(bool together = true)
    {
        var vc = VCenter;
        vc.Crypto.RecordRequests = true;
        lock (vc.Crypto.SentRequests) vc.Crypto.SentRequests.Clear();
        long before = vc.Crypto.RequestCount;
        var watch = Stopwatch.StartNew();
        if (together) await Site.Simulation.RebootHostsAsync(Hosts).ConfigureAwait(false);
        else foreach (var host in Hosts) await Site.Simulation.RebootHostAsync(host).ConfigureAwait(false);
        var time = watch.Elapsed;
        long messages = vc.Crypto.RequestCount - before;
        vc.Crypto.RecordRequests = false;
        List<TtlvNode> sent;
        lock (vc.Crypto.SentRequests) sent = vc.Crypto.SentRequests.ToList();

        var fetched = sent.SelectMany(m => m.ChildrenOf(Tag.BatchItem))
            .Where(i => i.Required(Tag.Operation).AsEnumOf<Operation>() == Operation.Get)
            .Select(i => i.Required(Tag.RequestPayload).Required(Tag.UniqueIdentifier).AsText)
            .ToList();
        var notUnlocked = Vms.Where(v => v.CryptoState != CryptoState.Unlocked || !v.Host.HasKeysOf(v)).Select(v => v.Name).ToList();
        var unreadable = new List<string>();
        foreach (var vm in Vms)
            if (!Simulation.ReadsBackIntact(vm, out var reason)) unreadable.Add($"{vm.Name}: {reason}");
        return new SiteRebootResult(time, messages, sent, fetched, notUnlocked, unreadable);
    }

    public ValueTask DisposeAsync() => Site.DisposeAsync();
}

/// <summary>What a reboot of every host cost and how the site came back.</summary>
/// <param name="Messages">Request messages vCenter sent to the KMS during the reboot.</param>
/// <param name="Sent">Those messages.</param>
/// <param name="FetchedKeyIds">The key of every Get item vCenter sent, in order (a key fetched twice is there twice).</param>
/// <param name="NotUnlocked">VMs that are locked, or whose host lacks one of their keys.</param>
/// <param name="Unreadable">VMs whose disks do not read back intact, with why.</param>
public sealed record SiteRebootResult(TimeSpan Time, long Messages, IReadOnlyList<TtlvNode> Sent, IReadOnlyList<string> FetchedKeyIds,
    IReadOnlyList<string> NotUnlocked, IReadOnlyList<string> Unreadable)
{
    public int DistinctKeysFetched => FetchedKeyIds.Distinct(StringComparer.Ordinal).Count();

    /// <summary>Keys vCenter asked the KMS for more than once.</summary>
    public IReadOnlyList<string> FetchedMoreThanOnce =>
        FetchedKeyIds.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
}
