using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Harness.Simulator;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness bench failover [--nodes N] [--vms M] [--rounds R]`: how long vCenter takes to fail over when a KMS node is
/// killed. A KMS cluster of N real `harness serve` nodes on one PostgreSQL database (the machine's PostgreSQL), a host
/// with M encrypted VMs; each round reboots the host with every node up (vCenter asks node 1, the first server of its key
/// provider), then again with node 1 killed (kill -9: vCenter meets a dropped connection and asks node 2), and restarts
/// node 1. One line with the median and slowest reboot-to-unlocked times of each. Exit 1 when a VM stays locked.
/// </summary>
public static class BenchFailoverCommand
{
    public static Command Definition() => Define.Command("failover",
        "times vCenter's failover when a KMS node (a harness serve process on PostgreSQL) is killed: host reboot to every VM unlocked, with every node up and with node 1 killed", RunAsync,
        Define.Value("nodes", "N", "KMS nodes sharing one PostgreSQL database (at least 2)", "3"),
        Define.Value("vms", "M", "encrypted VMs on the rebooted host", "10"),
        Define.Value("rounds", "R", "reboots of each kind", "5"));

    public static async Task<int> RunAsync(Args args)
    {
        int nodes = args.Positive("nodes", 3), vms = args.Positive("vms", 10), rounds = args.Positive("rounds", 5);
        if (nodes < 2) throw new UsageException($"--nodes must be at least 2 (one is killed, another must answer), not {nodes}");
        await using var site = new SimulatedSite();
        try
        {
            await site.AddKmsNodeClusterAsync("kms-prod", nodes);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"bench failover: cannot start the KMS nodes: {ex.Message}");
            return 1;
        }
        var kms = site.Kms("kms-prod");
        await site.TrustAsync(site.VCenter, "kms-prod", "kms-prod", waitForTrust: true);
        site.Simulation.AddCluster("cl01", ["esx01"]);
        for (int i = 0; i < vms; i++) await site.Actions.AddEncryptedVmAsync($"vm{i}", "esx01", poweredOn: true);
        var host = site.Simulation.Host("esx01");

        var allUp = new List<double>();
        var failover = new List<double>();
        var locked = new List<string>();
        for (int round = 0; round < rounds; round++)
        {
            allUp.Add(await TimeRebootAsync(site, host, locked));
            site.Actions.KillKmsNode(kms, 1);
            failover.Add(await TimeRebootAsync(site, host, locked));
            await site.Actions.RestartKmsNodeAsync(kms, 1);
        }
        Console.WriteLine(Inv($"failover: {nodes} KMS nodes on PostgreSQL, {vms} encrypted VMs on the rebooted host, {rounds} rounds; ") +
                          Inv($"host reboot to every VM unlocked with every node up: median {Median(allUp):0} ms, slowest {allUp.Max():0} ms; ") +
                          Inv($"with node 1 killed (vCenter fails over to node 2): median {Median(failover):0} ms, slowest {failover.Max():0} ms"));
        if (locked.Count == 0) return 0;
        Console.Error.WriteLine($"bench failover: VMs stayed locked: {string.Join(", ", locked.Distinct().Take(10))}");
        return 1;
    }

    private static async Task<double> TimeRebootAsync(SimulatedSite site, EsxiHost host, List<string> locked)
    {
        var watch = Stopwatch.StartNew();
        await site.Actions.RebootHostAsync(host);
        var ms = watch.Elapsed.TotalMilliseconds;
        locked.AddRange(host.Vms.Where(v => v.CryptoState == CryptoState.Locked).Select(v => v.Name));
        return ms;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
