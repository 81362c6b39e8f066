using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Simulator;

/// <summary>One KMS server's status as vCenter shows it (CryptoManagerKmipServerStatus).</summary>
/// <param name="ConnectionStatus">"connected", or why vCenter could not talk KMIP with the server.</param>
/// <param name="ClientTrustServer">vCenter trusts the certificate the server presents (its SHA-1 thumbprint is the trusted one).</param>
/// <param name="ServerTrustClient">The server accepts vCenter's client certificate (a KMIP exchange succeeded).</param>
public sealed record KmipServerStatus(string Name, string Status, string ConnectionStatus, bool ClientTrustServer, bool ServerTrustClient);

/// <summary>A key provider's status (CryptoManagerKmipClusterStatus): overall green, yellow, red or gray, and each server's.</summary>
public sealed record KmipClusterStatus(string ClusterId, string OverallStatus, IReadOnlyList<KmipServerStatus> Servers);

/// <summary>vim.encryption.CryptoKeyResult: what GenerateKey answers.</summary>
public sealed record CryptoKeyResult(string? KeyId, bool Success, string? Reason, MethodFault? Fault);

/// <summary>One key's status (CryptoManagerKmipCryptoKeyStatus): available or the reason why not, and the VMs that use it.</summary>

public sealed record CryptoKeyStatus(string KeyId, string ProviderId, bool KeyAvailable, string Reason, IReadOnlyList<string> EncryptedVms, IReadOnlyList<string> AffectedHosts);

/// <summary>
/// vCenter's CryptoManagerKmip: the key provider API (ListKmipServers, MarkDefault, RetrieveKmipServersStatus_Task,
/// GenerateKey, ListKeys, QueryCryptoKeyStatus, RemoveKeys) over the vCenter's key providers and its KMIP client.
/// </summary>
public sealed class CryptoManagerKmip(VCenterServer vc)
{
    /// <summary>ListKmipServers: the key providers vCenter knows, the default first.</summary>
    public IReadOnlyList<KeyProvider> ListKmipServers() =>
        [.. vc.KeyProviders.Values.OrderBy(p => p.Name == vc.DefaultProvider ? 0 : 1).ThenBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>MarkDefault (privilege Cryptographer.ManageKeyServers): the provider new keys come from.</summary>
    public MethodFault? MarkDefault(string providerId, string? user = null) => MethodFaults.Catch(() =>
    {
        vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
        if (!vc.KeyProviders.ContainsKey(providerId)) throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
        vc.DefaultProvider = providerId;
    });

    /// <summary>
    /// RetrieveKmipServersStatus_Task (privilege Cryptographer.ReadKeyServersInfo): vCenter connects to each server of the
    /// provider with its client certificate. A server is healthy when the connection succeeds, vCenter trusts the server
    /// certificate (clientTrustServer) and the server accepts vCenter's (serverTrustClient, a KMIP exchange answered).
    /// Overall: green when every server is healthy, yellow when some are, red when none is, gray for a provider without
    /// servers.
    /// </summary>
    public async Task<KmipClusterStatus> RetrieveKmipServersStatusAsync(string providerId, string? user = null)
    {
        vc.RequireAliveAndPrivilege(user, "Cryptographer.ReadKeyServersInfo");
        var provider = vc.KeyProviders.GetValueOrDefault(providerId)
                       ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
        var servers = new List<KmipServerStatus>();
        foreach (var server in provider.Servers) servers.Add(await ProbeAsync(provider, server));
        int healthy = servers.Count(s => s.Status == "green");
        string overall = servers.Count == 0 ? "gray" : healthy == servers.Count ? "green" : healthy > 0 ? "yellow" : "red";
        return new KmipClusterStatus(provider.Name, overall, servers);
    }

    private async Task<KmipServerStatus> ProbeAsync(KeyProvider provider, KmsServerConfig server)
    {
        if (vc.Crypto.ClientCertificateProblem(provider) is { } clientProblem)
            return new KmipServerStatus(server.Name, "red", clientProblem, ClientTrustServer: true, ServerTrustClient: false);
        if (vc.Crypto.ServerCertificateProblem(server) is { } serverProblem)
            return new KmipServerStatus(server.Name, "red", serverProblem, ClientTrustServer: false, ServerTrustClient: false);
        KmipClient client;
        try
        {
            // Any server certificate is accepted here: the thumbprint is compared below, to tell trust from reachability.
            client = await KmipClient.ConnectAsync(vc.Crypto.ClientOptions(provider, server) with { ServerThumbprintSha1 = null, AcceptAnyServerCertificate = true });
        }
        catch (Exception ex) when (ex is KmipTlsException or System.Security.Authentication.AuthenticationException)
        {
            return new KmipServerStatus(server.Name, "red", $"the KMS refused vCenter's client certificate: {ex.Message}", ClientTrustServer: false, ServerTrustClient: false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or KmipException or System.Net.Sockets.SocketException)
        {
            return new KmipServerStatus(server.Name, "red", $"cannot connect: {ex.Message}", ClientTrustServer: false, ServerTrustClient: false);
        }
        await using (client)
        {
            bool clientTrustServer = server.TrustedThumbprint is null
                || (client.ServerCertificate is { } cert && string.Equals(Harness.Pki.Thumbprints.Sha1(cert), server.TrustedThumbprint, StringComparison.OrdinalIgnoreCase));
            if (!clientTrustServer)
                return new KmipServerStatus(server.Name, "red", $"the server certificate is not the one vCenter trusts (SHA-1 {server.TrustedThumbprint})", false, false);
            try
            {
                KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(CryptoManager.Version,
                    new KmipRequestOptions { AssignBatchItemIds = true, Credential = provider.Credential }, KmipBatchItems.DiscoverVersions()))).EnsureSuccess();
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or KmipException)
            {
                return new KmipServerStatus(server.Name, "red", $"the KMS does not accept vCenter: {ex.Message}", ClientTrustServer: true, ServerTrustClient: false);
            }
            return new KmipServerStatus(server.Name, "green", "connected", ClientTrustServer: true, ServerTrustClient: true);
        }
    }

