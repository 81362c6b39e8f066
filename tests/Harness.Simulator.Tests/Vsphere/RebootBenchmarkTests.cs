using System.Diagnostics;
using System.Globalization;
using System.Text;
using Harness.Kmip;
using Harness.Steps;
using static Harness.Simulator.Tests.Vsphere.RequestMessages;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// How long a whole site takes to come back after every host reboots, and what it costs the KMS. Asserts correctness
/// (every VM unlocked and readable; each key fetched once, 100 per message), never time: the figures go to
/// TestResults/reboot-benchmark.txt next to the test assembly and to the test output.
/// <para>
/// Size: HARNESS_BENCH_HOSTS × HARNESS_BENCH_VMS_PER_HOST; with HARNESS_BENCH=1 the default is the full 32 × 250
/// (8,000 encrypted VMs), otherwise 4 × 25 so that ./harness test stays fast. Hosts are in clusters of 8. Full run:
/// <c>HARNESS_BENCH=1 dotnet test tests/Harness.Simulator.Tests -c Release --filter RebootBenchmark</c>
/// </para>
/// </summary>
public class RebootBenchmarkTests
{
    private const int HostsPerCluster = 8;

    private static int Setting(string name, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name}=\"{text}\" is not a positive whole number");
    }

    [Fact]
    public async Task RebootBenchmark_EveryHostReboots_EveryVmUnlocksWithEachKeyFetchedOnceInBatchesOf100()
    {
        bool full = Environment.GetEnvironmentVariable("HARNESS_BENCH") == "1";
        int hostCount = Setting("HARNESS_BENCH_HOSTS", full ? 32 : 4);
        int vmsPerHost = Setting("HARNESS_BENCH_VMS_PER_HOST", full ? 250 : 25);
        var report = new StringBuilder();
        void Note(string line)
        {
            report.AppendLine(line);
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }

        await using var site = new SimulatedSite();
        await site.AddKmsClusterAsync("kms-prod", 1);
        var vc = site.VCenter;
        await site.TrustAsync(vc, "kms-prod", "kms-prod", waitForTrust: true);

        // The site: clusters of 8 hosts, every VM powered on.
        var watch = Stopwatch.StartNew();
        var hostNames = Enumerable.Range(1, hostCount).Select(i => $"esx{i:000}").ToList();
        foreach (var (chunk, c) in hostNames.Chunk(HostsPerCluster).Select((chunk, c) => (chunk, c)))
            site.Simulation.AddCluster($"cl{c + 1:00}", chunk);
        var hosts = site.Simulation.Hosts.ToList();
        var vms = new List<VirtualMachine>(hostCount * vmsPerHost);
        foreach (var host in hosts)
            for (int v = 1; v <= vmsPerHost; v++)
                vms.Add(site.Simulation.AddVm($"{host.Name}-vm{v:000}", host.Name, poweredOn: false));
        var buildTime = watch.Elapsed;

        // Every VM encrypted the way vCenter does it: a key created on the KMS with vCenter's conversation, each.
        watch.Restart();
        long beforeEncrypt = vc.Crypto.RequestCount;
        foreach (var vm in vms) await vc.EncryptVmAsync(vm); // vSphere encrypts powered-off VMs
        var encryptTime = watch.Elapsed;
        foreach (var vm in vms) await vc.PowerOnVmAsync(vm);
        long encryptRequests = vc.Crypto.RequestCount - beforeEncrypt;
        var keyIds = vms.Select(v => v.KeyId!).ToHashSet(StringComparer.Ordinal);
        keyIds.Should().HaveCount(vms.Count, "every VM has its own key");

        // Every host reboots; vCenter fetches the keys the hosts lost and pushes them.
        vc.Crypto.RecordRequests = true;
        lock (vc.Crypto.SentRequests) vc.Crypto.SentRequests.Clear();
        long beforeReboot = vc.Crypto.RequestCount;
        watch.Restart();
        foreach (var host in hosts) await site.Simulation.RebootHostAsync(host);
        var rebootTime = watch.Elapsed;
        long rebootRequests = vc.Crypto.RequestCount - beforeReboot;
        vc.Crypto.RecordRequests = false;
        var sent = vc.Crypto.SentRequests.ToList();

        // Every VM is unlocked, its host has its key, its disks read back.
        watch.Restart();
        var locked = vms.Where(v => v.CryptoState != CryptoState.Unlocked).Select(v => v.Name).ToList();
        locked.Should().BeEmpty("the KMS is reachable: no VM locks after a host reboot");
        var unreadable = vms.Where(v => !Simulation.ReadsBackIntact(v, out _)).Select(v => v.Name).ToList();
        unreadable.Should().BeEmpty("every VM's host has its key back and its disks decrypt");
        var verifyTime = watch.Elapsed;

        // What the reboot cost the KMS: Get with Get Attributes "State" (vSphere uses only Active keys), each key once,
        // up to 100 keys per message; the hosts' host keys come in the same messages.
        sent.Should().HaveCount((int)rebootRequests, "every request of the reboot was recorded");
        var getMessages = sent.Where(m => Operations(m).All(o => o is Operation.Get or Operation.GetAttributes)).ToList();
        var hostKeyIds = hosts.Select(h => h.HostKeyId!).ToHashSet(StringComparer.Ordinal);
        hostKeyIds.Should().HaveCount(hosts.Count, "every host of an encrypted VM's cluster is crypto-safe with a host key of its own");
        var other = sent.Except(getMessages).ToList();
        other.SelectMany(Operations).Where(o => o != Operation.DiscoverVersions && o != Operation.Query).Should().BeEmpty(
            $"the reboot asks the KMS for keys only (a reconnect may say Discover Versions and Query); it sent:{Environment.NewLine}{Describe(other)}");
        var fetched = getMessages.SelectMany(BatchItems).Where(i => OperationOf(i) == Operation.Get)
            .Select(i => PayloadOf(i).Required(Tag.UniqueIdentifier).AsText).ToList();
        fetched.Should().HaveCount(keyIds.Count + hostKeyIds.Count, "vCenter fetches each key once, however many hosts need it");
        fetched.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(keyIds.Concat(hostKeyIds));
        getMessages.Should().OnlyContain(m => BatchItems(m).Count(i => OperationOf(i) == Operation.Get) <= CryptoManager.KeysPerMessage, "at most 100 keys per message");
        int ideal = (keyIds.Count + hostKeyIds.Count + CryptoManager.KeysPerMessage - 1) / CryptoManager.KeysPerMessage;
        int perHostBatches = hosts.Sum(h => (h.Vms.Count + 1 + CryptoManager.KeysPerMessage - 1) / CryptoManager.KeysPerMessage);
        getMessages.Count.Should().BeInRange(ideal, perHostBatches,
            "about keys/100 messages: full batches of 100, plus at most one partial batch per host rebooted");

        Note($"reboot benchmark  {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z  {Environment.ProcessorCount} cores  " +
             $"{(Debugger.IsAttached ? "debugger" : typeof(RebootBenchmarkTests).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "Debug build" : "Release build")}");
        Note($"site: {hostCount} hosts in {site.Simulation.Clusters.Count()} clusters of up to {HostsPerCluster}, {vmsPerHost} VMs per host = {vms.Count} encrypted VMs, {keyIds.Count} keys");
        Note($"build site (AddVm)          {buildTime.TotalSeconds,8:0.000} s");
        Note($"encrypt every VM            {encryptTime.TotalSeconds,8:0.000} s  {encryptRequests} KMIP requests ({Rate(vms.Count, encryptTime)} VMs/s)");
        Note($"reboot every host           {rebootTime.TotalSeconds,8:0.000} s  {rebootRequests} KMIP requests: {getMessages.Count} Get messages with {fetched.Count} Get items, {other.Count} other (ideal {ideal} messages)");
        Note($"  per host                  {rebootTime.TotalMilliseconds / hostCount,8:0.0} ms  ({Rate(vms.Count, rebootTime)} VMs/s unlocked)");
        Note($"verify (read back every VM) {verifyTime.TotalSeconds,8:0.000} s");

        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "reboot-benchmark.txt"), report.ToString(), TestContext.Current.CancellationToken);
    }

    private static string Rate(int count, TimeSpan time) =>
        time.TotalSeconds > 0 ? (count / time.TotalSeconds).ToString("0", CultureInfo.InvariantCulture) : "∞";
}
