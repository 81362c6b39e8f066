using System.Diagnostics;
using System.Globalization;
using System.Text;
using Harness.Kmip;
using static Harness.Simulator.Tests.Vsphere.RequestMessages;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// How long a whole site takes to come back after every host reboots, and what it costs the KMS. Asserts correctness
/// (every VM unlocked and readable; each key fetched once, 100 per message), never time: the figures go to
/// TestResults/reboot-benchmark.txt next to the test assembly and to the test output.
/// <para>
/// Size: HARNESS_BENCH_HOSTS × HARNESS_BENCH_VMS_PER_HOST; with HARNESS_BENCH=1 the default is the full 32 × 250
/// (8,000 encrypted VMs), otherwise 4 × 25 so that ./harness test stays fast. Hosts are in clusters of 8; the site is
/// <see cref="SiteBenchmark"/>'s, as for <c>./harness bench site</c>. Full run:
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

        // The site (SiteBenchmark, shared with ./harness bench site): clusters of 8 hosts, every VM powered on and
        // encrypted the way vCenter does it: a key created on the KMS with vCenter's conversation, each.
        var watch = Stopwatch.StartNew();
        await using var bench = await SiteBenchmark.BuildAsync(hostCount, hostCount * vmsPerHost, (hostCount + HostsPerCluster - 1) / HostsPerCluster);
        var buildTime = watch.Elapsed;
        var vms = bench.Vms;
        var keyIds = bench.KeyIds;
        keyIds.Should().HaveCount(vms.Count, "every VM has its own key");
        bench.EncryptRequests.Should().BeGreaterThanOrEqualTo(4L * vms.Count, "each key is Create, Get Attributes, Add Attribute ×3 (one message), Get");

        // Every host reboots at once; vCenter fetches the keys the hosts lost, each once, and pushes them.
        var reboot = await bench.RebootEveryHostAsync();
        var rebootTime = reboot.Time;
        long rebootRequests = reboot.Messages;
        var sent = reboot.Sent;

        // Every VM is unlocked, its host has its key, its disks read back.
        reboot.NotUnlocked.Should().BeEmpty("the KMS is reachable: no VM locks after a host reboot");
        reboot.Unreadable.Should().BeEmpty("every VM's host has its key back and its disks decrypt");

        // What the reboot cost the KMS: Get with Get Attributes "State" (vSphere uses only Active keys), each key once,
        // up to 100 keys per message; the hosts' host keys come in the same messages.
        sent.Should().HaveCount((int)rebootRequests, "every request of the reboot was recorded");
        var getMessages = sent.Where(m => Operations(m).All(o => o is Operation.Get or Operation.GetAttributes)).ToList();
        var hosts = bench.Hosts;
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
        getMessages.Count.Should().BeInRange(ideal, ideal + bench.Clusters,
            "about keys/100 messages: full batches of 100, plus at most one partial batch per cluster");

        Note($"reboot benchmark  {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z  {Environment.ProcessorCount} cores  " +
             $"{(Debugger.IsAttached ? "debugger" : typeof(RebootBenchmarkTests).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "Debug build" : "Release build")}");
        Note($"site: {hostCount} hosts in {bench.Clusters} clusters of up to {HostsPerCluster}, {vmsPerHost} VMs per host = {vms.Count} encrypted VMs, {keyIds.Count} keys");
        Note($"build site (KMS, inventory) {(buildTime - bench.EncryptTime).TotalSeconds,8:0.000} s");
        Note($"encrypt every VM            {bench.EncryptTime.TotalSeconds,8:0.000} s  {bench.EncryptRequests} KMIP requests ({Rate(vms.Count, bench.EncryptTime)} VMs/s)");
        Note($"reboot every host           {rebootTime.TotalSeconds,8:0.000} s  {rebootRequests} KMIP requests: {getMessages.Count} Get messages with {fetched.Count} Get items, {other.Count} other (ideal {ideal} messages)");
        Note($"  per host                  {rebootTime.TotalMilliseconds / hostCount,8:0.0} ms  ({Rate(vms.Count, rebootTime)} VMs/s unlocked)");

        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "reboot-benchmark.txt"), report.ToString(), TestContext.Current.CancellationToken);
    }

    private static string Rate(int count, TimeSpan time) =>
        time.TotalSeconds > 0 ? (count / time.TotalSeconds).ToString("0", CultureInfo.InvariantCulture) : "∞";
}
