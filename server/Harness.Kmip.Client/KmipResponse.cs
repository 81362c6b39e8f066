namespace Harness.Kmip.Client;

/// <summary>A parsed Response Message (KMIP 1.4 §7.2, Tables 284–285). The decoded tree stays available as <see cref="Message"/>.</summary>
public sealed class KmipResponse
{
    private KmipResponse(TtlvNode message, ProtocolVersion version, DateTimeOffset? timeStamp, int batchCount, IReadOnlyList<ResponseBatchItem> items)
    {
        Message = message;
        ProtocolVersion = version;
        TimeStamp = timeStamp;
        BatchCount = batchCount;
        BatchItems = items;
    }

    public TtlvNode Message { get; }
    public ProtocolVersion ProtocolVersion { get; }

    /// <summary>Time Stamp of the Response Header (REQUIRED by the spec; null when a server leaves it out).</summary>
    public DateTimeOffset? TimeStamp { get; }

    /// <summary>Server Correlation Value (1.4 §6.19): the server's name for the request, when it gives one.</summary>
    public string? ServerCorrelationValue => Message.Child(Tag.ResponseHeader)?.Child(Tag.ServerCorrelationValue) is { Type: ItemType.TextString } v ? v.AsText : null;

    /// <summary>Batch Count as the header states it (which may differ from <see cref="BatchItems"/>.Count on a faulty server).</summary>
    public int BatchCount { get; }

    public IReadOnlyList<ResponseBatchItem> BatchItems { get; }

    /// <summary>Reads a Response Message. Throws <see cref="KmipException"/> (Invalid Message) when it is not one.</summary>
    public static KmipResponse Parse(TtlvNode message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Tag != Tag.ResponseMessage || message.Type != ItemType.Structure)
            throw new KmipException(ResultReason.InvalidMessage, $"expected a Response Message structure, got {TagNames.Name(message.RawTag)} ({message.Type})");
        var header = message.Child(Tag.ResponseHeader)
                     ?? throw new KmipException(ResultReason.InvalidMessage, "the Response Message has no Response Header");
        var version = ProtocolVersion.FromTtlv(header.Required(Tag.ProtocolVersion));
        var stamp = header.Child(Tag.TimeStamp) is { Type: ItemType.DateTime } ts ? ts.AsDateTime : (DateTimeOffset?)null;
        var count = header.Required(Tag.BatchCount).AsInt32;
        var items = message.ChildrenOf(Tag.BatchItem).Select(ResponseBatchItem.Parse).ToList();
        return new KmipResponse(message, version, stamp, count, items);
    }

    /// <summary>Throws <see cref="KmipOperationException"/> for the first batch item that did not succeed.</summary>
    public KmipResponse EnsureSuccess()
    {
        foreach (var item in BatchItems) item.EnsureSuccess();
        return this;
    }

    private static readonly HashSet<Operation> Making =
        [Operation.Create, Operation.Register, Operation.CreateKeyPair, Operation.ReKey, Operation.ReKeyKeyPair, Operation.DeriveKey, Operation.Certify, Operation.ReCertify];

    private static readonly Tag[] MadeObjectTags = [Tag.UniqueIdentifier, Tag.PrivateKeyUniqueIdentifier, Tag.PublicKeyUniqueIdentifier];

    /// <summary>The Unique Identifiers of the objects this response says the server made (Create, Register, Re-key, …).</summary>
    public IEnumerable<string> MadeObjectIds() =>
        from item in BatchItems
        where item is { IsSuccess: true, Operation: { } op, ResponsePayload: not null } && Making.Contains(op)
        from tag in MadeObjectTags
        let id = item.ResponsePayload!.Child(tag)
        where id is { Type: ItemType.TextString }
        select id.AsText;

    /// <summary>The first batch item that did not succeed, or null.</summary>
    public ResponseBatchItem? FirstError => BatchItems.FirstOrDefault(i => !i.IsSuccess);

    /// <summary>The batch item whose Unique Batch Item ID is <paramref name="uniqueBatchItemId"/>.</summary>
    public ResponseBatchItem ItemFor(byte[] uniqueBatchItemId) =>
        BatchItems.FirstOrDefault(i => i.UniqueBatchItemId is { } id && id.AsSpan().SequenceEqual(uniqueBatchItemId))
        ?? throw new KmipException(ResultReason.InvalidMessage, $"the response has no batch item with Unique Batch Item ID {Convert.ToHexString(uniqueBatchItemId)}");

    public override string ToString() => Message.ToString();
}

