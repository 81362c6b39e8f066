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

/// <summary>A KMS server's certificate as RetrieveKmipServerCert answers it (CryptoManagerKmipServerCertInfo).</summary>
/// <param name="Pem">The certificate the server presented, PEM.</param>
/// <param name="ClientTrustServer">Whether vCenter already trusts it for this provider.</param>
public sealed record KmipServerCertificate(string Pem, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, bool ClientTrustServer);

/// <summary>
/// vCenter's CryptoManagerKmip: the key provider API (RegisterKmipServer, UpdateKmipServer, RemoveKmipServer, RetrieveKmipServerCert,
/// UploadKmipServerCert, ListKmipServers, MarkDefault, RetrieveKmipServersStatus_Task, GenerateKey, ListKeys,
/// QueryCryptoKeyStatus, RemoveKeys) over the vCenter's key providers and its KMIP client.
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
    /// RegisterKmipServer (privilege Cryptographer.ManageKeyServers): adds a server to a key provider, making the provider
    /// when it is new (the first provider becomes the default, as in vCenter). The server is not trusted yet: vCenter
    /// talks to it once its certificate is uploaded (RetrieveKmipServerCert, then UploadKmipServerCert). A user name
    /// (with its password) is the credential some KMSs require besides the certificate. Faults: InvalidArgument (no
    /// provider or server name), AlreadyExists (the provider has a server of that name).
    /// </summary>
    public Task<MethodFault?> RegisterKmipServer(string providerId, KmsServerConfig server, Harness.Kmip.Client.UsernamePasswordCredential? credential, string? user = null) =>
        Fault(async () =>
        {
            vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
            if (string.IsNullOrWhiteSpace(providerId)) throw new VsphereFault("InvalidArgument", "a KMS server needs the ID of its key provider (clusterId.id)");
            if (string.IsNullOrWhiteSpace(server.Name)) throw new VsphereFault("InvalidArgument", "a KMS server needs a name (info.name)");
            var provider = vc.KeyProviders.GetValueOrDefault(providerId);
            if (provider is not null && provider.Servers.Any(s => s.Name == server.Name))
                throw new VsphereFault("AlreadyExists", $"key provider \"{providerId}\" already has a KMS server \"{server.Name}\"");
            provider ??= new KeyProvider(providerId);
            provider.Servers.Add(server);
            if (credential is not null) provider.Credential = credential;
            await vc.SetKeyProviderAsync(provider, makeDefault: vc.DefaultProvider is null, user);
        });

    /// <summary>
    /// UpdateKmipServer (privilege Cryptographer.ManageKeyServers): a registered server's address, port, timeout and
    /// credential change; the certificate vCenter trusts for it stays. Faults: NotFound (no such provider or server).
    /// </summary>
    public Task<MethodFault?> UpdateKmipServer(string providerId, KmsServerConfig server, Harness.Kmip.Client.UsernamePasswordCredential? credential, string? user = null) =>
        Fault(async () =>
        {
            vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
            var provider = vc.KeyProviders.GetValueOrDefault(providerId)
                           ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
            int index = provider.Servers.FindIndex(s => s.Name == server.Name);
            if (index < 0) throw new VsphereFault("NotFound", $"key provider \"{providerId}\" has no KMS server \"{server.Name}\"");
            var old = provider.Servers[index];
            server.TrustedThumbprint = old.TrustedThumbprint;
            server.TrustedCertificate = old.TrustedCertificate;
            await vc.Crypto.DropConnectionsAsync(provider);
            provider.Servers[index] = server;
            if (credential is not null) provider.Credential = credential;
            await vc.SetKeyProviderAsync(provider, makeDefault: false, user);
        });

    /// <summary>
    /// RemoveKmipServer (privilege Cryptographer.ManageKeyServers): the provider forgets the server; a provider left without
    /// servers is removed (and stops being the default). Faults: NotFound.
    /// </summary>
    public Task<MethodFault?> RemoveKmipServer(string providerId, string serverName, string? user = null) =>
        Fault(async () =>
        {
            vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
            var provider = vc.KeyProviders.GetValueOrDefault(providerId)
                           ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
            var server = provider.Servers.FirstOrDefault(s => s.Name == serverName)
                         ?? throw new VsphereFault("NotFound", $"key provider \"{providerId}\" has no KMS server \"{serverName}\"");
            await vc.Crypto.DropConnectionsAsync(provider);
            provider.Servers.Remove(server);
            if (provider.Servers.Count > 0) await vc.SetKeyProviderAsync(provider, makeDefault: false, user);
            else
            {
                vc.KeyProviders.Remove(providerId);
                if (vc.DefaultProvider == providerId) vc.DefaultProvider = null;
            }
        });

    /// <summary>
    /// RetrieveKmipServerCert (privilege Cryptographer.ManageKeyServers): connects to the server over TLS and answers the
    /// certificate it presents, for the administrator to check and trust. Faults: NotFound (no such provider),
    /// InvalidArgument (no address), HostCommunication (nothing answers TLS there).
    /// </summary>
    public async Task<MethodResult<KmipServerCertificate>> RetrieveKmipServerCert(string providerId, string address, int port, string? user = null) =>
        await MethodFaults.CatchAsync(async () =>
        {
            vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
            var provider = vc.KeyProviders.GetValueOrDefault(providerId)
                           ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
            if (string.IsNullOrWhiteSpace(address) || port is <= 0 or > 65535)
                throw new VsphereFault("InvalidArgument", $"\"{address}:{port}\" is not a KMS server address and port");
            var certificate = await PresentedCertificateAsync(address, port);
            var thumbprint = Harness.Pki.Thumbprints.Sha1(certificate);
            bool trusted = provider.Servers.Any(s => string.Equals(s.TrustedThumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
            return new KmipServerCertificate(certificate.ExportCertificatePem(), certificate, trusted);
        });

    /// <summary>The certificate a TLS server presents (the handshake may then fail: vCenter has not shown a client certificate it accepts).</summary>
    private static async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> PresentedCertificateAsync(string address, int port)
    {
        System.Security.Cryptography.X509Certificates.X509Certificate2? presented = null;
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tcp.ConnectAsync(address, port, timeout.Token);
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, cert, _, _) =>
            {
                if (cert is not null) presented = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return true;
            });
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = address }, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            if (presented is null) throw new VsphereFault("HostCommunication", $"no KMS server answered TLS at {address}:{port}: {ex.Message}");
        }
        return presented ?? throw new VsphereFault("HostCommunication", $"the server at {address}:{port} presented no certificate");
    }

    /// <summary>
    /// UploadKmipServerCert (privilege Cryptographer.ManageKeyServers): vCenter trusts this KMS server certificate (PEM) for
    /// every server of the provider, and talks to them from now on. Faults: NotFound, InvalidArgument (not a PEM certificate).
    /// </summary>
    public Task<MethodFault?> UploadKmipServerCert(string providerId, string certificatePem, string? user = null) =>
        Fault(async () =>
        {
            vc.RequireAliveAndPrivilege(user, "Cryptographer.ManageKeyServers");
            var provider = vc.KeyProviders.GetValueOrDefault(providerId)
                           ?? throw new VsphereFault("NotFound", $"vCenter \"{vc.Name}\" has no key provider \"{providerId}\"");
            System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
            try { certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificatePem); }
            catch (System.Security.Cryptography.CryptographicException ex) { throw new VsphereFault("InvalidArgument", $"the KMS server certificate is not a PEM certificate: {ex.Message}"); }
            await vc.Crypto.DropConnectionsAsync(provider);
            foreach (var server in provider.Servers)
            {
                server.TrustedThumbprint = Harness.Pki.Thumbprints.Sha1(certificate);
                server.TrustedCertificate = certificate;
            }
            await vc.SetKeyProviderAsync(provider, makeDefault: false, user);
        });

    private static async Task<MethodFault?> Fault(Func<Task> method) => (await MethodFaults.CatchAsync(async () => { await method(); return true; })).Fault;

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
            bool clientTrustServer = client.ServerCertificate is { } cert && string.Equals(Harness.Pki.Thumbprints.Sha1(cert), server.TrustedThumbprint, StringComparison.OrdinalIgnoreCase);
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
