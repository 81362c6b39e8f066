using System.Collections.Concurrent;
using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Simulator;

/// <summary>Why vCenter could not get a key from its KMS: the cluster cannot be reached, or it does not have the key (or will not serve it).</summary>
public enum KeyFailure { KmsClusterError, KeyMissingOnKms }

/// <summary>
/// Why vCenter cannot use a key, as CryptoManagerKmip.QueryCryptoKeyStatus reports it (vSphere API, CryptoKeyResult
/// reason): the key provider is unknown, unreachable, lacks the key, or holds it in a state vSphere does not use.
/// </summary>
public static class KeyStateReasons
{
    public const string Available = "available";
    public const string MissingInCache = "KeyStateMissingInCache";
    public const string ClusterInvalid = "KeyStateClusterInvalid";
    public const string ClusterUnreachable = "KeyStateClusterUnreachable";
    public const string MissingInKms = "KeyStateMissingInKMS";
    public const string NotActiveOrEnabled = "KeyStateNotActiveOrEnabled";
}

/// <summary>
/// What vCenter learnt of keys it asked the KMS for: the usable ones (Active, with their bytes), and why each other
/// one cannot be used (<see cref="KeyStateReasons"/>: missing on the KMS, or not Active).
/// </summary>
public sealed class KeyFetch
{
    public Dictionary<string, byte[]> Keys { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>The KMIP State of each key the KMS answered for ("Active", "Deactivated", …), as read before use.</summary>
    public Dictionary<string, string> States { get; } = new(StringComparer.Ordinal);
}

/// <summary>A key fetch that failed, with the vSphere lock event it leads to.</summary>
public sealed class KeyFetchException(KeyFailure failure, string provider, string message) : Exception(message)
{
    public KeyFailure Failure { get; } = failure;
    public string Provider { get; } = provider;
    public string LockEvent => Failure == KeyFailure.KmsClusterError ? EventTypes.VmLockedKmsClusterError : EventTypes.VmLockedKeyMissingOnKms;
}

/// <summary>
/// vCenter's crypto manager: the KMIP client side of vCenter (VSPHERE-MODEL.md, "vCenter's KMIP conversation"). Protocol
/// 1.1, 8-byte batch item IDs; on connecting Discover Versions twice and Query (server information); a new key is Create
/// with exactly three attributes, Get Attributes x-Product_Version, three Add Attribute in one message, Get. Keys are
/// fetched with Get, many per message, once per key however many hosts need it, each with a Get Attributes "State" in
/// the same message: vSphere uses only Active keys (it activates a Pre-Active key and refuses a Deactivated, Compromised
/// or Destroyed one; vSphere Security 6.7, "vSphere Virtual Machine Encryption uses only Active keys"). Servers of a
/// cluster are tried starting with the last one that answered; each server has its own timeout
/// (<see cref="KmsServerConfig.Timeout"/>, else this crypto manager's).
/// </summary>
public sealed class CryptoManager : IAsyncDisposable
{
    private readonly TimeSpan connectTimeout;
    private readonly TimeSpan receiveTimeout;

    public CryptoManager(TimeSpan connectTimeout, TimeSpan receiveTimeout) : this(connectTimeout, receiveTimeout, null) { }

    /// <param name="clock">The simulation's clock: certificates are checked against it before each exchange (null: not checked).</param>
    public CryptoManager(TimeSpan connectTimeout, TimeSpan receiveTimeout, TimeProvider? clock)
    {
        this.connectTimeout = connectTimeout;
        this.receiveTimeout = receiveTimeout;
        Clock = clock;
        Connections = 1;
    }

    /// <summary>The clock certificate validity is judged by (the simulation's, not the machine's).</summary>
    public TimeProvider? Clock { get; }

    public static readonly ProtocolVersion Version = ProtocolVersion.V1_1;
    public const int KeysPerMessage = 100;
    private readonly ConcurrentDictionary<string, KmipClient> _connections = new();

    /// <summary>Per key provider, the index of the server that answered last: failover starts there.</summary>
    private readonly ConcurrentDictionary<string, int> _lastAnswered = new(StringComparer.Ordinal);

    /// <summary>The servers of a provider in the order vCenter tries them: the last one that answered first, then the rest in order.</summary>
    public IReadOnlyList<KmsServerConfig> TryOrder(KeyProvider provider)
    {
        var servers = provider.Servers;
        int first = _lastAnswered.TryGetValue(provider.Name, out var i) && i < servers.Count ? i : 0;
        return [.. servers.Skip(first), .. servers.Take(first)];
    }
    private readonly SemaphoreSlim _gate = new(0);
    private readonly ConcurrentStack<int> _freeLanes = new(); // the connection used last is used first
    private int _laneCount;

