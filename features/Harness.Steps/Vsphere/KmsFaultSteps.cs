using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: what happens between the site and its KMS clusters (the network, single servers, addresses, DNS).</summary>
[Binding]
public sealed class KmsFaultSteps(SimulatedSite site)
{
    [When("the KMS cluster {string} becomes unreachable")]
    public void Unreachable(string kms) { site.ThrowIfPendingFailure(); site.Actions.MakeKmsUnreachable(site.Kms(kms)); }

    [When("the KMS cluster {string} is reachable again")]
    public void Reachable(string kms) { site.ThrowIfPendingFailure(); site.Actions.MakeKmsReachable(site.Kms(kms)); }

    [When("KMS server {int} of cluster {string} goes down")]
    public void ServerDown(int n, string kms) { site.ThrowIfPendingFailure(); site.Actions.TakeKmsServerDown(site.Kms(kms), n); }

    [When("KMS node {int} of cluster {string} is killed")]
    public void NodeKilled(int n, string kms) { site.ThrowIfPendingFailure(); site.Actions.KillKmsNode(site.Kms(kms), n); }

    [When("KMS node {int} of cluster {string} is restarted")]
    public Task NodeRestarted(int n, string kms) { site.ThrowIfPendingFailure(); return site.Actions.RestartKmsNodeAsync(site.Kms(kms), n); }

    // beyond STEPS.md

    [When("KMS server {int} of cluster {string} is back")]
    public void ServerBack(int n, string kms) { site.ThrowIfPendingFailure(); site.Actions.BringKmsServerBack(site.Kms(kms), n); }

    [When("the KMS cluster {string} moves to a new address")]
    public Task KmsMoves(string kms) { site.ThrowIfPendingFailure(); return site.Actions.MoveKmsToNewAddressAsync(site.Kms(kms)); }

    [When("the KMS hostname is resolved without VM {string}")]
    public void AlternateResolution(string vm) { site.ThrowIfPendingFailure(); site.Actions.ResolveKmsHostnameWithout(site.Simulation.Vm(vm)); }
}
