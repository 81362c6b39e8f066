using Harness.Kmip.Server.Operations;
using Harness.Kmip.Server.Storage;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>The outcome of one request message: the response, and the durable commit it must wait for.</summary>
public readonly record struct ProcessedMessage(TtlvNode Response, Task Durable)
{
    /// <summary>Set Endpoint Role asked the server to take the client role on this connection once it has answered (in <see cref="Version"/>).</summary>
    public bool ServerTakesClientRole { get; init; }

    /// <summary>The protocol version of the answer.</summary>
    public ProtocolVersion Version { get; init; }
}

/// <summary>
/// The message layer (KMIP 1.4 §6–7, 2.1 §8–9): reads the request header, runs the batch items in order with the
/// Batch Error Continuation Option, echoes Unique Batch Item IDs, applies the Maximum Response Size, and builds the
/// response header in the request's protocol version. Every failure becomes a failed batch item here, in one place.
/// </summary>
public sealed class MessageProcessor(KmsState kms)
{
    private static readonly ProtocolVersion Fallback = ProtocolVersion.V1_4;

    /// <summary>Runs the message; a message that changes objects waits for the write lock.</summary>
    /// <param name="connectionCanTurn">whether the connection can carry the server's requests afterwards (Set Endpoint Role): not over HTTPS.</param>
    public ProcessedMessage Process(TtlvNode request, ClientIdentity client, bool connectionCanTurn = true) =>
        Process(request, client, waitForWriter: true, connectionCanTurn)!.Value;

    /// <summary>
    /// Runs the message unless it changes objects while another message holds the write lock: then nothing has run and
    /// the answer is null. A socket event thread calls this: it serves every connection's events, so it must not wait
    /// for a long batch of another client's to finish (that stalled every connection on the thread).
    /// </summary>
    public ProcessedMessage? TryProcessWithoutWaiting(TtlvNode request, ClientIdentity client, bool connectionCanTurn = true) =>
        Process(request, client, waitForWriter: false, connectionCanTurn);

    private ProcessedMessage? Process(TtlvNode request, ClientIdentity client, bool waitForWriter, bool connectionCanTurn)
    {
        ProtocolVersion version = Fallback;
        try
        {
            if (request.Tag != Tag.RequestMessage || request.Type != ItemType.Structure)
                throw new KmipException(ResultReason.InvalidMessage, $"expected a RequestMessage, got {TagNames.Name(request.RawTag)}");
            var header = request.Child(Tag.RequestHeader)
                         ?? throw new KmipException(ResultReason.InvalidMessage, "the Request Header is missing");
            var versionNode = header.Child(Tag.ProtocolVersion)
                              ?? throw new KmipException(ResultReason.InvalidMessage, "the Protocol Version is missing from the Request Header");
            version = ProtocolVersion.Parse(versionNode);
            if (!version.IsSupported)
            {
                var requested = version;
                version = ProtocolVersion.Supported.FirstOrDefault(v => v.Major == requested.Major && v < requested, Fallback);
                if (requested.IsV2 && !version.IsV2) version = ProtocolVersion.V2_1;
                throw new KmipException(version.IsV2 ? ResultReason.UnsupportedProtocolVersion : ResultReason.InvalidMessage,
                    $"protocol version {requested} is not supported; this server speaks {string.Join(", ", ProtocolVersion.Supported)}");
            }
            Validation.CheckTree(header);
            var (runAs, rights) = kms.Credentials.Authenticate(header, client);
            return ProcessBatch(request, header, runAs, rights, version, waitForWriter, connectionCanTurn);
        }
        catch (KmipException ex)
        {
            if (kms.RequestLog.Allow()) kms.Log.LogWarning("request from {Client} rejected: {Reason}: {Message}", LogText.Of(client.Subject), ex.Reason, LogText.Of(ex.Message));
            return new ProcessedMessage(Response(version, [FailedItem(null, null, ex)]), Task.CompletedTask);
        }
        catch (Exception ex)
        {
            // A bug must not cost the client its connection: it gets a General Failure, the log gets the stack trace.
            kms.Log.LogError(ex, "request from {Client} failed unexpectedly: {Message}", LogText.Of(client.Subject), LogText.Of(ex.Message));
            return new ProcessedMessage(Response(version, [FailedItem(null, null, new UnexpectedFailure(null, ex))]), Task.CompletedTask);
        }
    }

