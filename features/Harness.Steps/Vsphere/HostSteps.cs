using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: what happens to hosts (a refused action is kept for "the operation fails with").</summary>
[Binding]
public sealed class HostSteps(SimulatedSite site)
{
    [When("host {string} reboots")]
    public Task Reboot(string host) => site.AttemptAsync(() => site.Actions.RebootHostAsync(site.Simulation.Host(host)));

    // beyond STEPS.md

    [When("all hosts of cluster {string} reboot")]
    public Task ClusterReboots(string cluster) => site.AttemptAsync(() => site.Actions.RebootClusterAsync(site.Simulation.Cluster(cluster)));

    [When("the whole site loses power and comes back")]
    public Task PowerCycle() => site.AttemptAsync(site.Actions.PowerCycleSiteAsync);

    [When("host {string} writes a core dump")]
    public Task WritesCoreDump(string host) => site.AttemptAsync(() => { site.Actions.WriteCoreDump(site.Simulation.Host(host)); return Task.CompletedTask; });

    [When("the administrator renews the host key of host {string}")]
    public Task RenewHostKey(string host) => site.AttemptAsync(() => site.Actions.RenewHostKeyAsync(site.Simulation.Host(host)));
}