    /// <summary>
    /// How many connections vCenter keeps to each KMS server. Independent exchanges (one key's conversation, one batch
    /// of Gets) each take a connection of their own, so up to this many run at once; each new connection begins with
    /// vCenter's connect sequence. Default 1: one exchange at a time. It can grow, not shrink.
    /// </summary>
    public int Connections
    {
        get => _laneCount;
        set
        {
            lock (_freeLanes)
            {
                if (value < _laneCount) throw new ArgumentOutOfRangeException(nameof(value), value, $"the crypto manager keeps {_laneCount} connections: it can grow, not shrink");
                for (int lane = value - 1; lane >= _laneCount; lane--) _freeLanes.Push(lane);
                if (value > _laneCount) _gate.Release(value - _laneCount);
                _laneCount = value;
            }
        }
    }

    /// <summary>The connection of one lane to one server (lane 0 is the connection a single-connection crypto manager has).</summary>
    private static string ConnectionKey(KeyProvider provider, KmsServerConfig server, int lane) =>
        lane == 0 ? $"{provider.Name}/{server.Name}" : $"{provider.Name}/{server.Name}#{lane}";

    /// <summary>Every request message vCenter sent, in order (tests compare it with vCenter's conversation).</summary>
    public List<TtlvNode> SentRequests { get; } = [];
    public bool RecordRequests { get; set; }
    public long RequestCount;

    public string ProductVersion { get; set; } = "7.0.3 build-19480866";

    private readonly ConcurrentQueue<string> _createdKeyIds = new();
    private readonly ConcurrentQueue<(string Provider, string KeyId)> _createdKeys = new();

    /// <summary>Every key the KMS created for this crypto manager, in order (a certification run cleans them up).</summary>
    public IReadOnlyCollection<string> CreatedKeyIds => _createdKeyIds;

    /// <summary>Every key a KMS acknowledged creating (its Create answered with the key's ID), with the key provider asked.</summary>
    public IReadOnlyCollection<(string Provider, string KeyId)> CreatedKeys => _createdKeys;