    /// <summary>An exception an operation did not expect (a server bug, or input no check caught): General Failure.</summary>
    private sealed class UnexpectedFailure(Operation? operation, Exception cause) : KmipException(ResultReason.GeneralFailure,
        $"the server could not process the {(operation is null ? "request" : operation + " request")}: {cause.GetType().Name}: {cause.Message}")
    {
        public Exception Cause { get; } = cause;
    }

    /// <summary>A response that fails the whole message (bytes that could not be decoded, storage that failed), stamped with the server's clock.</summary>
    public TtlvNode FailureResponse(ResultReason reason, string message) =>
        Response(Fallback, [FailedItem(null, null, new KmipException(reason, message))]);

    private ProcessedMessage? ProcessBatch(TtlvNode request, TtlvNode header, ClientIdentity client, TicketRights? rights, ProtocolVersion version, bool waitForWriter, bool connectionCanTurn)
    {
        var items = new List<TtlvNode>(1);
        foreach (var child in request.Children)
        {
            if (child.Tag == Tag.BatchItem) items.Add(child);
            else if (child.Tag != Tag.RequestHeader)
                throw new KmipException(ResultReason.InvalidMessage, $"unexpected {TagNames.Name(child.RawTag)} in the Request Message");
        }
        var countNode = header.Child(Tag.BatchCount)
                        ?? throw new KmipException(ResultReason.InvalidMessage, "the Batch Count is missing from the Request Header");
        if (countNode.AsInt32 != items.Count)
            throw new KmipException(ResultReason.InvalidMessage, $"Batch Count is {countNode.AsInt32} but the message has {items.Count} batch items");
        if (items.Count == 0) throw new KmipException(ResultReason.InvalidMessage, "the message has no batch items");
        if (items.Count > kms.Options.MaxBatchItems)
            throw ServerLimits.Exceeded(version, $"the message has {items.Count} batch items; this server takes at most {kms.Options.MaxBatchItems} per message");
        CheckMessageExtensions(header, items, version);
        var continuation = header.Child(Tag.BatchErrorContinuationOption)?.AsEnumOf<BatchErrorContinuationOption>()
                           ?? BatchErrorContinuationOption.Stop;
        var asynchronous = AsynchronousIndicatorOf(header);
        // Attestation (KMIP 1.4 §6.17): checked only when the batch has an operation that needs it.
        bool needsAttestation = kms.Options.AttestationRequiredFor.Count > 0 && items.Any(i => i.Child(Tag.Operation) is { Type: ItemType.Enumeration } o && kms.Options.AttestationRequiredFor.Contains(o.AsEnumOf<Operation>()));
        bool attested = needsAttestation && kms.Credentials.Attested(header);
        bool attestationCapable = header.Child(Tag.AttestationCapableIndicator) is { Type: ItemType.Boolean } capable && capable.AsBoolean;
        TtlvNode? nonce = null;
        // KMIP 1.4 §6.18–6.19: a client that names its request (Client Correlation Value) gets the server's name for it,
        // globally unique, and both are in the server's log lines about it. Clients that send none get none, as
        // before 1.4 (PyKMIP 0.10 reads no Server Correlation Value in a response header).
        var clientCorrelation = header.Child(Tag.ClientCorrelationValue) is { Type: ItemType.TextString } cc ? cc.AsText : null;
        var serverCorrelation = clientCorrelation is not null && version >= ProtocolVersion.V1_4 ? Guid.CreateVersion7().ToString() : null;
        var correlation = serverCorrelation is null ? "" : $" [client correlation \"{LogText.Of(clientCorrelation!)}\", server correlation {serverCorrelation}]";
        int? requestedMax = header.Child(Tag.MaximumResponseSize)?.AsInt32;
        int maxResponse = Math.Min(requestedMax ?? int.MaxValue, kms.Options.MaxResponseLength);

        // Resolve operations first: a message that changes objects runs as a whole under the write lock.
        var resolved = new ResolvedItem[items.Count];
        bool changes = false;
        for (int i = 0; i < resolved.Length; i++)
        {
            var r = resolved[i] = Resolve(items[i], version);
            changes = changes || (r.Operation is not null && r.Operation.MayChange(kms, r.Payload!));
        }
        var ctx = new RequestContext(kms, client, version, kms.Time.GetUtcNow()) { HoldsWriteLock = changes, Rights = rights, ConnectionCanTurn = connectionCanTurn };
        var responses = new List<TtlvNode>();
        ObjectStore.Publication publication = default;
        long length = 64; // the response header
        KmipException? tooLarge = null;
        var pendingHere = new List<byte[]>(0); // asynchronous requests this message submitted: withdrawn again on Undo

        void RunAll()
        {
            for (int i = 0; i < items.Count; i++)
            {
                var (op, opEnum, batchId, payload, error) = resolved[i];
                try
                {
                    if (error is not null) throw error;
                    if (tooLarge is not null) throw tooLarge; // a response item before this one crossed the limit: not run
                    if (rights is not null && !rights.Allows(opEnum!.Value))
                        throw new KmipException(ResultReason.PermissionDenied, $"the delegated ticket's Rights do not allow {opEnum}");
                    ctx.Operation = opEnum!.Value;
                    if (!attested && kms.Options.AttestationRequiredFor.Contains(opEnum.Value))
                    {
                        if (!attestationCapable)
                            throw new KmipException(ResultReason.PermissionDenied, $"{opEnum} needs the client's attestation, and the request says the client cannot attest (Attestation Capable Indicator)");
                        nonce ??= kms.Credentials.IssueNonce();
                        throw new KmipException(ResultReason.AttestationRequired, $"{opEnum} needs the client's attestation: send the request again with an Attestation credential on the Nonce in this response's header");
                    }
                    TtlvNode item;
                    if (RunsAsynchronously(op!, asynchronous) && kms.Asynchronous.Submit(client.Id, op!, payload!, ctx.Now, kms.Options.AsynchronousDelay) is { } submitted)
                    {
                        item = PendingItem(opEnum, batchId, submitted.CorrelationValue);
                        pendingHere.Add(submitted.CorrelationValue);
                    }
                    else
                    {
                        ctx.ServesArchived = op!.ServesArchived;
                        try { item = SuccessItem(opEnum, batchId, op.Execute(ctx, payload!)); }
                        catch (OperationPending pending) { item = PendingItem(opEnum, batchId, pending.CorrelationValue); }
                        catch (Exception ex) when (ex is not KmipException) { throw new UnexpectedFailure(opEnum, ex); }
                    }
                    length += TtlvWriter.EncodedLength(item);
                    if (length > maxResponse)
                    {
                        string limitName = requestedMax is { } r && r <= kms.Options.MaxResponseLength
                            ? $"the Maximum Response Size of {r:N0}" : $"this server's largest response of {kms.Options.MaxResponseLength:N0} bytes";
                        tooLarge = new KmipException(ResultReason.ResponseTooLarge,
                            $"the response would be more than {limitName}: batch item {i + 1} crossed it, the items after it were not run");
                        throw tooLarge;
                    }
                    responses.Add(item);
                }
                catch (KmipException ex)
                {
                    if (ex is UnexpectedFailure unexpected)
                        kms.Log.LogError(unexpected.Cause, "{Operation} from {Client} failed unexpectedly: {Message}{Correlation}", opEnum?.ToString() ?? "(none)", LogText.Of(client.Subject), LogText.Of(ex.Message), correlation);
                    else if (kms.RequestLog.Allow())
                        kms.Log.LogInformation("{Operation} from {Client} failed: {Reason}: {Message}{Correlation}", opEnum?.ToString() ?? "(none)", LogText.Of(client.Subject), ex.Reason, LogText.Of(ex.Message), correlation);
                    responses.Add(FailedItem(opEnum, batchId, ex));
                    if (continuation == BatchErrorContinuationOption.Continue) continue;
                    if (continuation == BatchErrorContinuationOption.Undo)
                    {
                        ctx.Changes.Discard();
                        foreach (var correlation in pendingHere) kms.Asynchronous.Cancel(correlation, client.Id);
                        ctx.ForgetCheckedBytes();
                        for (int j = 0; j < responses.Count - 1; j++) responses[j] = Undone(responses[j]);
                    }
                    break;
                }
            }
            if (!ctx.Changes.IsEmpty) publication = kms.Store.Publish(ctx.Changes.Staged);
        }

        if (changes)
        {
            if (waitForWriter) Monitor.Enter(kms.Store.WriteLock);
            else if (!Monitor.TryEnter(kms.Store.WriteLock)) return null;
            try { RunAll(); }
            finally { Monitor.Exit(kms.Store.WriteLock); }
        }
        else RunAll();

        var response = Response(version, responses, ctx.Now, serverCorrelation, nonce);
        return new ProcessedMessage(response, publication.CommitAsync()) { ServerTakesClientRole = ctx.ServerTakesClientRole, Version = version };
    }

