using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>When: what happens to vCenter, and vCenter's trust in KMS clusters (a refused action is kept for "the
/// operation fails with").</summary>
[Binding]
public sealed class VCenterSteps(SimulatedSite site)
{
    [When("vCenter {string} is lost")]
    public Task Lost(string vc) => site.AttemptAsync(() => site.Actions.LoseVCenterAsync(site.VCenterNamed(vc)));

    [When("a new vCenter {string} is set up")]
    public void NewVCenter(string vc) { site.ThrowIfPendingFailure(); site.Actions.SetUpVCenter(vc); }

    [When("vCenter {string} trusts the KMS cluster {string}")]
    public Task WhenTrusts(string vc, string kms) =>
        site.AttemptAsync(() => site.Actions.TrustAsync(site.VCenterNamed(vc), site.Kms(kms), kms, waitForTrust: false));

    [When("vCenter {string} trusts a KMS cluster named {string}")]
    public Task TrustsNamed(string vc, string name) =>
        site.AttemptAsync(() => site.Actions.TrustAsync(site.VCenterNamed(vc), site.KmsClusters.First(), name, waitForTrust: false));

    // beyond STEPS.md

    [When("vCenter {string} goes down")]
    public Task VCenterDown(string vc) => site.AttemptAsync(() => site.Actions.TakeVCenterDownAsync(site.VCenterNamed(vc)));

    [When("vCenter {string} comes back")]
    public Task VCenterBack(string vc) => site.AttemptAsync(() => site.Actions.BringVCenterBackAsync(site.VCenterNamed(vc)));

    [When("vCenter {string} is restored from backup")]
    public Task VCenterRestored(string vc) => site.AttemptAsync(() => { site.Actions.RestoreVCenterFromBackup(vc); return Task.CompletedTask; });

    [When("vCenter {string} renews its client certificate for the KMS cluster {string}")]
    public Task RenewClientCertificate(string vc, string kms) =>
        site.AttemptAsync(() => site.Actions.RenewClientCertificateAsync(site.VCenterNamed(vc), site.Kms(kms)));
}