    private async Task<TtlvNode> SendAsync(KeyProvider provider, KmipClient client, TtlvNode request)
    {
        Interlocked.Increment(ref RequestCount);
        if (RecordRequests) lock (SentRequests) SentRequests.Add(request);
        return await client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>vCenter's request header: 8-byte batch item IDs, and the provider's username/password when it has one.</summary>
    private static KmipRequestOptions OptionsFor(KeyProvider provider) => new() { AssignBatchItemIds = true, Credential = provider.Credential };

    /// <summary>A connection to the first server of the cluster that answers; vCenter's connect sequence on a new connection.</summary>
    private async Task<KmipClient> ConnectAsync(KeyProvider provider, int lane)
    {
        var errors = new List<string>();
        if (ClientCertificateProblem(provider) is { } clientProblem)
        {
            await DropConnectionsAsync(provider).ConfigureAwait(false);
            foreach (var server in provider.Servers) server.Status = $"error: {clientProblem}";
            throw new KeyFetchException(KeyFailure.KmsClusterError, provider.Name, $"cannot reach KMS cluster \"{provider.Name}\": {clientProblem}");
        }
        foreach (var server in TryOrder(provider))
        {
            var key = ConnectionKey(provider, server, lane);
            if (ServerCertificateProblem(server) is { } serverProblem)
            {
                if (_connections.TryRemove(key, out var stale)) await stale.DisposeAsync().ConfigureAwait(false);
                server.Status = $"error: {serverProblem}";
                errors.Add($"{server.Name} ({server.Endpoint}): {serverProblem}");
                continue;
            }
            if (_connections.TryGetValue(key, out var existing) && existing.IsConnected)
            {
                Answered(provider, server);
                return existing;
            }
            _connections.TryRemove(key, out _);
            try
            {
                var client = await OpenAsync(provider, server).ConfigureAwait(false);
                for (int i = 0; i < 2; i++)
                    KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, OptionsFor(provider), KmipBatchItems.DiscoverVersions()))).EnsureSuccess();
                KmipResponse.Parse(await SendAsync(provider, client,
                    KmipRequests.Message(Version, OptionsFor(provider), KmipBatchItems.Query([QueryFunction.QueryServerInformation])))).EnsureSuccess();
                server.Status = "connected";
                _connections[key] = client;
                Answered(provider, server);
                return client;
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or KmipException or TimeoutException or OperationCanceledException)
            {
                server.Status = $"error: {ex.Message}";
                errors.Add($"{server.Name} ({server.Endpoint}): {ex.Message}");
            }
        }
        throw new KeyFetchException(KeyFailure.KmsClusterError, provider.Name,
            $"cannot reach KMS cluster \"{provider.Name}\": {string.Join("; ", errors)}");
    }

    private void Answered(KeyProvider provider, KmsServerConfig server)
    {
        int index = provider.Servers.IndexOf(server);
        if (index >= 0) _lastAnswered[provider.Name] = index;
    }

    /// <summary>The timeout vCenter applies to one server: its own (KmipServerInfo.timeout), else the crypto manager's.</summary>
    public TimeSpan TimeoutOf(KmsServerConfig server, bool connect) => server.Timeout ?? (connect ? connectTimeout : receiveTimeout);

    /// <summary>A TLS connection to one server with the provider's client certificate, trusting the server by its thumbprint.</summary>
    private Task<KmipClient> OpenAsync(KeyProvider provider, KmsServerConfig server) => KmipClient.ConnectAsync(ClientOptions(provider, server));

    /// <summary>How vCenter connects to one server of a provider: its client certificate, the server's trusted thumbprint, the server's timeouts.</summary>
    public KmipClientOptions ClientOptions(KeyProvider provider, KmsServerConfig server) => new()
    {
        Host = server.Endpoint.Address.ToString(),
        Port = server.Endpoint.Port,
        ClientCertificate = provider.ClientCertificate,
        ServerThumbprintSha1 = server.TrustedThumbprint,
        ConnectTimeout = TimeoutOf(server, connect: true),
        ReceiveTimeout = TimeoutOf(server, connect: false),
    };

    /// <summary>Runs an exchange on a connection to the cluster, reconnecting (next server) once if the connection broke.</summary>
    private async Task<T> WithConnectionAsync<T>(KeyProvider provider, Func<KmipClient, Task<T>> exchange)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        if (!_freeLanes.TryPop(out int lane)) throw new InvalidOperationException("no free connection although the gate let an exchange in");
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                var client = await ConnectAsync(provider, lane).ConfigureAwait(false);
                try { return await exchange(client).ConfigureAwait(false); }
                catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException && attempt == 0)
                {
                    foreach (var (k, c) in _connections) if (c == client) _connections.TryRemove(k, out _);
                    await client.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException)
                {
                    throw new KeyFetchException(KeyFailure.KmsClusterError, provider.Name, $"KMS cluster \"{provider.Name}\" stopped answering: {ex.Message}");
                }
            }
        }
        finally
        {
            _freeLanes.Push(lane);
            _gate.Release();
        }
    }

    /// <summary>GenerateKey: vCenter's conversation for a new key. Returns the key ID and the key.</summary>
    public Task<(string KeyId, byte[] Key)> GenerateKeyAsync(KeyProvider provider) => WithConnectionAsync(provider, async client =>
    {
        var create = KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, OptionsFor(provider),
            KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt)))).BatchItems[0];
        if (!create.IsSuccess)
            throw new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the KMS refused to create a key: {create.ResultReason}: {create.ResultMessage}");
        var id = create.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        _createdKeyIds.Enqueue(id);
        _createdKeys.Enqueue((provider.Name, id));
        KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, OptionsFor(provider),
            KmipBatchItems.GetAttributes(Version, id, ["x-Product_Version"])))).EnsureSuccess();
        // Add Attribute is not essential: vCenter tolerates a KMS that lacks it (e.g. PyKMIP).
        await SendAsync(provider, client, KmipRequests.Message(Version, OptionsFor(provider),
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Product_Version", ProductVersion)),
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Vendor", "VMware, Inc.")),
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Product", "VMware vSphere"))));
        var get = KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version,
            OptionsFor(provider) with { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue }, KmipBatchItems.Get(id, KeyFormatType.Raw)))).BatchItems[0];
        var material = get.IsSuccess ? get.ResponsePayload?.Child(Tag.SymmetricKey)?.Child(Tag.KeyBlock)?.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial) : null;
        return material is { Type: ItemType.ByteString, AsBytes: var bytes }
            ? (id, bytes)
            : throw new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the KMS created key {id} but does not serve it");
    });

    /// <summary>
    /// Gets keys from the KMS, many per message, and returns the usable ones. Keys the KMS does not have or will not serve
    /// (not found, deactivated by its administrator, destroyed), or holds in a state vSphere does not use, are missing
    /// from the result; Pre-Active keys are activated first. An unreachable cluster throws <see cref="KeyFetchException"/>.
    /// </summary>
    public async Task<Dictionary<string, byte[]>> GetKeysAsync(KeyProvider provider, IReadOnlyCollection<string> keyIds) =>
        (await FetchKeysAsync(provider, keyIds).ConfigureAwait(false)).Keys;

    /// <summary>
    /// Gets keys for use, many per message: each key's Get Attributes "State" and Get in one message (100 keys a
    /// message), then one Activate message for the Pre-Active ones. What cannot be used is in <see cref="KeyFetch.Refused"/>
    /// with vSphere's reason. An unreachable cluster throws <see cref="KeyFetchException"/>.
    /// </summary>
    public Task<KeyFetch> FetchKeysAsync(KeyProvider provider, IReadOnlyCollection<string> keyIds) =>
        keyIds.Count == 0 ? Task.FromResult(new KeyFetch())
            : WithConnectionAsync(provider, client => FetchBatchAsync(provider, client, keyIds, withBytes: true, activate: true));

    /// <summary>
    /// What the KMS serves of these keys (KMIP Get only, whatever their State, nothing activated): the bytes a client
    /// with this identity can read. Not how vCenter uses keys (<see cref="FetchKeysAsync"/>), but what a check of the KMS asks.
    /// </summary>
    public Task<Dictionary<string, byte[]>> GetServedKeysAsync(KeyProvider provider, IReadOnlyCollection<string> keyIds) =>
        keyIds.Count == 0 ? Task.FromResult(new Dictionary<string, byte[]>())
            : WithConnectionAsync(provider, async client =>
            {
                var served = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var chunk in keyIds.Distinct().Chunk(KeysPerMessage))
                {
                    var response = KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version,
                        OptionsFor(provider) with { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
                        chunk.Select(id => KmipBatchItems.Get(id, KeyFormatType.Raw)).ToArray())).ConfigureAwait(false));
                    foreach (var item in response.BatchItems)
                        if (item.IsSuccess && item.ResponsePayload?.Child(Tag.UniqueIdentifier) is { Type: ItemType.TextString } id
                            && item.ResponsePayload.Child(Tag.SymmetricKey)?.Child(Tag.KeyBlock)?.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial) is { Type: ItemType.ByteString } m)
                            served[id.AsText] = m.AsBytes;
                }
                return served;
            });

    /// <summary>The State of each key as the KMS reports it (no key bytes): what QueryCryptoKeyStatus asks.</summary>
    public Task<KeyFetch> ReadStatesAsync(KeyProvider provider, IReadOnlyCollection<string> keyIds) =>
        keyIds.Count == 0 ? Task.FromResult(new KeyFetch())
            : WithConnectionAsync(provider, client => FetchBatchAsync(provider, client, keyIds, withBytes: false, activate: false));

    /// <summary>
    /// vCenter puts a key it made to use: it reads the key's State and activates it when Pre-Active; a key in any other
    /// state than Active cannot be used (KeyFetchException, key missing on the KMS).
    /// </summary>
    public Task ActivateForUseAsync(KeyProvider provider, string keyId) => WithConnectionAsync(provider, async client =>
    {
        var fetch = await FetchBatchAsync(provider, client, [keyId], withBytes: false, activate: true).ConfigureAwait(false);
        if (fetch.Refused.TryGetValue(keyId, out var reason))
            throw new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, Explain(provider, keyId, reason, fetch.States.GetValueOrDefault(keyId)));
        return true;
    });

    /// <summary>Why a key cannot be used, in words, from its reason and State.</summary>
    public static string Explain(KeyProvider provider, string keyId, string reason, string? state) => reason == KeyStateReasons.NotActiveOrEnabled
        ? $"key {keyId} is {state ?? "not Active"} on KMS cluster \"{provider.Name}\": vSphere uses only Active keys"
        : $"key {keyId} is missing on KMS cluster \"{provider.Name}\" (not found, or not served)";

    private async Task<KeyFetch> FetchBatchAsync(KeyProvider provider, KmipClient client, IReadOnlyCollection<string> keyIds, bool withBytes, bool activate)
    {
        var fetch = new KeyFetch();
        var material = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var toActivate = new List<string>();
        foreach (var chunk in keyIds.Distinct().Chunk(KeysPerMessage))
        {
            var items = chunk.SelectMany(id => withBytes
                ? new[] { KmipBatchItems.GetAttributes(Version, id, ["State"]), KmipBatchItems.Get(id, KeyFormatType.Raw) }
                : new[] { KmipBatchItems.GetAttributes(Version, id, ["State"]) }).ToArray();
            var request = KmipRequests.Message(Version, OptionsFor(provider) with { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue }, items);
            var response = KmipResponse.Parse(await SendAsync(provider, client, request).ConfigureAwait(false));
            // Each answer is matched to its key by the Unique Identifier it names, not by its position in the batch.
            var asked = chunk.ToHashSet(StringComparer.Ordinal);
            foreach (var item in response.BatchItems)
            {
                if (!item.IsSuccess || item.ResponsePayload?.Child(Tag.UniqueIdentifier) is not { Type: ItemType.TextString } idNode || !asked.Contains(idNode.AsText)) continue;
                var id = idNode.AsText;
                if (item.Operation == Operation.GetAttributes)
                {
                    if (item.StateValue() is { } state) fetch.States[id] = state;
                    continue;
                }
                var bytes = item.ResponsePayload.Child(Tag.SymmetricKey)?.Child(Tag.KeyBlock)?.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial);
                if (bytes is { Type: ItemType.ByteString }) material[id] = bytes.AsBytes;
            }
            foreach (var id in chunk)
            {
                var state = fetch.States.GetValueOrDefault(id);
                if (state is null || (withBytes && !material.ContainsKey(id))) fetch.Refused[id] = KeyStateReasons.MissingInKms;
                else if (state is nameof(State.Destroyed) or nameof(State.DestroyedCompromised)) fetch.Refused[id] = KeyStateReasons.MissingInKms;
                else if (state == nameof(State.PreActive)) toActivate.Add(id);
                else if (state != nameof(State.Active)) fetch.Refused[id] = KeyStateReasons.NotActiveOrEnabled;
            }
        }
        if (activate && toActivate.Count > 0)
            foreach (var chunk in toActivate.Chunk(KeysPerMessage))
            {
                var request = KmipRequests.Message(Version, OptionsFor(provider) with { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
                    chunk.Select(id => KmipBatchItems.Activate(id)).ToArray());
                var response = KmipResponse.Parse(await SendAsync(provider, client, request).ConfigureAwait(false));
                var activated = response.BatchItems.Where(i => i.IsSuccess && i.ResponsePayload?.Child(Tag.UniqueIdentifier) is { Type: ItemType.TextString })
                    .Select(i => i.ResponsePayload!.Child(Tag.UniqueIdentifier)!.AsText).ToHashSet(StringComparer.Ordinal);
                foreach (var id in chunk)
                    if (activated.Contains(id)) fetch.States[id] = nameof(State.Active);
                    else fetch.Refused[id] = KeyStateReasons.NotActiveOrEnabled;
            }
        else
            foreach (var id in toActivate) fetch.Refused[id] = KeyStateReasons.NotActiveOrEnabled;
        foreach (var id in keyIds.Distinct())
            if (!fetch.Refused.ContainsKey(id) && material.TryGetValue(id, out var key)) fetch.Keys[id] = key;
        return fetch;
    }

    /// <summary>
    /// Why the client certificate presented to this provider's servers is not valid at the simulation's time, or null.
    /// (The KMS would refuse the handshake; an expired certificate also ends the trust of a connection kept open.)
    /// </summary>
    public string? ClientCertificateProblem(KeyProvider provider)
    {
        if (Clock is null || provider.ClientCertificate is not { } cert) return null;
        var now = Clock.GetUtcNow();
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notAfter < now ? $"the client certificate \"{cert.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)}\" expired on {notAfter:u}; the KMS refuses it" : null;
    }

    /// <summary>
    /// Why vCenter does not talk to this server: it trusts no certificate for it yet (a server registered through the API,
    /// before UploadKmipServerCert), or the trusted one is not valid at the simulation's time; null when it does.
    /// </summary>
    public string? ServerCertificateProblem(KmsServerConfig server)
    {
        if (server.TrustedThumbprint is null)
            return $"vCenter does not trust the certificate of KMS server \"{server.Name}\" yet (RetrieveKmipServerCert, then UploadKmipServerCert)";
        if (Clock is null || server.TrustedCertificate is not { } cert) return null;
        var now = Clock.GetUtcNow();
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notAfter < now ? $"the KMS server certificate (SHA-1 {server.TrustedThumbprint}) expired on {notAfter:u}; the server is no longer trusted" : null;
    }

    /// <summary>Drops the connections to one provider's servers (its trust changed).</summary>
    public async Task DropConnectionsAsync(KeyProvider provider)
    {
        foreach (var server in provider.Servers)
            for (int lane = 0; lane < _laneCount; lane++)
                if (_connections.TryRemove(ConnectionKey(provider, server, lane), out var c)) await c.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Drops every KMS connection (vCenter lost; trust changed).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections.Values) await c.DisposeAsync().ConfigureAwait(false);
        _connections.Clear();
    }
}