    /// <summary>
    /// GenerateKey (privilege Cryptographer.ManageKeys): a new key on the provider (the default when null), as the KMS makes
    /// it. Like vSphere's CryptoKeyResult: the key ID when it succeeded, else the reason and the fault.
    /// </summary>
    public async Task<CryptoKeyResult> GenerateKey(string? providerId = null, string? user = null)
    {
        var made = await MethodFaults.CatchAsync(() => GenerateKeyAsync(providerId, user));
        return new CryptoKeyResult(made.Returnval, made.Succeeded, made.Fault?.Message, made.Fault);
    }

    internal async Task<string> GenerateKeyAsync(string? providerId = null, string? user = null)
    {
        vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeys");
        var provider = vc.KeyProviders.GetValueOrDefault(providerId ?? vc.DefaultProvider ?? "")
                       ?? throw new VsphereFault("InvalidState", providerId is null ? "no default key provider is set" : $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
        try
        {
            var (id, _) = await vc.Crypto.GenerateKeyAsync(provider);
            lock (_generated) _generated.Add((provider.Name, id));
            return id;
        }
        catch (KeyFetchException ex)
        {
            vc.Events.Log(EventTypes.KeyGenerateFail, provider.Name, "KmsCluster", $"Failed to generate a key on KMS cluster {provider.Name}: {ex.Message}", user);
            throw new VsphereFault("InvalidState", ex.Message);
        }
    }

    private readonly List<(string Provider, string KeyId)> _generated = [];

    /// <summary>
    /// ListKeys: the keys vCenter knows — those its VMs, disks and hosts use, and those it generated — as (provider, key ID).
    /// </summary>
    public IReadOnlyList<(string ProviderId, string KeyId)> ListKeys()
    {
        var keys = new List<(string, string)>();
        foreach (var vm in vc.Vms.Where(v => v.Encrypted))
            foreach (var id in vm.RequiredKeyIds) keys.Add((vm.ProviderId!, id));
        foreach (var host in vc.Hosts.Where(h => h.HostKeyId is not null)) keys.Add((host.HostKeyProviderId ?? "", host.HostKeyId!));
        lock (_generated) keys.AddRange(_generated);
        return [.. keys.Distinct()];
    }

    /// <summary>
    /// QueryCryptoKeyStatus: for each key, whether vCenter can use it, with vSphere's reason when it cannot: the provider is
    /// unknown (KeyStateClusterInvalid) or unreachable (KeyStateClusterUnreachable), the KMS lacks the key
    /// (KeyStateMissingInKMS: not found, or destroyed), or holds it in a state other than Active (KeyStateNotActiveOrEnabled:
    /// Pre-Active, Deactivated, Compromised). The KMS is asked each time (Get Attributes "State"). vCenter's own key cache
    /// is not modelled, so KeyStateMissingInCache is never reported.
    /// </summary>
    public Task<MethodResult<IReadOnlyList<CryptoKeyStatus>>> QueryCryptoKeyStatus(IReadOnlyCollection<(string ProviderId, string KeyId)> keys) =>
        MethodFaults.CatchAsync(() => QueryCryptoKeyStatusAsync(keys));

    internal async Task<IReadOnlyList<CryptoKeyStatus>> QueryCryptoKeyStatusAsync(IReadOnlyCollection<(string ProviderId, string KeyId)> keys)
    {
        vc.RequireAliveAndPrivilege(null, "Cryptographer.ReadKeyServersInfo");
        var results = new List<CryptoKeyStatus>();
        foreach (var group in keys.GroupBy(k => k.ProviderId))
        {
            var ids = group.Select(k => k.KeyId).Distinct().ToList();
            string? groupReason = null;
            KeyFetch? states = null;
            if (!vc.KeyProviders.TryGetValue(group.Key, out var provider)) groupReason = KeyStateReasons.ClusterInvalid;
            else
                try { states = await vc.Crypto.ReadStatesAsync(provider, ids); }
                catch (KeyFetchException) { groupReason = KeyStateReasons.ClusterUnreachable; }
            foreach (var id in ids)
            {
                var users = vc.Vms.Where(v => v.RequiredKeyIds.Contains(id)).ToList();
                var hostsWithout = users.SelectMany(v => v.Host.Cluster.Hosts).Distinct().Where(h => !h.HasKey(id)).Select(h => h.Name).ToList();
                string reason = groupReason ?? states!.Refused.GetValueOrDefault(id) ?? KeyStateReasons.Available;
                results.Add(new CryptoKeyStatus(id, group.Key, reason == KeyStateReasons.Available, reason, [.. users.Select(v => v.Name)], hostsWithout));
            }
        }
        return results;
    }
}