    /// <summary>
    /// The request header's Asynchronous Indicator (KMIP 1.4 §6.7: a Boolean; 2.1 §9.2: an enumeration): absent or
    /// False means Prohibited, True means Optional.
    /// </summary>
    private static AsynchronousIndicator AsynchronousIndicatorOf(TtlvNode header) => header.Child(Tag.AsynchronousIndicator) switch
    {
        null => AsynchronousIndicator.Prohibited,
        { Type: ItemType.Boolean } b => b.AsBoolean ? AsynchronousIndicator.Optional : AsynchronousIndicator.Prohibited,
        { Type: ItemType.Enumeration } e when Enum.IsDefined(e.AsEnumOf<AsynchronousIndicator>()) => e.AsEnumOf<AsynchronousIndicator>(),
        { Type: ItemType.Enumeration } e => throw new KmipException(ResultReason.InvalidField, $"0x{e.AsEnum:X8} is not an Asynchronous Indicator"),
        var other => throw new KmipException(ResultReason.InvalidField, $"Asynchronous Indicator is a {other.Type}, expected a Boolean (KMIP 1.x) or an Enumeration (2.x)"),
    };

    /// <summary>
    /// Whether a batch item is answered Operation Pending: every one that may be when the client makes it Mandatory, the
    /// server's slow operations (<see cref="KmipServerOptions.AsynchronousOperations"/>) when it is Optional.
    /// </summary>
    private bool RunsAsynchronously(KmipOperation op, AsynchronousIndicator indicator) => op.MayRunAsynchronously && indicator switch
    {
        AsynchronousIndicator.Mandatory => true,
        AsynchronousIndicator.Optional => kms.Options.AsynchronousOperations.Contains(op.Operation),
        _ => false,
    };

