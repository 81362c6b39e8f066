using Reqnroll;
using Harness.Simulator;
using Harness.Simulator.Web.KeyProtect;

namespace Harness.Steps;

/// <summary>
/// The KMS's customer root key in Key Protect (seeds 001 and 002; STEPS.md "keeps its root key in Key Protect"): the
/// site's Key Protect is Harness's emulator of its REST API, started with the first cluster that keeps its root key
/// there, on the scenario's clock.
/// </summary>
[Binding]
public sealed class KeyProtectSteps(SimulatedSite site)
{
    [Given("the KMS cluster {string} keeps its root key in Key Protect")]
    public async Task KeepsRootKeyInKeyProtect(string kms)
    {
        site.KeyProtect ??= await SiteKeyProtect.StartAsync(site.Clock);
        await site.Actions.KeepRootKeyInKeyProtectAsync(site.Kms(kms));
    }

    [When("the customer root key of KMS cluster {string} is disabled in Key Protect")]
    public Task Disabled(string kms) => site.AttemptAsync(() => Task.FromResult(site.Actions.DisableCustomerRootKey(site.Kms(kms))));

    [When("the customer root key of KMS cluster {string} is enabled again in Key Protect")]
    public Task Enabled(string kms) => site.AttemptAsync(() => Task.FromResult(site.Actions.EnableCustomerRootKey(site.Kms(kms))));

    [When("the customer root key of KMS cluster {string} is rotated in Key Protect")]
    public Task Rotated(string kms) => site.AttemptAsync(() => Task.FromResult(site.Actions.RotateCustomerRootKey(site.Kms(kms))));

    [When("the customer root key of KMS cluster {string} is deleted in Key Protect")]
    public Task Deleted(string kms) => site.AttemptAsync(() => Task.FromResult(site.Actions.DeleteCustomerRootKey(site.Kms(kms))));
}
