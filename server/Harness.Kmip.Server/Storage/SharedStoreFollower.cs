namespace Harness.Kmip.Server.Storage;

/// <summary>
/// Keeps one KMS node's objects and clients up to date with a store it shares with other nodes: <see cref="CatchUpAsync"/>
/// runs before every request, TLS handshake and admin call, so each sees every change any node acknowledged before it
/// arrived. Requests that arrive while a catch-up runs share the next one (one database round trip serves them all).
/// Asynchronous throughout: a request waiting for the database holds no thread (blocked threads starved the pool).
/// </summary>
public sealed class SharedStoreFollower(ISharedDurableStore durable, ObjectStore objects, ClientRegistry clients)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _asked;
    private long _answered;

    public async Task CatchUpAsync(CancellationToken ct = default)
    {
        long ticket = Interlocked.Increment(ref _asked);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _answered) >= ticket) return; // a catch-up that began after this one was asked for
            long upTo = Volatile.Read(ref _asked);
            var changes = await durable.ChangesSinceLastSeenAsync(ct).ConfigureAwait(false);
            // The read completes on a socket event thread (inline socket completions, the launcher's default). What
            // follows, here and in the caller (a request, an admin call), must not run there: it may wait for other
            // socket I/O, such as an administrator's client change waiting for its database write, and the event loop
            // that would complete that write is the thread waiting for it.
            await Task.Yield();
            if (changes.Objects.Count > 0) objects.Apply(changes.Objects);
            foreach (var client in changes.Clients) clients.Apply(client);
            Volatile.Write(ref _answered, upTo);
        }
        finally { _gate.Release(); }
    }
}
