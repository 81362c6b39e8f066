using System.Text.RegularExpressions;

namespace Harness.Cli.Tests;

/// <summary>`harness bench failover`: three real KMS nodes on the machine's PostgreSQL, a host rebooted with every node up
/// and with node 1 killed; one line of figures; bad input exits with 2.</summary>
public sealed class BenchFailoverTests
{
    private static readonly Regex Line = new(
        @"^failover: 3 KMS nodes on PostgreSQL, 2 encrypted VMs on the rebooted host, 1 rounds; " +
        @"host reboot to every VM unlocked with every node up: median \d+ ms, slowest \d+ ms; " +
        @"with node 1 killed \(vCenter fails over to node 2\): median \d+ ms, slowest \d+ ms$");

    [Fact]
    public async Task BenchFailover_OneRound_EveryVmUnlockedWithNodeOneKilled()
    {
        using var run = await Cli.RunAsync("bench", "failover", "--vms", "2", "--rounds", "1");

        run.ExitCode.Should().Be(0, run.Describe());
        run.StdoutLines.Should().ContainSingle(l => Line.IsMatch(l), run.Describe());
    }

    [Theory]
    [InlineData("--nodes must be at least 2 (one is killed, another must answer), not 1", "--nodes", "1")]
    [InlineData("--rounds must be a positive whole number, not '0'", "--rounds", "0")]
    public async Task BenchFailover_BadInput_ExitsWith2AndSaysWhy(string reason, params string[] args)
    {
        using var run = await Cli.RunAsync(["bench", "failover", .. args]);

        Cli.ReasonOf(run).Should().Be($"harness bench: {reason}");
        run.Stdout.Should().BeEmpty("nothing is started");
    }
}
