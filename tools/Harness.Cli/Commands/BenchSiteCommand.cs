using System.CommandLine;
using System.Globalization;
using Harness.Simulator;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness bench site --hosts N --vms M [--clusters C]`: builds a simulated site (N hosts in C clusters, default clusters
/// of 32; M encrypted powered-on VMs spread evenly over the hosts, every key made by vCenter's KMIP conversation with an
/// embedded Harness KMS), reboots every host at once and waits until vCenter has unlocked every VM. One line:
/// "site: 2,500 hosts, 45,000 VMs, 45,000 keys, built in 41.2 s; reboot of every host: every VM unlocked in 3.1 s,
/// 450 KMIP messages, 45,000 keys fetched". Exit 1 when a VM is not unlocked (or does not read back) or a key was fetched
/// more than once.
/// </summary>
public static class BenchSiteCommand
{
    public static Command Definition() => Define.Command("site",
        "builds a simulated site with an embedded KMS, reboots every host at once, prints one line: build and unlock times, KMIP messages, keys fetched", RunAsync,
        Define.Value("hosts", "N", "ESXi hosts", required: true),
        Define.Value("vms", "M", "encrypted powered-on VMs, spread evenly over the hosts", required: true),
        Define.Value("clusters", "C", "clusters the hosts are in (default: clusters of 32 hosts)"));

    public static async Task<int> RunAsync(Args args)
    {
        int hosts = AtLeastOne(args, "hosts");
        int vms = AtLeastOne(args, "vms");
        int clusters = args.Get("clusters") is null ? SiteBenchmark.DefaultClusters(hosts) : AtLeastOne(args, "clusters");
        if (clusters > hosts) throw new UsageException($"--clusters {clusters} is more than --hosts {hosts}: every cluster needs a host");

        SiteBenchmark bench;
        try { bench = await SiteBenchmark.BuildAsync(hosts, vms, clusters); }
        catch (Exception ex) when (ex is VsphereFault or KeyFetchException or IOException)
        {
            Console.Error.WriteLine($"bench site: cannot build the site: {ex.Message}");
            return 1;
        }
        await using (bench)
        {
            var keys = bench.KeyIds.Count;
            var result = await bench.RebootEveryHostAsync();
            var failures = new List<string>();
            if (keys != vms) failures.Add(Inv($"{vms - keys:N0} VMs share a key: each VM should have its own"));
            if (result.NotUnlocked.Count > 0)
                failures.Add(Inv($"{result.NotUnlocked.Count:N0} VMs are not unlocked after the reboot: {Some(result.NotUnlocked)}"));
            if (result.Unreadable.Count > 0)
                failures.Add(Inv($"{result.Unreadable.Count:N0} VMs do not read back: {Some(result.Unreadable)}"));
            if (result.FetchedMoreThanOnce is { Count: > 0 } twice)
                failures.Add(Inv($"{twice.Count:N0} keys were fetched more than once: {Some(twice)}"));

            var unlocked = result.NotUnlocked.Count == 0 ? "every VM unlocked" : Inv($"{vms - result.NotUnlocked.Count:N0} of {vms:N0} VMs unlocked");
            var built = Inv($"site: {hosts:N0} hosts, {vms:N0} VMs, {keys:N0} keys, built in {bench.BuildTime.TotalSeconds:0.0} s");
            var reboot = Inv($"reboot of every host: {unlocked} in {result.Time.TotalSeconds:0.0} s, {result.Messages:N0} KMIP messages, {result.DistinctKeysFetched:N0} keys fetched");
            Console.WriteLine($"{built}; {reboot}");
            foreach (var f in failures) Console.Error.WriteLine($"bench site: {f}");
            return failures.Count == 0 ? 0 : 1;
        }
    }

    private static int AtLeastOne(Args args, string name)
    {
        var text = args.Required(name);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new UsageException($"--{name} must be a whole number, not '{text}'");
        return n >= 1 ? n : throw new UsageException($"--{name} must be at least 1, not {n}");
    }

    private static string Some(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(5)) + (items.Count > 5 ? Inv($", … ({items.Count - 5:N0} more)") : "");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
