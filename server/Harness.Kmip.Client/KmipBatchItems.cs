namespace Harness.Kmip.Client;

/// <summary>
/// Request batch items for the common operations, shaped for the protocol version: KMIP 1.x carries attributes as
/// Attribute { Attribute Name, Attribute Value } (in a Template-Attribute for Create), KMIP 2.x under their own tags in
/// an Attributes structure (KMIP 2.1 §2.1, §6.1). Compose several into one message with <see cref="KmipRequests.Message(ProtocolVersion, KmipRequestOptions?, BatchItemRequest[])"/>.
/// A null Unique Identifier is left out, so the server uses the ID Placeholder (KMIP 1.4 §4).
/// </summary>
public static class KmipBatchItems
{
    /// <summary>Discover Versions (1.4 §4.26): the versions the client offers, preferred first; none asks for all.</summary>
    public static BatchItemRequest DiscoverVersions(IEnumerable<ProtocolVersion>? offered = null) =>
        new(Operation.DiscoverVersions, KmipRequests.Payload((offered ?? []).Select(v => v.ToTtlv()).ToArray()));

    /// <summary>Query (1.4 §4.25).</summary>
    public static BatchItemRequest Query(IEnumerable<QueryFunction> functions) =>
        new(Operation.Query, KmipRequests.Payload(functions.Select(f => TtlvNode.Enumeration(Tag.QueryFunction, f)).ToArray()));

    /// <summary>Create a Symmetric Key (1.4 §4.1, 2.1 §6.1.8).</summary>
    public static BatchItemRequest CreateSymmetricKey(ProtocolVersion version, IEnumerable<KmipAttribute> attributes) =>
        Create(version, ObjectType.SymmetricKey, attributes);

