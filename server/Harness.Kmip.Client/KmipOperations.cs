using Harness.Kmip.Payloads;

namespace Harness.Kmip.Client;

/// <summary>
/// The common KMIP calls over one <see cref="KmipClient"/>, in one protocol version (the one every request header
/// carries). Each call sends one single-item message and throws <see cref="KmipOperationException"/> when the item
/// fails. For batches, build items with <see cref="KmipBatchItems"/> and call <see cref="SendBatchAsync"/>.
/// </summary>
public sealed class KmipOperations(KmipClient client, ProtocolVersion version, KmipRequestOptions? requestOptions = null)
{
    public KmipClient Client { get; } = client;
    public ProtocolVersion Version { get; } = version;
    public KmipRequestOptions RequestOptions { get; } = requestOptions ?? KmipRequestOptions.None;

    /// <summary>The same client speaking another version (vCenter switches after Discover Versions).</summary>
    public KmipOperations WithVersion(ProtocolVersion version) => new(Client, version, RequestOptions);

    /// <summary>Sends the items in one message; the response's items are not checked.</summary>
    public Task<KmipResponse> SendBatchAsync(IEnumerable<BatchItemRequest> items, CancellationToken ct = default) =>
        Client.SendMessageAsync(KmipRequests.Message(Version, RequestOptions, items.ToArray()), ct);

    /// <summary>Sends one item and returns its successful response item.</summary>
    public async Task<ResponseBatchItem> ExecuteAsync(BatchItemRequest item, CancellationToken ct = default)
    {
        var response = await SendBatchAsync([item], ct).ConfigureAwait(false);
        if (response.BatchItems.Count == 0)
            throw new KmipException(ResultReason.InvalidMessage, $"the response to {item.Operation} has no batch item");
        return response.BatchItems[0].EnsureSuccess();
    }

