using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Scenarios;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>
/// Key providers as vCenter sees them (STEPS.md, second round): a KMS's policy for new keys, a KMS that stops answering,
/// a key revoked over KMIP, and what vCenter reports (QueryCryptoKeyStatus, RetrieveKmipServersStatus).
/// </summary>
[Binding]
public sealed class KeyProviderSteps(VsphereDriver site)
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
        site.Kms(kms); // a cluster of this scenario
        site.Simulation.KmsCluster(kms).Stalled = true;
    }

    /// <summary>KMIP Revoke (Cessation of Operation) of the VM's key, sent as its owner: the key becomes Deactivated; a KMS may still serve its bytes.</summary>
    [When("the KMS revokes the key of VM {string}")]
    public Task Revoke(string vmName) => site.AttemptAsync(async () =>
    {
        var vm = site.Simulation.Vm(vmName);
        var keyId = vm.KeyId ?? throw new InvalidOperationException($"VM \"{vmName}\" is not encrypted");
        var provider = ProviderOf(vm.ProviderId!);
        var server = provider.Servers.First();
        await using var client = await KmipClient.ConnectAsync(new KmipClientOptions
        {
            Host = server.Endpoint.Address.ToString(),
            Port = server.Endpoint.Port,
            ClientCertificate = provider.ClientCertificate,
            ServerThumbprintSha1 = server.TrustedThumbprint,
            AcceptAnyServerCertificate = server.TrustedThumbprint is null,
            ConnectTimeout = site.Simulation.KmsTimeout,
            ReceiveTimeout = site.Simulation.KmsTimeout,
        });
        var answer = KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(ProtocolVersion.V1_1,
            new KmipRequestOptions { Credential = provider.Credential },
            KmipBatchItems.Revoke(keyId, RevocationReasonCode.CessationOfOperation)))).BatchItems[0];
        if (!answer.IsSuccess)
            throw new KmsAdministrationException($"the KMS refused to revoke key {keyId}: {answer.ResultReason}: {answer.ResultMessage}", null);
    });

    [Then("vCenter {string} reports the key of VM {string} as {string}")]
    public async Task ReportsKey(string vcName, string vmName, string expected)
    {
        site.ThrowIfPendingFailure();
        var vc = site.VCenterNamed(vcName);
        var vm = site.Simulation.Vm(vmName);
        Expect.That(vm.Encrypted, $"VM \"{vmName}\" is not encrypted: it has no key");
        var status = (await vc.CryptoManagerKmip.QueryCryptoKeyStatusAsync([(vm.ProviderId!, vm.KeyId!)]))[0];
        Expect.That(string.Equals(status.Reason, expected, StringComparison.OrdinalIgnoreCase),
            $"vCenter \"{vcName}\" reports key {vm.KeyId} of VM \"{vmName}\" as \"{status.Reason}\", expected \"{expected}\"");
    }

    [Then("vCenter {string} shows the KMS cluster {string} as {string}")]
    public async Task ShowsCluster(string vcName, string kms, string expected)
    {
        site.ThrowIfPendingFailure();
        var vc = site.VCenterNamed(vcName);
        var status = await vc.CryptoManagerKmip.RetrieveKmipServersStatusAsync(ProviderNameFor(vc, kms));
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

    private KeyProvider ProviderOf(string providerId) =>
        site.VCenter.KeyProviders.GetValueOrDefault(providerId)
        ?? throw new InvalidOperationException($"vCenter \"{site.VCenter.Name}\" does not know the key provider \"{providerId}\"");

    /// <summary>The name under which this vCenter knows the KMS cluster: its own name, else the provider whose servers are the cluster's.</summary>
    private string ProviderNameFor(VCenterServer vc, string kms) =>
        vc.KeyProviders.ContainsKey(kms) ? kms
        : vc.KeyProviders.Values.FirstOrDefault(p => site.KmsOfProviderOrNull(vc, p.Name)?.Name == kms)?.Name
          ?? throw new InvalidOperationException($"vCenter \"{vc.Name}\" has no key provider for the KMS cluster \"{kms}\"");
}
