using System.Text.RegularExpressions;

namespace Harness.Cli.Tests;

/// <summary>`harness bench site`: a small site built, every host rebooted, one line of figures; bad input exits with 2.</summary>
public sealed class BenchSiteTests
{
    private static readonly Regex SiteLine = new(
        @"^site: (?<hosts>[\d,]+) hosts, (?<vms>[\d,]+) VMs, (?<keys>[\d,]+) keys, built in \d+\.\d s; " +
        @"reboot of every host: every VM unlocked in \d+\.\d s, (?<messages>[\d,]+) KMIP messages, (?<fetched>[\d,]+) keys fetched$");

    private static int Number(Match m, string group) => int.Parse(m.Groups[group].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task BenchSite_FourHostsFortyVms_EveryVmUnlockedEachKeyFetchedOnceInOneMessage()
    {
        using var run = await Cli.RunAsync("bench", "site", "--hosts", "4", "--vms", "40");

        run.ExitCode.Should().Be(0, run.Describe());
        run.Stderr.Should().BeEmpty();
        var line = run.StdoutLines.Should().ContainSingle().Subject;
        var m = SiteLine.Match(line);
        m.Success.Should().BeTrue($"'{line}' should read like 'site: 4 hosts, 40 VMs, 40 keys, built in 1.2 s; reboot of every host: every VM unlocked in 0.1 s, 1 KMIP messages, 40 keys fetched'");
        Number(m, "hosts").Should().Be(4);
        Number(m, "vms").Should().Be(40);
        Number(m, "keys").Should().Be(40, "every VM has a key of its own");
        Number(m, "fetched").Should().Be(44, "vCenter fetches every key once after the reboot: the 40 VMs' keys and the 4 hosts' host keys");
        Number(m, "messages").Should().Be(1, "44 keys fit in one message of up to 100 (one cluster, connections already open)");
    }

    [Fact]
    public async Task BenchSite_ThousandVmsInTwoClusters_ThousandsSeparatorsAndOneGetPerHundredKeys()
    {
        // 1,000 VMs and 2 host keys need 11 messages; the figures are written with a comma whatever the machine's culture.
        using var run = await Cli.RunAsync("bench", "site", "--hosts", "2", "--vms", "1000", "--clusters", "2");

        run.ExitCode.Should().Be(0, run.Describe());
        var m = SiteLine.Match(run.StdoutLines.Single());
        m.Success.Should().BeTrue(run.Describe());
        m.Groups["vms"].Value.Should().Be("1,000");
        m.Groups["fetched"].Value.Should().Be("1,002", "the 1,000 VMs' keys and the 2 hosts' host keys");
        Number(m, "messages").Should().Be(11, "1,002 keys, 100 per message");
    }

    [Theory]
    [InlineData("--hosts must be at least 1, not 0", "--hosts", "0", "--vms", "10")]
    [InlineData("--vms is required", "--hosts", "4")]
    [InlineData("--hosts is required", "--vms", "4")]
    [InlineData("--clusters 5 is more than --hosts 4: every cluster needs a host", "--hosts", "4", "--vms", "10", "--clusters", "5")]
    [InlineData("--clusters must be at least 1, not 0", "--hosts", "4", "--vms", "10", "--clusters", "0")]
    [InlineData("--hosts must be a whole number, not 'many'", "--hosts", "many", "--vms", "10")]
    [InlineData("--vms must be a whole number, not '-3'", "--hosts", "4", "--vms", "-3")]
    [InlineData("--vms must be a whole number, not '1.5'", "--hosts", "4", "--vms", "1.5")]
    [InlineData("--hosts must be a whole number, not '99999999999'", "--hosts", "99999999999", "--vms", "1")]
    [InlineData("unknown option --seconds", "--hosts", "4", "--vms", "10", "--seconds", "3")]
    [InlineData("unexpected argument 'now'", "--hosts", "4", "--vms", "10", "now")]
    public async Task BenchSite_BadInput_ExitsWith2AndSaysWhy(string reason, params string[] args)
    {
        using var run = await Cli.RunAsync(["bench", "site", .. args]);

        Cli.ReasonOf(run).Should().Be($"harness bench: {reason}");
        run.Stdout.Should().BeEmpty("nothing is built");
    }
}