    public async Task<IReadOnlyList<ProtocolVersion>> DiscoverVersionsAsync(IEnumerable<ProtocolVersion>? offered = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.DiscoverVersions(offered), ct).ConfigureAwait(false);
        return item.ResponsePayload?.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.FromTtlv).ToList() ?? [];
    }

    public async Task<KmipQueryResult> QueryAsync(IEnumerable<QueryFunction> functions, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.Query(functions), ct).ConfigureAwait(false);
        return KmipQueryResult.Parse(item.ResponsePayload ?? TtlvNode.Structure(Tag.ResponsePayload));
    }

    /// <summary>Creates a symmetric key; returns its Unique Identifier.</summary>
    public async Task<string> CreateSymmetricKeyAsync(IEnumerable<KmipAttribute> attributes, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.CreateSymmetricKey(Version, attributes), ct).ConfigureAwait(false);
        return item.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
    }

    public async Task<KmipManagedObject> GetAsync(string uniqueIdentifier, KeyFormatType? keyFormat = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.Get(uniqueIdentifier, keyFormat), ct).ConfigureAwait(false);
        return KmipManagedObject.Parse(item.RequiredPayload);
    }

    /// <summary>The named attributes (1.x names, e.g. "State", "x-Product_Version"); no names returns all.</summary>
    public async Task<IReadOnlyList<KmipAttribute>> GetAttributesAsync(string uniqueIdentifier, IEnumerable<string>? names = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.GetAttributes(Version, uniqueIdentifier, names), ct).ConfigureAwait(false);
        return KmipAttribute.ParseAll(item.RequiredPayload);
    }

    /// <summary>The names of the object's attributes (2.x Attribute References are turned into 1.x names).</summary>
    public async Task<IReadOnlyList<string>> GetAttributeListAsync(string uniqueIdentifier, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.GetAttributeList(uniqueIdentifier), ct).ConfigureAwait(false);
        return item.RequiredPayload.Items
            .Where(i => i.Tag is Tag.AttributeName or Tag.AttributeReference)
            .Select(KmipAttribute.NameOfReference)
            .ToList();
    }

    public Task AddAttributeAsync(string uniqueIdentifier, KmipAttribute attribute, CancellationToken ct = default) =>
        ExecuteAsync(KmipBatchItems.AddAttribute(Version, uniqueIdentifier, attribute), ct);

    public Task AddAttributeAsync(string uniqueIdentifier, string name, TtlvNode value, CancellationToken ct = default) =>
        AddAttributeAsync(uniqueIdentifier, new KmipAttribute(name, value), ct);

    public Task ActivateAsync(string uniqueIdentifier, CancellationToken ct = default) =>
        ExecuteAsync(KmipBatchItems.Activate(uniqueIdentifier), ct);

    public Task RevokeAsync(string uniqueIdentifier, RevocationReasonCode reason, string? message = null,
        DateTimeOffset? compromiseOccurrenceDate = null, CancellationToken ct = default) =>
        ExecuteAsync(KmipBatchItems.Revoke(uniqueIdentifier, reason, message, compromiseOccurrenceDate), ct);

    public Task DestroyAsync(string uniqueIdentifier, CancellationToken ct = default) =>
        ExecuteAsync(KmipBatchItems.Destroy(uniqueIdentifier), ct);

    /// <summary>Unique Identifiers of the objects whose attributes match.</summary>
    public async Task<IReadOnlyList<string>> LocateAsync(IEnumerable<KmipAttribute> attributes, int? maximumItems = null,
        int? offsetItems = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.Locate(Version, attributes, maximumItems, offsetItems), ct).ConfigureAwait(false);
        return item.ResponsePayload?.ChildrenOf(Tag.UniqueIdentifier).Select(i => i.AsText).ToList() ?? [];
    }

    // ---- cryptographic services: the payloads are the server's own records (Harness.Kmip.Payloads) ----------------

    private async Task<TtlvNode> PayloadAsync(Operation operation, TtlvNode request, CancellationToken ct) =>
        (await ExecuteAsync(new BatchItemRequest(operation, request), ct).ConfigureAwait(false)).ResponsePayload
        ?? throw new KmipException(ResultReason.InvalidMessage, $"the {operation} response has no payload");

    public async Task<RngRetrieveResponse> RngRetrieveAsync(RngRetrieveRequest request, CancellationToken ct = default) =>
        RngRetrieveResponse.From(await PayloadAsync(Operation.RNGRetrieve, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<RngSeedResponse> RngSeedAsync(RngSeedRequest request, CancellationToken ct = default) =>
        RngSeedResponse.From(await PayloadAsync(Operation.RNGSeed, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<HashResponse> HashAsync(HashRequest request, CancellationToken ct = default) =>
        HashResponse.From(await PayloadAsync(Operation.Hash, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<MacResponse> MacAsync(MacRequest request, CancellationToken ct = default) =>
        MacResponse.From(await PayloadAsync(Operation.MAC, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<MacVerifyResponse> MacVerifyAsync(MacVerifyRequest request, CancellationToken ct = default) =>
        MacVerifyResponse.From(await PayloadAsync(Operation.MACVerify, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<EncryptResponse> EncryptAsync(EncryptRequest request, CancellationToken ct = default) =>
        EncryptResponse.From(await PayloadAsync(Operation.Encrypt, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<DecryptResponse> DecryptAsync(DecryptRequest request, CancellationToken ct = default) =>
        DecryptResponse.From(await PayloadAsync(Operation.Decrypt, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<CreateKeyPairResponse> CreateKeyPairAsync(IEnumerable<KmipAttribute> common, IEnumerable<KmipAttribute>? privateKey = null,
        IEnumerable<KmipAttribute>? publicKey = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.CreateKeyPair(Version, common, privateKey, publicKey), ct).ConfigureAwait(false);
        return CreateKeyPairResponse.From(item.RequiredPayload);
    }

    /// <summary>Certify: the Unique Identifier of the new certificate (<see cref="KmipBatchItems.Certify"/>).</summary>
    public async Task<string> CertifyAsync(string? uniqueIdentifier, IEnumerable<KmipAttribute> attributes, byte[]? request = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.Certify(Version, uniqueIdentifier, attributes, request), ct).ConfigureAwait(false);
        return item.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
    }

    /// <summary>Re-certify: the Unique Identifier of the renewed certificate (<see cref="KmipBatchItems.ReCertify"/>).</summary>
    public async Task<string> ReCertifyAsync(string certificateUniqueIdentifier, IEnumerable<KmipAttribute>? attributes = null,
        string? certificateRequestUniqueIdentifier = null, uint? offset = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.ReCertify(Version, certificateUniqueIdentifier, attributes ?? [], certificateRequestUniqueIdentifier, offset), ct).ConfigureAwait(false);
        return item.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
    }

    public async Task<CreateKeyPairResponse> ReKeyKeyPairAsync(string privateKeyUniqueIdentifier, uint? offset = null, IEnumerable<KmipAttribute>? common = null,
        IEnumerable<KmipAttribute>? privateKey = null, IEnumerable<KmipAttribute>? publicKey = null, CancellationToken ct = default)
    {
        var item = await ExecuteAsync(KmipBatchItems.ReKeyKeyPair(Version, privateKeyUniqueIdentifier, offset, common, privateKey, publicKey), ct).ConfigureAwait(false);
        return CreateKeyPairResponse.From(item.RequiredPayload);
    }

    public async Task<SignResponse> SignAsync(SignRequest request, CancellationToken ct = default) =>
        SignResponse.From(await PayloadAsync(Operation.Sign, request.ToNode(), ct).ConfigureAwait(false));

    public async Task<SignatureVerifyResponse> SignatureVerifyAsync(SignatureVerifyRequest request, CancellationToken ct = default) =>
        SignatureVerifyResponse.From(await PayloadAsync(Operation.SignatureVerify, request.ToNode(), ct).ConfigureAwait(false));
}
