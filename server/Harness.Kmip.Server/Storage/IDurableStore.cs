namespace Harness.Kmip.Server.Storage;

/// <summary>One managed object as the durable store keeps it: attributes in clear, the secret sealed under the root key.</summary>
public sealed record ObjectRecord(string Id, string Owner, int ObjectType, long Version, byte[] Attributes, byte[]? SealedValue);

/// <summary>A client known to the server: its certificate, whether an administrator allowed it, and since when.</summary>
/// <param name="ActsAs">The identity whose objects this certificate uses (an administrator's choice: a rebuilt vCenter's new
/// certificate joins the old one's keys); null: its own.</param>
public sealed record ClientRecord(string Identity, string Subject, string Sha1Thumbprint, string CertificatePem,
    bool Allowed, DateTimeOffset? EffectiveFrom, DateTimeOffset FirstSeen, string? ActsAs = null, DateTimeOffset? RetiredAt = null);

/// <summary>
/// The durable part of the object store. <see cref="CommitAsync"/> completes only once the records are on stable
/// storage: the server acknowledges an operation after that, never before.
/// </summary>
public interface IDurableStore : IAsyncDisposable
{
    IEnumerable<ObjectRecord> LoadObjects();
    Task CommitAsync(IReadOnlyList<ObjectRecord> records);
    IEnumerable<ClientRecord> LoadClients();
    Task SaveClientAsync(ClientRecord client);
}

/// <summary>
/// A durable store that several KMS nodes share (PostgreSQL). Each node keeps its objects and clients in memory, so
/// before it serves a request, a TLS handshake's client check or an admin call it catches up with what the other nodes
/// committed (<see cref="ChangesSinceLastSeenAsync"/>). <see cref="IDurableStore.CommitAsync"/> refuses, with a
/// <see cref="ConcurrentChangeException"/>, a change to an object that another node changed first.
/// </summary>
public interface ISharedDurableStore : IDurableStore
{
    /// <summary>What the other nodes committed since the previous call (the first call: since the loads at start).</summary>
    Task<SharedChanges> ChangesSinceLastSeenAsync(CancellationToken ct = default);
}

/// <summary>Objects and clients another node committed, oldest change first.</summary>
public sealed record SharedChanges(IReadOnlyList<ObjectRecord> Objects, IReadOnlyList<ClientRecord> Clients)
{
    public bool IsEmpty => Objects.Count == 0 && Clients.Count == 0;
}

/// <summary>Another KMS node changed an object first: this node's change, made on the version before, is not stored.</summary>
public sealed class ConcurrentChangeException(string message) : Exception(message);
