using System.Collections.Concurrent;
using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Simulator;

/// <summary>Why vCenter could not get a key from its KMS: the cluster cannot be reached, or it does not have the key (or will not serve it).</summary>
public enum KeyFailure { KmsClusterError, KeyMissingOnKms }

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
/// fetched with Get, many per message, once per key however many hosts need it. Servers of a cluster are tried in order.
/// </summary>
public sealed class CryptoManager(TimeSpan connectTimeout, TimeSpan receiveTimeout) : IAsyncDisposable
{
    public static readonly ProtocolVersion Version = ProtocolVersion.V1_1;
    public const int KeysPerMessage = 100;
    private readonly ConcurrentDictionary<string, KmipClient> _connections = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Every request message vCenter sent, in order (tests compare it with vCenter's conversation).</summary>
    public List<TtlvNode> SentRequests { get; } = [];
    public bool RecordRequests { get; set; }
    public long RequestCount;

    public string ProductVersion { get; set; } = "7.0.3 build-19480866";

    private async Task<TtlvNode> SendAsync(KeyProvider provider, KmipClient client, TtlvNode request)
    {
        Interlocked.Increment(ref RequestCount);
        if (RecordRequests) lock (SentRequests) SentRequests.Add(request);
        return await client.SendAsync(request).ConfigureAwait(false);
    }

    private static KmipRequestOptions Options => new() { AssignBatchItemIds = true };

    /// <summary>A connection to the first server of the cluster that answers; vCenter's connect sequence on a new connection.</summary>
    private async Task<KmipClient> ConnectAsync(KeyProvider provider)
    {
        var errors = new List<string>();
        foreach (var server in provider.Servers)
        {
            var key = $"{provider.Name}/{server.Name}";
            if (_connections.TryGetValue(key, out var existing) && existing.IsConnected) return existing;
            _connections.TryRemove(key, out _);
            try
            {
                var client = await KmipClient.ConnectAsync(new KmipClientOptions
                {
                    Host = server.Endpoint.Address.ToString(),
                    Port = server.Endpoint.Port,
                    ClientCertificate = provider.ClientCertificate,
                    ServerThumbprintSha1 = server.TrustedThumbprint,
                    AcceptAnyServerCertificate = server.TrustedThumbprint is null,
                    ConnectTimeout = connectTimeout,
                    ReceiveTimeout = receiveTimeout,
                }).ConfigureAwait(false);
                for (int i = 0; i < 2; i++)
                    KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, Options, KmipBatchItems.DiscoverVersions()))).EnsureSuccess();
                KmipResponse.Parse(await SendAsync(provider, client,
                    KmipRequests.Message(Version, Options, KmipBatchItems.Query([QueryFunction.QueryServerInformation])))).EnsureSuccess();
                server.Status = "connected";
                _connections[key] = client;
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

    /// <summary>Runs an exchange on a connection to the cluster, reconnecting (next server) once if the connection broke.</summary>
    private async Task<T> WithConnectionAsync<T>(KeyProvider provider, Func<KmipClient, Task<T>> exchange)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                var client = await ConnectAsync(provider).ConfigureAwait(false);
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
        finally { _gate.Release(); }
    }

    /// <summary>GenerateKey: vCenter's conversation for a new key. Returns the key ID and the key.</summary>
    public Task<(string KeyId, byte[] Key)> GenerateKeyAsync(KeyProvider provider) => WithConnectionAsync(provider, async client =>
    {
        var create = KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, Options,
            KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt)))).BatchItems[0];
        if (!create.IsSuccess)
            throw new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the KMS refused to create a key: {create.ResultReason}: {create.ResultMessage}");
        var id = create.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        KmipResponse.Parse(await SendAsync(provider, client, KmipRequests.Message(Version, Options,
            KmipBatchItems.GetAttributes(Version, id, ["x-Product_Version"])))).EnsureSuccess();
        // Add Attribute is not essential: vCenter tolerates a KMS that lacks it (e.g. PyKMIP).
        await SendAsync(provider, client, KmipRequests.Message(Version, Options,
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Product_Version", ProductVersion)),
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Vendor", "VMware, Inc.")),
            KmipBatchItems.AddAttribute(Version, id, KmipAttribute.Text("x-Product", "VMware vSphere"))));
        var key = await GetBatchAsync(provider, client, [id]);
        return key.TryGetValue(id, out var bytes)
            ? (id, bytes)
            : throw new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the KMS created key {id} but does not serve it");
    });

    /// <summary>
    /// Gets keys from the KMS, many per message. Keys the KMS does not have or will not serve (not found, deactivated,
    /// destroyed) are missing from the result; an unreachable cluster throws <see cref="KeyFetchException"/>.
    /// </summary>
    public Task<Dictionary<string, byte[]>> GetKeysAsync(KeyProvider provider, IReadOnlyCollection<string> keyIds) =>
        keyIds.Count == 0 ? Task.FromResult(new Dictionary<string, byte[]>())
            : WithConnectionAsync(provider, client => GetBatchAsync(provider, client, keyIds));

    private async Task<Dictionary<string, byte[]>> GetBatchAsync(KeyProvider provider, KmipClient client, IReadOnlyCollection<string> keyIds)
    {
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var chunk in keyIds.Distinct().Chunk(KeysPerMessage))
        {
            var request = KmipRequests.Message(Version, Options with { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
                chunk.Select(id => KmipBatchItems.Get(id, KeyFormatType.Raw)).ToArray());
            var response = KmipResponse.Parse(await SendAsync(provider, client, request).ConfigureAwait(false));
            for (int i = 0; i < response.BatchItems.Count && i < chunk.Length; i++)
            {
                var item = response.BatchItems[i];
                if (!item.IsSuccess) continue;
                var material = item.RequiredPayload.Child(Tag.SymmetricKey)?.Child(Tag.KeyBlock)?.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial);
                if (material is { Type: ItemType.ByteString }) found[chunk[i]] = material.AsBytes;
            }
        }
        return found;
    }

    /// <summary>Drops every KMS connection (vCenter lost; trust changed).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections.Values) await c.DisposeAsync().ConfigureAwait(false);
        _connections.Clear();
    }
}
