using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// Where the root key lives that seals every stored key's material (envelope encryption: each sealed blob has its own
/// data key, and the root key wraps the data key): a local file (<see cref="RootKey"/>, <c>--root-key file</c>) or a
/// customer root key in IBM Key Protect or Hyper Protect Crypto Services (<see cref="KeyProtectRootKey"/>, seeds 001-002).
/// </summary>
public interface IRootKeyProvider : IDisposable
{
    /// <summary>Names the root key in log lines and errors.</summary>
    string Description { get; }

    /// <summary>Seals material for the store under a fresh data key, the data key wrapped by the root key; the associated data (the object's identifier) is bound to both.</summary>
    ValueTask<byte[]> SealAsync(ReadOnlyMemory<byte> plaintext, string associatedData, CancellationToken cancellationToken = default);

    /// <summary>Opens what <see cref="SealAsync"/> sealed (the store calls it when it loads).</summary>
    ValueTask<byte[]> OpenAsync(ReadOnlyMemory<byte> sealedBlob, string associatedData, CancellationToken cancellationToken = default);

    /// <summary>Whether an object sealed by this provider may be served only after the root key's owner was asked (Key Protect: an unwrap of its data key).</summary>
    bool AsksBeforeUse => false;

    /// <summary>
    /// Asks, before a request message runs, about the objects it names (outside any lock, without blocking a thread):
    /// the answers are checked by <see cref="CheckUse"/> when the message looks the objects up.
    /// </summary>
    ValueTask<RootKeyAnswers?> AskBeforeUseAsync(IReadOnlyList<ManagedObject> objects, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<RootKeyAnswers?>(null);

    /// <summary>Throws a <see cref="KmipException"/> when the published object's material may not be served now.</summary>
    void CheckUse(ManagedObject obj, RootKeyAnswers? answers, ProtocolVersion version) { }
}

/// <summary>What the root key's owner answered, before a message ran, about the objects the message names: granted, or why not.</summary>
public sealed class RootKeyAnswers
{
    private readonly Dictionary<string, RootKeyUnavailableException?> _answers = new(StringComparer.Ordinal);

    public void Grant(string id) => _answers[id] = null;

    public void Refuse(string id, RootKeyUnavailableException why) => _answers[id] = why;

    /// <summary>Whether the object was asked about; <paramref name="refusal"/> is null when it was granted.</summary>
    public bool TryGet(string id, out RootKeyUnavailableException? refusal) => _answers.TryGetValue(id, out refusal);

    public int Count => _answers.Count;
}

/// <summary>The root key cannot unwrap (or wrap) a data key now; <see cref="Reason"/> is the KMIP Result Reason a client gets.</summary>
public class RootKeyUnavailableException(string message, ResultReason reason, Exception? inner = null) : Exception(message, inner)
{
    public ResultReason Reason { get; } = reason;
}

/// <summary>The root key is deleted: every key it protected is crypto-shredded (seed 001, "Key revocation").</summary>
public sealed class RootKeyDeletedException(string message) : RootKeyUnavailableException(message, ResultReason.ItemNotFound);