    /// <summary>
    /// Message Extensions (KMIP 1.4 §6.16, 2.1 §9.13) belong at the end of a batch item. This server understands none:
    /// a critical one rejects the entire message before anything runs (Feature Not Supported in KMIP 1.x, Unknown Message
    /// Extension from 2.0); a non-critical one is
    /// ignored. One anywhere else in the message, or without its three fields, makes the message invalid.
    /// </summary>
    private static void CheckMessageExtensions(TtlvNode header, IReadOnlyList<TtlvNode> items, ProtocolVersion version)
    {
        if (header.Child(Tag.MessageExtension) is not null)
            throw new KmipException(ResultReason.InvalidMessage, "a Message Extension belongs in a Batch Item, not in the Request Header");
        for (int i = 0; i < items.Count; i++)
        {
            var extension = items[i].Child(Tag.MessageExtension);
            if (extension is null) continue;
            int count = items[i].ChildrenOf(Tag.MessageExtension).Count();
            if (count > 1)
                throw new KmipException(ResultReason.InvalidMessage, $"batch item {i + 1} has {count} Message Extensions; at most one is allowed");
            if (!ReferenceEquals(items[i].Items[^1], extension))
                throw new KmipException(ResultReason.InvalidMessage, $"the Message Extension of batch item {i + 1} must be its last field");
            var vendor = extension.Child(Tag.VendorIdentification);
            var critical = extension.Child(Tag.CriticalityIndicator);
            if (extension.Type != ItemType.Structure || vendor is not { Type: ItemType.TextString } || critical is not { Type: ItemType.Boolean }
                || extension.Child(Tag.VendorExtension) is not { Type: ItemType.Structure })
                throw new KmipException(ResultReason.InvalidMessage,
                    $"the Message Extension of batch item {i + 1} needs a Vendor Identification (Text String), a Criticality Indicator (Boolean) and a Vendor Extension (Structure)");
            if (critical.AsBoolean)
                throw new KmipException(version.IsV2 ? ResultReason.UnknownMessageExtension : ResultReason.FeatureNotSupported,
                    $"batch item {i + 1} carries a critical Message Extension from vendor \"{Truncate(vendor.AsText, 64)}\" that this server does not understand; nothing in the message was done");
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private readonly record struct ResolvedItem(KmipOperation? Operation, Operation? OperationEnum, byte[]? BatchId, TtlvNode? Payload, KmipException? Error);

    private ResolvedItem Resolve(TtlvNode item, ProtocolVersion version)
    {
        byte[]? batchId = null;
        Operation? opEnum = null;
        try
        {
            batchId = item.Child(Tag.UniqueBatchItemID)?.AsBytes;
            var opNode = item.Child(Tag.Operation)
                         ?? throw new KmipException(ResultReason.InvalidMessage, "a batch item has no Operation");
            if (opNode.Type != ItemType.Enumeration)
                throw new KmipException(ResultReason.InvalidField, $"Operation is a {opNode.Type}, expected an Enumeration");
            if (!Enum.IsDefined(opNode.AsEnumOf<Operation>()))
                throw new KmipException(ResultReason.InvalidField, $"0x{opNode.AsEnum:X8} is not a KMIP operation");
            opEnum = opNode.AsEnumOf<Operation>();
            if (!kms.Operations.TryGetValue(opEnum.Value, out var op) || version < op.Since)
                throw new KmipException(ResultReason.OperationNotSupported,
                    op is null ? $"operation {opEnum} is not supported by this server" : $"operation {opEnum} is not defined in KMIP {version}");
            var payload = item.Child(Tag.RequestPayload)
                          ?? throw new KmipException(ResultReason.InvalidMessage, $"the {opEnum} batch item has no Request Payload");
            Validation.CheckTree(payload);
            return new ResolvedItem(op, opEnum, batchId, payload, null);
        }
        catch (KmipException ex)
        {
            return new ResolvedItem(null, opEnum, batchId, null, ex);
        }
    }

    private static TtlvNode SuccessItem(Operation? op, byte[]? batchId, TtlvNode payload) => TtlvNode.Structure(Tag.BatchItem,
        op is null ? null : TtlvNode.Enumeration(Tag.Operation, op.Value),
        batchId is null ? null : TtlvNode.Bytes(Tag.UniqueBatchItemID, batchId),
        TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.Success),
        payload.Tag == Tag.ResponsePayload ? payload : payload.WithTag(Tag.ResponsePayload));

    /// <summary>A batch item the server will answer later (KMIP 2.1 §9.1): Operation Pending with its Asynchronous Correlation Value, no payload.</summary>
    private static TtlvNode PendingItem(Operation? op, byte[]? batchId, byte[] correlation) => TtlvNode.Structure(Tag.BatchItem,
        op is null ? null : TtlvNode.Enumeration(Tag.Operation, op.Value),
        batchId is null ? null : TtlvNode.Bytes(Tag.UniqueBatchItemID, batchId),
        TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.OperationPending),
        TtlvNode.Bytes(Tag.AsynchronousCorrelationValue, correlation));