/// <summary>One Response Batch Item (KMIP 1.4 §7.2, Table 285).</summary>
public sealed record ResponseBatchItem(
    Operation? Operation,
    byte[]? UniqueBatchItemId,
    ResultStatus ResultStatus,
    ResultReason? ResultReason,
    string? ResultMessage,
    TtlvNode? ResponsePayload,
    byte[]? AsynchronousCorrelationValue = null)
{
    public bool IsSuccess => ResultStatus == ResultStatus.Success;

    /// <summary>The server will answer later: Poll (or Cancel) with <see cref="AsynchronousCorrelationValue"/>.</summary>
    public bool IsPending => ResultStatus == ResultStatus.OperationPending;

    public static ResponseBatchItem Parse(TtlvNode item) => new(
        item.Child(Tag.Operation)?.AsEnumOf<Operation>(),
        item.Child(Tag.UniqueBatchItemID)?.AsBytes,
        item.Required(Tag.ResultStatus).AsEnumOf<ResultStatus>(),
        item.Child(Tag.ResultReason)?.AsEnumOf<ResultReason>(),
        item.Child(Tag.ResultMessage)?.AsText,
        item.Child(Tag.ResponsePayload),
        item.Child(Tag.AsynchronousCorrelationValue)?.AsBytes);

    /// <summary>Returns this item when it succeeded, else throws <see cref="KmipOperationException"/> with its Result Reason.</summary>
    public ResponseBatchItem EnsureSuccess() => IsSuccess ? this : throw new KmipOperationException(this);

    /// <summary>
    /// The State a Get Attributes "State" answer carries, by name ("PreActive", "Active", …; a value that is not an
    /// enumeration as its text), or null when the payload holds none (KMIP 1.x Attribute Value, or 2.x State).
    /// </summary>
    public string? StateValue() =>
        ResponsePayload?.Descendants().FirstOrDefault(n => n.Tag is Tag.AttributeValue or Tag.State) is { } value
            ? value.Type == ItemType.Enumeration ? ((State)value.AsEnum).ToString() : value.ValueText()
            : null;

    /// <summary>The Response Payload, or an Invalid Message error naming the operation when the server sent none.</summary>
    public TtlvNode RequiredPayload => ResponsePayload
        ?? throw new KmipException(Kmip.ResultReason.InvalidMessage, $"the {Operation?.ToString() ?? "response"} batch item has no Response Payload");
}

/// <summary>A batch item came back with a Result Status other than Success.</summary>
public sealed class KmipOperationException(ResponseBatchItem item)
    : KmipException(item.ResultReason ?? ResultReason.GeneralFailure, Describe(item))
{
    public ResponseBatchItem Item { get; } = item;
    public ResultStatus ResultStatus => Item.ResultStatus;
    public Operation? Operation => Item.Operation;

    /// <summary>The server's Result Message as sent.</summary>
    public string? ResultMessage => Item.ResultMessage;

    private static string Describe(ResponseBatchItem item)
    {
        var op = item.Operation?.ToString() ?? "operation";
        var reason = item.ResultReason?.ToString() ?? "no Result Reason";
        var message = string.IsNullOrEmpty(item.ResultMessage) ? "" : $": {item.ResultMessage}";
        return $"{op} {item.ResultStatus} ({reason}){message}";
    }
}
