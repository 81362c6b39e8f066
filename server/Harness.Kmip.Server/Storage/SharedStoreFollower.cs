namespace Harness.Kmip.Server.Storage;

/// <summary>
/// Keeps one KMS node's objects and clients up to date with a store it shares with other nodes: <see cref="CatchUp"/>
/// runs before every request, TLS handshake client check and admin call, so each sees every change any node
/// acknowledged before it arrived. Requests that arrive while a catch-up runs share the next one (one database round
/// trip serves them all).
/// </summary>
public sealed class SharedStoreFollower(ISharedDurableStore durable, ObjectStore objects, ClientRegistry clients)
{
    private readonly object _gate = new();
    private long _asked;
    private long _answered;

    public void CatchUp()
    {
        long ticket = Interlocked.Increment(ref _asked);
        lock (_gate)
        {
            if (Volatile.Read(ref _answered) >= ticket) return; // a catch-up that began after this one was asked for
            long upTo = Volatile.Read(ref _asked);
            var changes = durable.ChangesSinceLastSeen();
            if (changes.Objects.Count > 0) objects.Apply(changes.Objects);
            foreach (var client in changes.Clients) clients.Apply(client);
            Volatile.Write(ref _answered, upTo);
        }
    }
}
