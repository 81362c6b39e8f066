using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// Cryptographic operations in progress by parts (KMIP 2.1 §2.1.10: Init Indicator, Correlation Value, Final
/// Indicator). Each stream belongs to the client that opened it and to one operation (and key); only that client,
/// with the same operation, continues it. Streams live in memory: a restart ends them. A client has at most
/// <see cref="MaxPerClient"/> open; a stream unused for <see cref="IdleLimit"/> is dropped.
/// </summary>
public sealed class CryptoStreams(TimeProvider time)
{
    public const int MaxPerClient = 64;
    public static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(10);

    private sealed record Entry(string Client, Operation Operation, string? KeyId, object State)
    {
        public DateTimeOffset LastUse { get; set; }
    }

    private readonly ConcurrentDictionary<string, Entry> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _openPerClient = new(StringComparer.Ordinal);

    /// <summary>Opens a stream and answers its Correlation Value.</summary>
    public byte[] Open(string client, Operation operation, string? keyId, object state, ProtocolVersion version)
    {
        DropIdle();
        if (_openPerClient.AddOrUpdate(client, 1, (_, n) => n + 1) > MaxPerClient)
        {
            Closed(client);
            throw ServerLimits.Exceeded(version, $"this client has {MaxPerClient} streamed operations open already; finish one (Final Indicator) first");
        }
        var correlation = RandomNumberGenerator.GetBytes(16);
        _streams[Convert.ToHexString(correlation)] = new Entry(client, operation, keyId, state) { LastUse = time.GetUtcNow() };
        return correlation;
    }

    /// <summary>The state of the client's stream with this Correlation Value, for this operation and key; removed when <paramref name="final"/>.</summary>
    public object Continue(string client, Operation operation, string? keyId, byte[] correlation, bool final, ProtocolVersion version)
    {
        var key = Convert.ToHexString(correlation);
        if (!_streams.TryGetValue(key, out var entry) || entry.Client != client || time.GetUtcNow() - entry.LastUse > IdleLimit)
            throw new KmipException(version.IsV2 ? ResultReason.InvalidCorrelationValue : ResultReason.ItemNotFound,
                $"no {operation} of this client is in progress with Correlation Value {Truncated(key)}");
        if (entry.Operation != operation || entry.KeyId != keyId)
            throw new KmipException(version.IsV2 ? ResultReason.InvalidCorrelationValue : ResultReason.InvalidField,
                $"Correlation Value {Truncated(key)} belongs to a {entry.Operation}{(entry.KeyId is null ? "" : $" with key '{entry.KeyId}'")}, not to this {operation}{(keyId is null ? "" : $" with key '{keyId}'")}");
        entry.LastUse = time.GetUtcNow();
        if (final && _streams.TryRemove(key, out _)) Closed(client);
        return entry.State;
    }

    private void DropIdle()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _streams)
            if (now - entry.LastUse > IdleLimit && _streams.TryRemove(key, out _)) Closed(entry.Client);
    }

    private void Closed(string client)
    {
        if (_openPerClient.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0)
            _openPerClient.TryRemove(new KeyValuePair<string, int>(client, 0));
    }

    private static string Truncated(string hex) => hex.Length <= 64 ? hex : hex[..64] + "…";
}
