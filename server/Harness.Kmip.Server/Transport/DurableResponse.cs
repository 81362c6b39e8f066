using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// What both bindings (TTLV over TLS, and HTTPS) do with a decoded request message: run it for the client, then wait
/// until the changes it reports are durable before the response may go out. When the store fails, the client gets a
/// General Failure instead of a success it could not rely on.
/// </summary>
internal static class DurableResponse
{
    /// <param name="length">the request's encoded length, one of the signs that it may run long.</param>
    /// <param name="processed">
    /// told of the processed message before its durability is awaited (Set Endpoint Role's turn); a binding without it
    /// cannot turn its connection (each HTTPS request is its own exchange).
    /// </param>
    public static async ValueTask<TtlvNode> ForAsync(KmsState kms, MessageProcessor processor, TtlvNode request, int length, ClientIdentity client,
        Action<ProcessedMessage>? processed = null)
    {
        try { return await RunAsync(kms, processor, request, length, client, processed).ConfigureAwait(false); }
        catch (Harness.Kmip.Server.Storage.ConcurrentChangeException first) when (OnlyReads(request))
        {
            // Another KMS node changed an object this message only read (a Get's change is the key's Fresh attribute
            // going False, and two nodes serving a new key at once both make it): nothing of it was stored, so it runs
            // once more on what that node stored.
            kms.Log.LogInformation("the request of {Client} runs again: {Message}", LogText.Of(client.Subject), first.Message);
            try { return await RunAsync(kms, processor, request, length, client, processed).ConfigureAwait(false); }
            catch (Harness.Kmip.Server.Storage.ConcurrentChangeException ex) { return Refused(kms, processor, client, ex); }
        }
        catch (Harness.Kmip.Server.Storage.ConcurrentChangeException ex) { return Refused(kms, processor, client, ex); }
    }

    private static TtlvNode Refused(KmsState kms, MessageProcessor processor, ClientIdentity client, Harness.Kmip.Server.Storage.ConcurrentChangeException ex)
    {
        kms.Log.LogWarning("the request of {Client} is not acknowledged: {Message}", LogText.Of(client.Subject), ex.Message);
        return processor.FailureResponse(ResultReason.GeneralFailure, ex.Message);
    }

    /// <summary>Every batch item reads (what it changes is at most the Fresh attribute of what it serves).</summary>
    internal static bool OnlyReads(TtlvNode request)
    {
        bool any = false;
        foreach (var child in request.Children)
        {
            if (child.Tag != Tag.BatchItem) continue;
            if (child.Child(Tag.Operation) is not { Type: ItemType.Enumeration } op
                || (Operation)op.AsEnum is not (Operation.Get or Operation.GetAttributes or Operation.GetAttributeList or Operation.Export))
                return false;
            any = true;
        }
        return any;
    }

    /// <exception cref="Harness.Kmip.Server.Storage.ConcurrentChangeException">another KMS node changed an object of the message first</exception>
    private static async ValueTask<TtlvNode> RunAsync(KmsState kms, MessageProcessor processor, TtlvNode request, int length, ClientIdentity client,
        Action<ProcessedMessage>? processed)
    {
        bool canTurn = processed is not null;
        // With a store shared by other KMS nodes, every message begins by catching up with what they committed.
        if (kms.Follower is { } follower)
        {
            try { await follower.CatchUpAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                kms.Log.LogError(ex, "cannot catch up with the shared store; the request of {Client} is not run", LogText.Of(client.Subject));
                return processor.FailureResponse(ResultReason.GeneralFailure, "the server cannot read the shared store: " + ex.Message);
            }
        }
        // A root key in Key Protect is asked about the objects the message names before it runs (an unwrap of each data
        // key not in the cache): awaited here, so that the message itself never blocks a thread on Key Protect.
        RootKeys.RootKeyAnswers? answers = null;
        if (kms.Store.RootKey.AsksBeforeUse && ObjectsNamedIn(request, kms.Store, client.Id) is { Count: > 0 } named)
            answers = await kms.Store.RootKey.AskBeforeUseAsync(named).ConfigureAwait(false);
        // With inline socket completions (the launcher's default) this code may run on a socket event thread, which
        // serves every other connection's events too: a message that may run long (many batch items, a Locate over a
        // large store, a large message) continues on the thread pool, so that one client's expensive requests do not
        // hold up another client's Get. For the same reason, a message that must wait for another's write lock waits on
        // the thread pool.
        var message = MayRunLong(request, length) ? null : processor.TryProcessWithoutWaiting(request, client, canTurn, answers);
        if (message is null)
        {
            await Task.Yield();
            message = processor.Process(request, client, canTurn, answers);
        }
        processed?.Invoke(message.Value);
        try
        {
            await message.Value.Durable.ConfigureAwait(false);
            return message.Value.Response;
        }
        catch (Exception ex) when (ex is not Harness.Kmip.Server.Storage.ConcurrentChangeException)
        {
            kms.Log.LogError(ex, "storage failed; the request of {Client} is not acknowledged", LogText.Of(client.Subject));
            return processor.FailureResponse(ResultReason.GeneralFailure, "the server could not store the change: " + ex.Message);
        }
    }

    /// <summary>
    /// The published objects of <paramref name="owner"/> the request names by Unique Identifier (in any batch item, at any
    /// depth): nobody has Key Protect unwrap another client's data keys. (A message run as another identity, through a
    /// delegated ticket, has its objects asked about when it looks them up.)
    /// </summary>
    internal static List<Objects.ManagedObject> ObjectsNamedIn(TtlvNode request, Storage.ObjectStore store, string owner)
    {
        var named = new List<Objects.ManagedObject>();
        void Walk(TtlvNode node)
        {
            if (node.Tag == Tag.UniqueIdentifier && node.Type == ItemType.TextString)
            {
                if (store.Find(node.AsText) is { } obj && obj.Owner == owner && !named.Contains(obj)) named.Add(obj);
            }
            else if (node.Type == ItemType.Structure)
                foreach (var child in node.Items) Walk(child);
        }
        foreach (var item in request.Children)
            if (item.Tag == Tag.BatchItem) Walk(item);
        return named;
    }

    /// <summary>More than one batch item, a Locate, or more than 16 KiB: work that can take far longer than a Get.</summary>
    internal static bool MayRunLong(TtlvNode request, int length)
    {
        if (length > 16 * 1024) return true;
        int items = 0;
        foreach (var child in request.Children)
        {
            if (child.Tag != Tag.BatchItem) continue;
            if (++items > 1 || child.Child(Tag.Operation) is { Type: ItemType.Enumeration } op && op.AsEnum == (uint)Operation.Locate) return true;
        }
        return false;
    }
}