    private static TtlvNode FailedItem(Operation? op, byte[]? batchId, KmipException ex) => TtlvNode.Structure(Tag.BatchItem,
        op is null ? null : TtlvNode.Enumeration(Tag.Operation, op.Value),
        batchId is null ? null : TtlvNode.Bytes(Tag.UniqueBatchItemID, batchId),
        TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.OperationFailed),
        TtlvNode.Enumeration(Tag.ResultReason, ex.Reason),
        TtlvNode.Text(Tag.ResultMessage, ex.Message));

    /// <summary>A batch item whose effects were rolled back (Batch Error Continuation Option Undo): status Operation Undone, payload kept.</summary>
    private static TtlvNode Undone(TtlvNode item) => TtlvNode.Structure(Tag.BatchItem,
        item.Items.Select(c => c.Tag == Tag.ResultStatus ? TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.OperationUndone) : c));

    private TtlvNode Response(ProtocolVersion version, IReadOnlyList<TtlvNode> items) => Response(version, items, kms.Time.GetUtcNow());

    private static TtlvNode Response(ProtocolVersion version, IReadOnlyList<TtlvNode> items, DateTimeOffset now, string? serverCorrelation = null, TtlvNode? nonce = null)
    {
        var children = new TtlvNode[items.Count + 1];
        children[0] = TtlvNode.Structure(Tag.ResponseHeader,
            version.ToNode(),
            TtlvNode.DateTime(Tag.TimeStamp, now),
            nonce,
            nonce is null ? null : TtlvNode.Enumeration(Tag.AttestationType, AttestationType.TPMQuote),
            serverCorrelation is null ? null : TtlvNode.Text(Tag.ServerCorrelationValue, serverCorrelation),
            TtlvNode.Integer(Tag.BatchCount, items.Count));
        for (int i = 0; i < items.Count; i++) children[i + 1] = items[i];
        return TtlvNode.Structure(Tag.ResponseMessage, children);
    }
}
