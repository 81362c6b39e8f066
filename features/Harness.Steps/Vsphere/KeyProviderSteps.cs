using Harness.Kmip;
using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>
/// Key providers as vCenter sees them (STEPS.md, second round): a KMS's policy for new keys, a KMS that stops answering,
/// a key revoked over KMIP, and what vCenter reports (QueryCryptoKeyStatus, RetrieveKmipServersStatus).
/// </summary>
[Binding]
public sealed class KeyProviderSteps(SimulatedSite site)
{
    [Given("a KMS cluster {string} that creates keys in state {string}")]
    public Task KmsWithPolicy(string name, string state) => site.AddKmsClusterAsync(name, 1, null, state switch
    {
        "Pre-Active" or "PreActive" => State.PreActive,
        "Active" => State.Active,
        _ => throw new ArgumentException($"a KMS creates keys in state \"Pre-Active\" or \"Active\", not \"{state}\""),
    });

    [When("the KMS cluster {string} stops answering")]
    public void StopsAnswering(string kms)
    {
        site.ThrowIfPendingFailure();
        site.Actions.StopKmsAnswering(site.Kms(kms));
    }

    [When("the KMS revokes the key of VM {string}")]
    public Task Revoke(string vm) => site.AttemptAsync(() => site.Actions.RevokeKeyOfAsync(site.Simulation.Vm(vm)));

    [Then("vCenter {string} reports the key of VM {string} as {string}")]
    public async Task ReportsKey(string vcName, string vmName, string expected)
    {
        site.ThrowIfPendingFailure();
        var vc = site.VCenterNamed(vcName);
        var vm = site.Simulation.Vm(vmName);
        Expect.That(vm.Encrypted, $"VM \"{vmName}\" is not encrypted: it has no key");
        var status = (await vc.CryptoManagerKmip.QueryCryptoKeyStatus([(vm.ProviderId!, vm.KeyId!)])).ReturnvalOrThrow()[0];
        Expect.That(string.Equals(status.Reason, expected, StringComparison.OrdinalIgnoreCase),
            $"vCenter \"{vcName}\" reports key {vm.KeyId} of VM \"{vmName}\" as \"{status.Reason}\", expected \"{expected}\"");
    }

    [Then("vCenter {string} shows the KMS cluster {string} as {string}")]
    public async Task ShowsCluster(string vcName, string kms, string expected)
    {
        site.ThrowIfPendingFailure();
        var vc = site.VCenterNamed(vcName);
        var status = (KmipClusterStatus)(await vc.RetrieveKmipServersStatus_Task(ProviderNameFor(vc, kms))).ResultOrThrow()!;
        Expect.That(string.Equals(status.OverallStatus, expected, StringComparison.OrdinalIgnoreCase),
            $"vCenter \"{vcName}\" shows the KMS cluster \"{kms}\" as \"{status.OverallStatus}\", expected \"{expected}\": " +
            string.Join("; ", status.Servers.Select(s => $"{s.Name} {s.Status} ({s.ConnectionStatus}, clientTrustServer {s.ClientTrustServer}, serverTrustClient {s.ServerTrustClient})")));
    }

    [Then("every key the KMS cluster {string} acknowledged is still served")]
    public async Task AcknowledgedKeysServed(string kms)
    {
        site.ThrowIfPendingFailure();
        site.Kms(kms);
        var byProvider = site.Simulation.AllVCentersEver
            .SelectMany(vc => vc.Crypto.CreatedKeys.Select(k => (vc, k.Provider, k.KeyId)))
            .Where(k => site.KmsOfProviderOrNull(k.vc, k.Provider)?.Name == kms)
            .GroupBy(k => k.Provider).ToList();
        Expect.That(byProvider.Count > 0, $"the KMS cluster \"{kms}\" acknowledged no key in this scenario");
        foreach (var group in byProvider)
        {
            var ids = group.Select(k => k.KeyId).Distinct().ToList();
            var served = await site.FetchFromKmsAsync(group.Key, ids);
            var lost = ids.Where(id => !served.ContainsKey(id)).ToList();
            Expect.That(lost.Count == 0, $"the KMS cluster \"{kms}\" acknowledged {ids.Count} key(s) and no longer serves {lost.Count}: {string.Join(", ", lost.Take(10))}");
        }
    }

    /// <summary>The name under which this vCenter knows the KMS cluster: its own name, else the provider whose servers are the cluster's.</summary>
    private string ProviderNameFor(VCenterServer vc, string kms) =>
        vc.KeyProviders.ContainsKey(kms) ? kms
        : vc.KeyProviders.Values.FirstOrDefault(p => site.KmsOfProviderOrNull(vc, p.Name)?.Name == kms)?.Name
          ?? throw new InvalidOperationException($"vCenter \"{vc.Name}\" has no key provider for the KMS cluster \"{kms}\"");
}