    public static BatchItemRequest Create(ProtocolVersion version, ObjectType objectType, IEnumerable<KmipAttribute> attributes) =>
        new(Operation.Create, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, objectType),
            version.UsesAttributesStructure
                ? TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a.ToV2()))
                : TtlvNode.Structure(Tag.TemplateAttribute, attributes.Select(a => a.ToV1()))));

    /// <summary>
    /// Create Key Pair (1.4 §4.2, 2.1 §6.1.9): attributes for both keys (Common Template-Attribute / Common Attributes)
    /// and for each key alone (Private / Public Key Template-Attribute or Attributes).
    /// </summary>
    public static BatchItemRequest CreateKeyPair(ProtocolVersion version, IEnumerable<KmipAttribute> common,
        IEnumerable<KmipAttribute>? privateKey = null, IEnumerable<KmipAttribute>? publicKey = null) =>
        new(Operation.CreateKeyPair, KmipRequests.Payload(KeyPairAttributes(version, common, privateKey, publicKey)));

    /// <summary>Re-key Key Pair (1.4 §4.5, 2.1 §6.1.47) of a private key (null: the ID Placeholder), with attributes as Create Key Pair's.</summary>
    public static BatchItemRequest ReKeyKeyPair(ProtocolVersion version, string? privateKeyUniqueIdentifier, uint? offset = null,
        IEnumerable<KmipAttribute>? common = null, IEnumerable<KmipAttribute>? privateKey = null, IEnumerable<KmipAttribute>? publicKey = null) =>
        new(Operation.ReKeyKeyPair, KmipRequests.Payload(new[]
        {
            privateKeyUniqueIdentifier is { } id ? TtlvNode.Text(Tag.PrivateKeyUniqueIdentifier, id) : null,
            offset is { } o ? TtlvNode.Interval(Tag.Offset, o) : null,
        }.Concat(KeyPairAttributes(version, common, privateKey, publicKey)).ToArray()));

    private static TtlvNode?[] KeyPairAttributes(ProtocolVersion version, IEnumerable<KmipAttribute>? common,
        IEnumerable<KmipAttribute>? privateKey, IEnumerable<KmipAttribute>? publicKey)
    {
        TtlvNode Group(Tag v1, Tag v2, IEnumerable<KmipAttribute>? attributes) => version.UsesAttributesStructure
            ? TtlvNode.Structure(v2, (attributes ?? []).Select(a => a.ToV2()))
            : TtlvNode.Structure(v1, (attributes ?? []).Select(a => a.ToV1()));
        return
        [
            Group(Tag.CommonTemplateAttribute, Tag.CommonAttributes, common),
            Group(Tag.PrivateKeyTemplateAttribute, Tag.PrivateKeyAttributes, privateKey),
            Group(Tag.PublicKeyTemplateAttribute, Tag.PublicKeyAttributes, publicKey),
        ];
    }

    /// <summary>
    /// Certify (1.4 §4.7, 2.1 §6.1.6) a public key or registered Certificate Request (<paramref name="uniqueIdentifier"/>;
    /// null: the ID Placeholder), or the PKCS#10 <paramref name="request"/> carried in the payload; the issuer is the
    /// private key a Private Key Link among the attributes names.
    /// </summary>
    public static BatchItemRequest Certify(ProtocolVersion version, string? uniqueIdentifier, IEnumerable<KmipAttribute> attributes,
        byte[]? request = null, CertificateRequestType requestType = CertificateRequestType.PKCS_10) =>
        new(Operation.Certify, KmipRequests.Payload(
            uniqueIdentifier is null ? null : TtlvNode.Text(Tag.UniqueIdentifier, uniqueIdentifier),
            request is null ? null : TtlvNode.Enumeration(Tag.CertificateRequestType, requestType),
            request is null ? null : TtlvNode.Bytes(version.UsesAttributesStructure ? Tag.CertificateRequestValue : Tag.CertificateRequest, request),
            Attributes(version, attributes)));

    /// <summary>Re-certify (1.4 §4.8, 2.1 §6.1.45) a certificate, by a registered Certificate Request (2.x) when given, with an Offset and attributes.</summary>
    public static BatchItemRequest ReCertify(ProtocolVersion version, string? certificateUniqueIdentifier, IEnumerable<KmipAttribute> attributes,
        string? certificateRequestUniqueIdentifier = null, uint? offset = null) =>
        new(Operation.ReCertify, KmipRequests.Payload(
            certificateUniqueIdentifier is null ? null : TtlvNode.Text(Tag.UniqueIdentifier, certificateUniqueIdentifier),
            certificateRequestUniqueIdentifier is null ? null : TtlvNode.Text(Tag.CertificateRequestUniqueIdentifier, certificateRequestUniqueIdentifier),
            offset is { } o ? TtlvNode.Interval(Tag.Offset, o) : null,
            Attributes(version, attributes)));

    /// <summary>The attributes of a request: a 1.x Template-Attribute or a 2.x Attributes structure.</summary>
    private static TtlvNode Attributes(ProtocolVersion version, IEnumerable<KmipAttribute> attributes) => version.UsesAttributesStructure
        ? TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a.ToV2()))
        : TtlvNode.Structure(Tag.TemplateAttribute, attributes.Select(a => a.ToV1()));

    /// <summary>Register (1.4 §4.3, 2.1 §6.1.42) a Symmetric Key of the given raw key material and algorithm, with attributes.</summary>
    public static BatchItemRequest RegisterSymmetricKey(ProtocolVersion version, CryptographicAlgorithm algorithm, byte[] material, IEnumerable<KmipAttribute> attributes) =>
        Register(version, ObjectType.SymmetricKey, Key(Tag.SymmetricKey, KeyFormatType.Raw, TtlvNode.Bytes(Tag.KeyMaterial, material), algorithm, material.Length * 8), attributes);

    /// <summary>Register (1.4 §4.3, 2.1 §6.1.42) an object (its structure: a Symmetric Key, Private Key, ...) with attributes.</summary>
    public static BatchItemRequest Register(ProtocolVersion version, ObjectType type, TtlvNode objectValue, IEnumerable<KmipAttribute> attributes) =>
        new(Operation.Register, KmipRequests.Payload(TtlvNode.Enumeration(Tag.ObjectType, type), Attributes(version, attributes), objectValue));

    /// <summary>A key object (<paramref name="objectTag"/>: Symmetric Key, Private Key, Public Key) of one Key Block with unwrapped material.</summary>
    public static TtlvNode Key(Tag objectTag, KeyFormatType format, TtlvNode keyMaterial, CryptographicAlgorithm algorithm, int length) =>
        TtlvNode.Structure(objectTag, TtlvNode.Structure(Tag.KeyBlock,
            TtlvNode.Enumeration(Tag.KeyFormatType, format),
            TtlvNode.Structure(Tag.KeyValue, keyMaterial),
            TtlvNode.Enumeration(Tag.CryptographicAlgorithm, algorithm),
            TtlvNode.Integer(Tag.CryptographicLength, length)));

    /// <summary>Get (1.4 §4.11): optionally in a given Key Format Type (vCenter asks for Raw).</summary>
    public static BatchItemRequest Get(string? uniqueIdentifier, KeyFormatType? keyFormat = null) =>
        new(Operation.Get, KmipRequests.Payload(
            Id(uniqueIdentifier),
            keyFormat is { } f ? TtlvNode.Enumeration(Tag.KeyFormatType, f) : null));

    /// <summary>Get Attributes (1.4 §4.12: Attribute Name*, 2.1 §6.1.20: Attribute Reference*). No names asks for all.</summary>
    public static BatchItemRequest GetAttributes(ProtocolVersion version, string? uniqueIdentifier, IEnumerable<string>? names = null) =>
        new(Operation.GetAttributes, KmipRequests.Payload(
            [Id(uniqueIdentifier), .. (names ?? []).Select(n => KmipAttribute.Reference(n, version))]));

    /// <summary>Get Attribute List (1.4 §4.13).</summary>
    public static BatchItemRequest GetAttributeList(string? uniqueIdentifier) =>
        new(Operation.GetAttributeList, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Add Attribute (1.4 §4.14: Attribute; 2.1 §6.1.2: New Attribute { the attribute }).</summary>
    public static BatchItemRequest AddAttribute(ProtocolVersion version, string? uniqueIdentifier, KmipAttribute attribute) =>
        new(Operation.AddAttribute, KmipRequests.Payload(
            Id(uniqueIdentifier),
            version.UsesAttributesStructure
                ? TtlvNode.Structure(Tag.NewAttribute, attribute.ToV2())
                : attribute.ToV1()));

    /// <summary>Activate (1.4 §4.19).</summary>
    public static BatchItemRequest Activate(string? uniqueIdentifier) =>
        new(Operation.Activate, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Revoke (1.4 §4.20): Revocation Reason { code, message }, and the Compromise Occurrence Date that the
    /// spec requires for the compromise reasons.</summary>
    public static BatchItemRequest Revoke(string? uniqueIdentifier, RevocationReasonCode reason, string? message = null,
        DateTimeOffset? compromiseOccurrenceDate = null) =>
        new(Operation.Revoke, KmipRequests.Payload(
            Id(uniqueIdentifier),
            TtlvNode.Structure(Tag.RevocationReason,
                TtlvNode.Enumeration(Tag.RevocationReasonCode, reason),
                message is null ? null : TtlvNode.Text(Tag.RevocationMessage, message)),
            compromiseOccurrenceDate is { } d ? TtlvNode.DateTime(Tag.CompromiseOccurrenceDate, d) : null));

    /// <summary>Destroy (1.4 §4.21).</summary>
    public static BatchItemRequest Destroy(string? uniqueIdentifier) =>
        new(Operation.Destroy, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Archive (1.4 §4.22, 2.1 §6.1.4): the object may go to archive storage.</summary>
    public static BatchItemRequest Archive(string? uniqueIdentifier) => new(Operation.Archive, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Recover (1.4 §4.23, 2.1 §6.1.43): an archived object back on line.</summary>
    public static BatchItemRequest Recover(string? uniqueIdentifier) => new(Operation.Recover, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Obtain Lease (1.4 §4.17, 2.1 §6.1.35): the response carries Lease Time and Last Change Date.</summary>
    public static BatchItemRequest ObtainLease(string? uniqueIdentifier) => new(Operation.ObtainLease, KmipRequests.Payload(Id(uniqueIdentifier)));

    /// <summary>Get Usage Allocation (1.4 §4.18, 2.1 §6.1.26) of <paramref name="count"/> from the key's Usage Limits.</summary>
    public static BatchItemRequest GetUsageAllocation(string? uniqueIdentifier, long? count) =>
        new(Operation.GetUsageAllocation, KmipRequests.Payload(Id(uniqueIdentifier), count is { } c ? TtlvNode.LongInteger(Tag.UsageLimitsCount, c) : null));

    /// <summary>Adjust Attribute (2.1 §6.1.3) of the attribute <paramref name="reference"/> (an Attribute Reference).</summary>
    public static BatchItemRequest AdjustAttribute(string? uniqueIdentifier, TtlvNode reference, AdjustmentType type, TtlvNode? value = null) =>
        new(Operation.AdjustAttribute, KmipRequests.Payload(Id(uniqueIdentifier), reference, TtlvNode.Enumeration(Tag.AdjustmentType, type),
            value?.WithTag(Tag.AdjustmentValue)));

    /// <summary>
    /// Derive Key (1.4 §4.6, 2.1 §6.1.20) of an object of <paramref name="type"/> from <paramref name="baseObjects"/> by
    /// <paramref name="method"/>; <paramref name="parameters"/> is the Derivation Parameters structure; the attributes
    /// carry the Cryptographic Length (and Algorithm, for a key).
    /// </summary>
    public static BatchItemRequest DeriveKey(ProtocolVersion version, ObjectType type, IEnumerable<string> baseObjects, DerivationMethod method,
        TtlvNode parameters, IEnumerable<KmipAttribute> attributes) =>
        new(Operation.DeriveKey, KmipRequests.Payload([
            TtlvNode.Enumeration(Tag.ObjectType, type),
            .. baseObjects.Select(id => TtlvNode.Text(Tag.UniqueIdentifier, id)),
            TtlvNode.Enumeration(Tag.DerivationMethod, method),
            parameters.WithTag(Tag.DerivationParameters),
            Attributes(version, attributes)]));

    /// <summary>Create Split Key (1.4 §4.38, 2.1 §6.1.12) of the key <paramref name="uniqueIdentifier"/> (null: a new key from the attributes).</summary>
    public static BatchItemRequest CreateSplitKey(ProtocolVersion version, string? uniqueIdentifier, int parts, int threshold, SplitKeyMethod method,
        byte[]? primeFieldSize = null, IEnumerable<KmipAttribute>? attributes = null) =>
        new(Operation.CreateSplitKey, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SplitKey),
            uniqueIdentifier is null ? null : TtlvNode.Text(Tag.UniqueIdentifier, uniqueIdentifier),
            TtlvNode.Integer(Tag.SplitKeyParts, parts), TtlvNode.Integer(Tag.SplitKeyThreshold, threshold),
            TtlvNode.Enumeration(Tag.SplitKeyMethod, method),
            primeFieldSize is null ? null : TtlvNode.BigInteger(Tag.PrimeFieldSize, primeFieldSize),
            Attributes(version, attributes ?? [])));

    /// <summary>Join Split Key (1.4 §4.39, 2.1 §6.1.30) of <paramref name="parts"/> into an object of <paramref name="type"/>.</summary>
    public static BatchItemRequest JoinSplitKey(ProtocolVersion version, ObjectType type, IEnumerable<string> parts, IEnumerable<KmipAttribute>? attributes = null) =>
        new(Operation.JoinSplitKey, KmipRequests.Payload([
            TtlvNode.Enumeration(Tag.ObjectType, type),
            .. parts.Select(id => TtlvNode.Text(Tag.UniqueIdentifier, id)),
            Attributes(version, attributes ?? [])]));

    /// <summary>Export (1.4 §4.40, 2.1 §6.1.21): the object, as Get would give it, with all its attributes.</summary>
    public static BatchItemRequest Export(string? uniqueIdentifier, KeyFormatType? keyFormat = null) =>
        new(Operation.Export, KmipRequests.Payload(Id(uniqueIdentifier), keyFormat is { } f ? TtlvNode.Enumeration(Tag.KeyFormatType, f) : null));

    /// <summary>
    /// Import (1.4 §4.41, 2.1 §6.1.29) of <paramref name="objectValue"/> under <paramref name="uniqueIdentifier"/> with
    /// its attributes (already in the version's form: 1.x Attribute items, or a 2.x Attributes structure).
    /// </summary>
    public static BatchItemRequest Import(string uniqueIdentifier, ObjectType type, TtlvNode objectValue, IEnumerable<TtlvNode> attributes,
        bool? replaceExisting = null, KeyWrapType? keyWrapType = null) =>
        new(Operation.Import, KmipRequests.Payload([
            TtlvNode.Text(Tag.UniqueIdentifier, uniqueIdentifier), TtlvNode.Enumeration(Tag.ObjectType, type),
            replaceExisting is { } r ? TtlvNode.Boolean(Tag.ReplaceExisting, r) : null,
            keyWrapType is { } w ? TtlvNode.Enumeration(Tag.KeyWrapType, w) : null,
            .. attributes, objectValue]));

    /// <summary>Login (2.1 §6.1.30): a ticket for later requests (<see cref="TicketCredential"/>), with a lease in seconds and a request count.</summary>
    public static BatchItemRequest Login(uint? leaseSeconds = null, int? requestCount = null) =>
        new(Operation.Login, KmipRequests.Payload(leaseSeconds is { } l ? TtlvNode.Interval(Tag.LeaseTime, l) : null,
            requestCount is { } c ? TtlvNode.Integer(Tag.RequestCount, c) : null));

    /// <summary>
    /// One Right of a delegated ticket (2.1 §7.34): the operations, objects and object groups it covers (null: any).
    /// </summary>
    public static TtlvNode Right(IEnumerable<Operation>? operations = null, IEnumerable<string>? objects = null, IEnumerable<string>? objectGroups = null) =>
        TtlvNode.Structure(Tag.Right,
            operations is null ? null : TtlvNode.Structure(Tag.Operations, operations.Select(o => TtlvNode.Enumeration(Tag.Operation, o))),
            objects is null ? null : TtlvNode.Structure(Tag.Objects, objects.Select(o => TtlvNode.Text(Tag.UniqueIdentifier, o))),
            objectGroups is null ? null : TtlvNode.Structure(Tag.ObjectGroups, objectGroups.Select(g => TtlvNode.Text(Tag.ObjectGroup, g))));

    /// <summary>Delegated Login (2.1 §6.1.12): a ticket another client may use to act as this one, within these Rights (<see cref="Right"/>).</summary>
    public static BatchItemRequest DelegatedLogin(IEnumerable<TtlvNode> rights, uint? leaseSeconds = null, int? requestCount = null) =>
        new(Operation.DelegatedLogin, KmipRequests.Payload(leaseSeconds is { } l ? TtlvNode.Interval(Tag.LeaseTime, l) : null,
            requestCount is { } c ? TtlvNode.Integer(Tag.RequestCount, c) : null, TtlvNode.Structure(Tag.Rights, rights)));

    /// <summary>PKCS#11 (2.1 §6.1.37): a PKCS#11 function (its 1-based position in CK_FUNCTION_LIST) in the session of <paramref name="correlationValue"/>.</summary>
    public static BatchItemRequest Pkcs11(uint function, byte[]? correlationValue = null, byte[]? inputParameters = null) =>
        new(Operation.PKCS_11, KmipRequests.Payload(TtlvNode.Enumeration(Tag.PKCS_11Function, function),
            correlationValue is null ? null : TtlvNode.Bytes(Tag.CorrelationValue, correlationValue),
            inputParameters is null ? null : TtlvNode.Bytes(Tag.PKCS_11InputParameters, inputParameters)));

    /// <summary>Logout (2.1 §6.1.31): ends the ticket.</summary>
    public static BatchItemRequest Logout(TicketCredential ticket) =>
        new(Operation.Logout, KmipRequests.Payload(TtlvNode.Structure(Tag.Ticket, TtlvNode.Enumeration(Tag.TicketType, ticket.TicketType),
            TtlvNode.Bytes(Tag.TicketValue, ticket.TicketValue))));

    /// <summary>Set Endpoint Role (2.1 §6.1.54): with Client, the server takes the client role on this connection once it answers (then sends Put and Notify).</summary>
    public static BatchItemRequest SetEndpointRole(EndpointRole role) =>
        new(Operation.SetEndpointRole, KmipRequests.Payload(TtlvNode.Enumeration(Tag.EndpointRole, role)));

    /// <summary>Ping (2.1 §6.1.36): is the server alive?</summary>
    public static BatchItemRequest Ping() => new(Operation.Ping, KmipRequests.Payload());

    /// <summary>Poll (1.4 §4.28, 2.1 §6.1.38): the answer to a request the server answered Operation Pending, or Pending again.</summary>
    public static BatchItemRequest Poll(byte[] asynchronousCorrelationValue) =>
        new(Operation.Poll, KmipRequests.Payload(TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, asynchronousCorrelationValue)));

    /// <summary>Cancel (1.4 §4.27, 2.1 §6.1.5): withdraw a pending request; the answer's Cancellation Result says what became of it.</summary>
    public static BatchItemRequest Cancel(byte[] asynchronousCorrelationValue) =>
        new(Operation.Cancel, KmipRequests.Payload(TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, asynchronousCorrelationValue)));

    /// <summary>Process (2.1 §6.1.39): the next Poll of this pending request answers with its result.</summary>
    public static BatchItemRequest Process(byte[] asynchronousCorrelationValue) =>
        new(Operation.Process, KmipRequests.Payload(TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, asynchronousCorrelationValue)));

    /// <summary>Query Asynchronous Requests (2.1 §6.1.41): the client's pending requests, filtered by correlation values and operations when given.</summary>
    public static BatchItemRequest QueryAsynchronousRequests(IEnumerable<byte[]>? asynchronousCorrelationValues = null, IEnumerable<Operation>? operations = null) =>
        new(Operation.QueryAsynchronousRequests, KmipRequests.Payload(
            asynchronousCorrelationValues is null ? null
                : TtlvNode.Structure(Tag.AsynchronousCorrelationValues, asynchronousCorrelationValues.Select(v => TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, v))),
            operations is null ? null : TtlvNode.Structure(Tag.Operations, operations.Select(o => TtlvNode.Enumeration(Tag.Operation, o)))));

    /// <summary>
    /// One Object Defaults or Constraint (2.1 §7.22, §7.6): for objects of <paramref name="types"/> (a Constraint may
    /// name none: every type), in <paramref name="objectGroups"/> when given, these attributes.
    /// </summary>
    public static TtlvNode ObjectRule(Tag tag, IEnumerable<ObjectType> types, IEnumerable<KmipAttribute> attributes, IEnumerable<string>? objectGroups = null)
    {
        var typeList = types.ToList();
        return TtlvNode.Structure(tag,
            typeList.Count == 1 && tag == Tag.ObjectDefaults ? TtlvNode.Enumeration(Tag.ObjectType, typeList[0])
                : typeList.Count == 0 ? null : TtlvNode.Structure(Tag.ObjectTypes, typeList.Select(t => TtlvNode.Enumeration(Tag.ObjectType, t))),
            objectGroups is null ? null : TtlvNode.Structure(Tag.ObjectGroups, objectGroups.Select(g => TtlvNode.Text(Tag.ObjectGroup, g))),
            TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a.ToV2())));
    }

    /// <summary>Set Defaults (2.1 §6.1.53) with these Object Defaults (<see cref="ObjectRule"/>); none removes the client's defaults.</summary>
    public static BatchItemRequest SetDefaults(IEnumerable<TtlvNode>? objectDefaults) => new(Operation.SetDefaults,
        KmipRequests.Payload(objectDefaults is null ? null : TtlvNode.Structure(Tag.DefaultsInformation, objectDefaults)));

    /// <summary>Set Constraints (2.1 §6.1.52) with these Constraint structures (<see cref="ObjectRule"/>); none removes them.</summary>
    public static BatchItemRequest SetConstraints(IEnumerable<TtlvNode> constraints) =>
        new(Operation.SetConstraints, KmipRequests.Payload(TtlvNode.Structure(Tag.Constraints, constraints)));

    /// <summary>Get Constraints (2.1 §6.1.22).</summary>
    public static BatchItemRequest GetConstraints() => new(Operation.GetConstraints, KmipRequests.Payload());

    /// <summary>Locate (1.4 §4.9: Attribute*; 2.1 §6.1.28: Attributes { … }).</summary>
    public static BatchItemRequest Locate(ProtocolVersion version, IEnumerable<KmipAttribute> attributes, int? maximumItems = null, int? offsetItems = null)
    {
        var list = attributes.ToList();
        TtlvNode?[] fields =
        [
            maximumItems is { } max ? TtlvNode.Integer(Tag.MaximumItems, max) : null,
            offsetItems is { } offset ? TtlvNode.Integer(Tag.OffsetItems, offset) : null,
            .. version.UsesAttributesStructure
                ? [TtlvNode.Structure(Tag.Attributes, list.Select(a => a.ToV2()))]
                : list.Select(a => a.ToV1()),
        ];
        return new BatchItemRequest(Operation.Locate, KmipRequests.Payload(fields));
    }

    private static TtlvNode? Id(string? uniqueIdentifier) =>
        uniqueIdentifier is null ? null : TtlvNode.Text(Tag.UniqueIdentifier, uniqueIdentifier);
}
