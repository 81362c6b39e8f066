using Harness.Kmip;
using static Harness.Simulator.Tests.Vsphere.RequestMessages;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// Simulation.RebootHostsAsync: many hosts reboot at once and vCenter reconnects them together. Each key is fetched
/// once for all of them; each host gets the events it would get rebooting alone (connected, VMs unlocked or locked,
/// send-key errors for its own VMs only).
/// </summary>
public class RebootHostsTogetherTests
{
    private static async Task<(SimulatedSite Site, List<VirtualMachine> Vms)> SiteAsync()
    {
        var site = new SimulatedSite();
        await site.AddKmsClusterAsync("kms-prod", 1);
        await site.TrustAsync(site.VCenter, "kms-prod", "kms-prod", waitForTrust: true);
        site.Simulation.AddCluster("cl01", ["esx01", "esx02"]);
        site.Simulation.AddCluster("cl02", ["esx03", "esx04"]);
        var vms = site.Simulation.AddVms(Enumerable.Range(1, 8).Select(i => ($"app{i:00}", $"esx0{(i - 1) % 4 + 1}")), poweredOn: false).ToList();
        foreach (var vm in vms) await site.VCenter.EncryptVmAsync(vm); // vSphere encrypts powered-off VMs
        foreach (var vm in vms) await site.VCenter.PowerOnVmAsync(vm);
        return (site, vms);
    }

    [Fact]
    public async Task RebootHosts_AKeyMissingOnTheKms_OnlyItsVmLocksAndOnlyItsHostHearsOfIt_EachKeyFetchedOnce()
    {
        var (site, vms) = await SiteAsync();
        await using var _ = site;
        var vc = site.VCenter;
        var victim = vms[4]; // on esx01
        await site.Kms("kms-prod").Administrator.DestroyAsync(victim.KeyId!);
        long lastEvent = vc.Events.LastKey;
        vc.Crypto.RecordRequests = true;

        await site.Simulation.RebootHostsAsync(site.Simulation.Hosts.ToList());

        var sent = vc.Crypto.SentRequests.ToList();
        // Each key's State and bytes (Get Attributes "State", Get): vSphere uses only Active keys.
        sent.SelectMany(Operations).Should().OnlyContain(o => o == Operation.Get || o == Operation.GetAttributes);
        sent.Should().ContainSingle("8 VM keys and 4 host keys fit in one message");
        sent.SelectMany(BatchItems).Where(i => OperationOf(i) == Operation.Get).Select(i => PayloadOf(i).Required(Tag.UniqueIdentifier).AsText)
            .Should().BeEquivalentTo(vms.Select(v => v.KeyId!).Concat(site.Simulation.Hosts.Select(h => h.HostKeyId!)),
                "each key once, however many hosts need it; the hosts' host keys with them");

        victim.CryptoState.Should().Be(CryptoState.Locked);
        vms.Where(v => v != victim).Should().OnlyContain(v => v.CryptoState == CryptoState.Unlocked && v.Host.HasKeysOf(v));
        var events = vc.Events.After(lastEvent);
        events.Where(e => e.TypeId == EventTypes.HostConnected).Select(e => e.ObjectName)
            .Should().BeEquivalentTo(["esx01", "esx02", "esx03", "esx04"]);
        events.Where(e => e.TypeId == EventTypes.VmLockedKeyMissingOnKms).Select(e => e.ObjectName).Should().Equal(victim.Name);
        events.Where(e => e.TypeId.StartsWith("com.vmware.vc.kms.crypto.SendKeyError", StringComparison.Ordinal))
            .Should().ContainSingle().Which.Should().Match<VsphereEvent>(e => e.TypeId == EventTypes.SendKeyErrorKeyMissingOnKms && e.ObjectName == "esx01");
    }

    [Fact]
    public async Task RebootHosts_KmsUnreachable_EveryVmLocksAndEveryHostHearsOfIt_AsOneByOne()
    {
        var (site, vms) = await SiteAsync();
        await using var _ = site;
        var vc = site.VCenter;
        site.Kms("kms-prod").BecomeUnreachable();
        long lastEvent = vc.Events.LastKey;

        await site.Simulation.RebootHostsAsync(site.Simulation.Hosts.ToList());

        vms.Should().OnlyContain(v => v.CryptoState == CryptoState.Locked);
        var together = vc.Events.After(lastEvent);
        together.Where(e => e.TypeId == EventTypes.VmLockedKmsClusterError).Select(e => e.ObjectName).Should().BeEquivalentTo(vms.Select(v => v.Name));
        together.Where(e => e.TypeId == EventTypes.SendKeyErrorKmsClusterError).Select(e => e.ObjectName)
            .Should().BeEquivalentTo(["esx01", "esx02", "esx03", "esx04"], "each host hears that its keys could not be sent");

        // The same site's hosts rebooting one by one log the same events per object (one fetch each instead of one for all).
        var (other, _) = await SiteAsync();
        await using var __ = other;
        other.Kms("kms-prod").BecomeUnreachable();
        lastEvent = other.VCenter.Events.LastKey;
        foreach (var host in other.Simulation.Hosts.ToList()) await other.Simulation.RebootHostAsync(host);
        var oneByOne = other.VCenter.Events.After(lastEvent);
        static string PerObject(IEnumerable<VsphereEvent> events) => string.Join("\n", events.Where(e => e.TypeId != EventTypes.KmsUnreachable)
            .GroupBy(e => e.ObjectName).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.TypeId))}"));
        together.Count(e => e.TypeId == EventTypes.KmsUnreachable).Should().Be(1, "vCenter tried the KMS once for all the hosts");
        PerObject(together).Should().Be(PerObject(oneByOne));
    }
}
