using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Then: the state of the rest of the site: hosts and their host keys and core dumps, vSAN, vCenters, KMS clusters.</summary>
[Binding]
public sealed class SiteOutcomeSteps(SimulatedSite site)
{
    private EsxiHost Host(string name) => site.ExaminedHost(name);

    [Then("the disk groups of host {string} are mounted")]
    public void DiskGroupsMounted(string host)
    {
        var h = Host(host);
        Expect.That(h.DiskGroups.Count > 0, $"host \"{host}\" has no vSAN disk groups (is vSAN encryption enabled on cluster \"{h.Cluster.Name}\"?)");
        Expect.That(h.DiskGroupsMounted, $"the disk groups of host \"{host}\" are not mounted: {string.Join(", ", h.DiskGroups.Where(d => !d.Mounted).Select(d => d.Name))}");
    }

    [Then("the disk groups of host {string} are not mounted")]
    public void DiskGroupsNotMounted(string host)
    {
        var h = Host(host);
        Expect.That(h.DiskGroups.Count > 0, $"host \"{host}\" has no vSAN disk groups (is vSAN encryption enabled on cluster \"{h.Cluster.Name}\"?)");
        Expect.That(h.DiskGroups.All(d => !d.Mounted), $"the disk groups of host \"{host}\" are mounted: {string.Join(", ", h.DiskGroups.Where(d => d.Mounted).Select(d => d.Name))}");
    }

    // beyond STEPS.md: outcomes

    [Then("the event log shows {string} for host {string}")]
    public void EventLogShowsForHost(string text, string host) => site.ExpectEvent(text, Host(host).Name, $"host \"{host}\"");

    [Then("the event log shows {string} for cluster {string}")]
    public void EventLogShowsForCluster(string text, string cluster)
    {
        site.ThrowIfPendingFailure();
        site.ExpectEvent(text, site.Simulation.Cluster(cluster).Name, $"cluster \"{cluster}\"");
    }

    [Then("the event log shows {string} for the KMS cluster {string}")]
    public void EventLogShowsForKms(string text, string kms)
    {
        site.ThrowIfPendingFailure();
        site.ExpectEvent(text, kms, $"the KMS cluster \"{kms}\"");
    }

    [Then("vCenter {string} is running")]
    public void VCenterRunning(string vc)
    {
        site.ThrowIfPendingFailure();
        var v = site.Simulation.VCenterNamed(vc);
        Expect.That(v.Available, $"vCenter \"{vc}\" is {(v.Lost ? "lost" : "not running")}");
    }

    [Then("vCenter {string} is not running")]
    public void VCenterNotRunning(string vc)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.VCenterNamed(vc).Available, $"vCenter \"{vc}\" is running");
    }

    [Then("the KMS cluster {string} cannot be reached")]
    public void KmsUnreachable(string kms)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.KmsCluster(kms).Reachable, $"the KMS cluster \"{kms}\" can be reached");
    }

    [Then("the KMS cluster {string} can be reached")]
    public void KmsReachable(string kms)
    {
        site.ThrowIfPendingFailure();
        var k = site.Simulation.KmsCluster(kms);
        Expect.That(k.Reachable, $"the KMS cluster \"{kms}\" cannot be reached: {k.Unreachable}");
    }

    [Then("the vSAN datastore of cluster {string} is accessible")]
    public void VsanAccessible(string cluster)
    {
        site.ThrowIfPendingFailure();
        Expect.That(site.Simulation.Cluster(cluster).DatastoreAccessible, $"the vSAN datastore of cluster \"{cluster}\" is not accessible");
    }

    [Then("the vSAN datastore of cluster {string} is not accessible")]
    public void VsanNotAccessible(string cluster)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.Cluster(cluster).DatastoreAccessible, $"the vSAN datastore of cluster \"{cluster}\" is accessible");
    }

    [Then("host {string} has a new host key")]
    public void NewHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is not null && h.PreviousHostKeyIds.Count > 0 && h.HostKeyId != h.PreviousHostKeyIds[^1],
            $"host \"{host}\" has host key {h.HostKeyId ?? "(none)"}, previous: {string.Join(", ", h.PreviousHostKeyIds)}");
        Expect.That(h.HasKey(h.HostKeyId!), $"host \"{host}\" does not hold its new host key");
    }

    [Then("host {string} holds its host key")]
    public void HoldsHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is { } id && h.HasKey(id), $"host \"{host}\" does not hold its host key {h.HostKeyId}");
    }

    [Then("host {string} does not hold its host key")]
    public void LacksHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is { } id && !h.HasKey(id), $"host \"{host}\" holds its host key {h.HostKeyId}");
    }

    [Then("the core dumps of host {string} can be decrypted")]
    public void CoreDumpsReadable(string host)
    {
        var h = Host(host);
        Expect.That(h.CoreDumps.Count > 0, $"host \"{host}\" has no core dumps");
        foreach (var dump in h.CoreDumps)
            Expect.That(CoreDumps.CanDecrypt(h, dump, out var why), why);
    }

    [Then("the core dumps of host {string} cannot be decrypted")]
    public void CoreDumpsUnreadable(string host)
    {
        var h = Host(host);
        Expect.That(h.CoreDumps.Count > 0, $"host \"{host}\" has no core dumps");
        foreach (var dump in h.CoreDumps)
            Expect.That(!CoreDumps.CanDecrypt(h, dump, out _), $"core dump {dump.Name} of host \"{host}\" decrypts");
    }
}
