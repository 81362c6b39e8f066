using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Harness.Kmip.Server.Objects;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// A customer root key in IBM Key Protect (seeds 001-002; Hyper Protect Crypto Services serves the same API): each sealed
/// blob has its own 256-bit data key, wrapped by Key Protect with the object's identifier as additional authenticated
/// data; the blob keeps Key Protect's ciphertext, so that a restart can have it unwrapped again.
/// Layout: version 2 (1) | root key ID length (1) | root key ID (UTF-8) | ciphertext length (2, big-endian) |
/// Key Protect's ciphertext (ASCII) | nonce (12) | tag (16) | AES-256-GCM ciphertext of the material.
/// <para>
/// Unwrapped data keys are kept at most <see cref="KeyProtectOptions.CacheFor"/> on the server's clock. An object sealed
/// here is served only while Key Protect unwraps its data key (or did so within that time): disabling or suspending the
/// root key (409, 422) stops it being served, deleting it (404, 410) crypto-shreds every key it protected.
/// </para>
/// </summary>
public sealed class KeyProtectRootKey : IRootKeyProvider
{
    public const byte FormatVersion = 2;
    private const int NonceLength = 12, TagLength = 16;
    private readonly KeyProtectOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly KeyProtectClient _client;
    // Key Protect's ciphertext → the data key it unwraps to, and until when it may be used without asking again.
    private readonly ConcurrentDictionary<string, CachedDataKey> _dataKeys = new(StringComparer.Ordinal);
    private volatile RootKeyDeletedException? _deleted;
    private long _nextSweepTicks; // UTC ticks; read and written whole

    private sealed record CachedDataKey(byte[] DataKey, DateTimeOffset Until);

    public KeyProtectRootKey(KeyProtectOptions options, TimeProvider time, ILogger log, HttpMessageHandler? handler = null)
    {
        if (options.Problem() is { } problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _time = time;
        _log = log;
        _client = new KeyProtectClient(options, time, log, handler);
    }

    public string Description => $"Key Protect root key {_options.RootKeyId} (instance {_options.InstanceId} at {_options.Url})";

    public KeyProtectOptions Options => _options;

    /// <summary>Key Protect said the root key is deleted (404, 410): nothing it protected can be opened any more.</summary>
    public bool IsDeleted => _deleted is not null;

    public bool AsksBeforeUse => true;

    public async ValueTask<byte[]> SealAsync(ReadOnlyMemory<byte> plaintext, string associatedData, CancellationToken cancellationToken = default)
    {
        if (_deleted is { } deleted) throw deleted;
        var dataKey = RandomNumberGenerator.GetBytes(32);
        string ciphertext;
        try
        {
            try { (ciphertext, _) = await _client.WrapAsync(dataKey, associatedData, cancellationToken).ConfigureAwait(false); }
            catch (RootKeyDeletedException ex) { _deleted = ex; throw; }
            var rootKeyId = Encoding.UTF8.GetBytes(_options.RootKeyId);
            var wrapped = Encoding.ASCII.GetBytes(ciphertext);
            if (rootKeyId.Length > byte.MaxValue || wrapped.Length > ushort.MaxValue)
                throw new RootKeyUnavailableException("the Key Protect root key ID or ciphertext is too long to be kept", ResultReason.GeneralFailure);
            var blob = new byte[1 + 1 + rootKeyId.Length + 2 + wrapped.Length + NonceLength + TagLength + plaintext.Length];
            var span = blob.AsSpan();
            span[0] = FormatVersion;
            span[1] = (byte)rootKeyId.Length;
            int at = 2;
            rootKeyId.CopyTo(span[at..]);
            at += rootKeyId.Length;
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)wrapped.Length);
            at += 2;
            wrapped.CopyTo(span[at..]);
            at += wrapped.Length;
            var nonce = span.Slice(at, NonceLength);
            RandomNumberGenerator.Fill(nonce);
            using (var gcm = new AesGcm(dataKey, TagLength))
                gcm.Encrypt(nonce, plaintext.Span, span[(at + NonceLength + TagLength)..], span.Slice(at + NonceLength, TagLength), Encoding.UTF8.GetBytes(associatedData));
            Remember(ciphertext, dataKey);
            return blob;
        }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    public async ValueTask<byte[]> OpenAsync(ReadOnlyMemory<byte> sealedBlob, string associatedData, CancellationToken cancellationToken = default)
    {
        var (rootKeyId, ciphertext, at) = Parse(sealedBlob.Span);
        if (rootKeyId != _options.RootKeyId)
            throw new CryptographicException($"sealed by Key Protect root key {rootKeyId}, not by the configured {_options.RootKeyId}");
        var dataKey = await DataKeyAsync(ciphertext, associatedData, cancellationToken).ConfigureAwait(false);
        var blob = sealedBlob.Span;
        var plaintext = new byte[blob.Length - at - NonceLength - TagLength];
        using (var gcm = new AesGcm(dataKey, TagLength))
            gcm.Decrypt(blob.Slice(at, NonceLength), blob[(at + NonceLength + TagLength)..], blob.Slice(at + NonceLength, TagLength), plaintext, Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }

    public async ValueTask<RootKeyAnswers?> AskBeforeUseAsync(IReadOnlyList<ManagedObject> objects, CancellationToken cancellationToken = default)
    {
        RootKeyAnswers? answers = null;
        foreach (var obj in objects)
        {
            if (SealedHere(obj) is not { } ciphertext) continue;
            answers ??= new RootKeyAnswers();
            if (answers.TryGet(obj.Id, out _)) continue;
            try
            {
                await DataKeyAsync(ciphertext, obj.Id, cancellationToken).ConfigureAwait(false);
                answers.Grant(obj.Id);
            }
            catch (RootKeyUnavailableException ex) { answers.Refuse(obj.Id, ex); }
        }
        return answers;
    }

    public void CheckUse(ManagedObject obj, RootKeyAnswers? answers, ProtocolVersion version)
    {
        if (obj.Value is not null && obj.SealedValue is null)
            // Published but never sealed: Key Protect refused to wrap its data key when it was stored (the client got a
            // General Failure), or the wrap is still under way. Nothing durable holds it: it is not served.
            throw new KmipException(ResultReason.GeneralFailure,
                $"'{obj.Id}' cannot be served now: its key material is not sealed by Key Protect root key {_options.RootKeyId} (wrapping its data key failed when it was stored, or is under way)");
        if (SealedHere(obj) is not { } ciphertext) return;
        RootKeyUnavailableException? refusal = _deleted;
        if (refusal is null && answers is not null && answers.TryGet(obj.Id, out var answered)) refusal = answered;
        else if (refusal is null && !IsFresh(ciphertext))
        {
            // Not asked before the message ran (named through the ID Placeholder or inside a structure): ask now. This
            // blocks the thread for one call to Key Protect; the objects a request names by Unique Identifier never get here.
            try { DataKeyAsync(ciphertext, obj.Id, CancellationToken.None).AsTask().GetAwaiter().GetResult(); }
            catch (RootKeyUnavailableException ex) { refusal = ex; }
        }
        if (refusal is null) return;
        if (refusal is RootKeyDeletedException)
            throw new KmipException(version.IsV2 ? ResultReason.ObjectNotFound : ResultReason.ItemNotFound,
                $"the key material of '{obj.Id}' is crypto-shredded: {refusal.Message}");
        throw new KmipException(refusal.Reason, $"'{obj.Id}' cannot be served now: {refusal.Message}");
    }

    /// <summary>Key Protect's ciphertext of the object's data key, when this provider sealed its material (else null: nothing to ask).</summary>
    private string? SealedHere(ManagedObject obj) =>
        obj.Value is not null && obj.SealedValue is { } s && ReferenceEquals(s.RootKey, this) ? Parse(s.Sealed).Ciphertext : null;

    private bool IsFresh(string ciphertext) =>
        _dataKeys.TryGetValue(ciphertext, out var cached) && _time.GetUtcNow() < cached.Until;

    private async ValueTask<byte[]> DataKeyAsync(string ciphertext, string associatedData, CancellationToken cancellationToken)
    {
        if (_deleted is { } deleted) throw deleted;
        var now = _time.GetUtcNow();
        SweepExpired(now);
        if (_dataKeys.TryGetValue(ciphertext, out var cached))
        {
            if (now < cached.Until) return cached.DataKey;
            if (_dataKeys.TryRemove(new(ciphertext, cached))) CryptographicOperations.ZeroMemory(cached.DataKey);
        }
        byte[] dataKey;
        try { dataKey = await _client.UnwrapAsync(ciphertext, associatedData, cancellationToken).ConfigureAwait(false); }
        catch (RootKeyDeletedException ex) { _deleted = ex; ForgetAll(); throw; }
        if (dataKey.Length != 32)
            throw new RootKeyUnavailableException($"Key Protect unwrapped a data key of {dataKey.Length} bytes with root key {_options.RootKeyId}; the server wraps 32-byte keys", ResultReason.CryptographicFailure);
        Remember(ciphertext, dataKey);
        return dataKey;
    }

    private void Remember(string ciphertext, byte[] dataKey)
    {
        if (_options.CacheFor <= TimeSpan.Zero) return;
        var now = _time.GetUtcNow();
        _dataKeys[ciphertext] = new CachedDataKey(dataKey.ToArray(), now + _options.CacheFor);
        SweepExpired(now);
    }

    /// <summary>
    /// Forgets (and zeroes) the data keys whose time is up, at most once per cache time: a data key not asked for again
    /// does not stay in memory past its time (by more than one cache time).
    /// </summary>
    private void SweepExpired(DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref _nextSweepTicks)) return;
        Volatile.Write(ref _nextSweepTicks, (now + _options.CacheFor).UtcTicks);
        foreach (var entry in _dataKeys)
            if (now >= entry.Value.Until && _dataKeys.TryRemove(entry)) CryptographicOperations.ZeroMemory(entry.Value.DataKey);
    }

    /// <summary>How many unwrapped data keys are held now (for tests and the log).</summary>
    internal int CachedDataKeys => _dataKeys.Count;

    private void ForgetAll()
    {
        foreach (var entry in _dataKeys)
            if (_dataKeys.TryRemove(entry)) CryptographicOperations.ZeroMemory(entry.Value.DataKey);
    }

    private static (string RootKeyId, string Ciphertext, int MaterialAt) Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4 || blob[0] != FormatVersion)
            throw new CryptographicException(blob.Length > 0 && blob[0] == 1
                ? "sealed under a local root key file (root.key), not by Key Protect: start with --root-key file"
                : "sealed blob is truncated or of an unknown format");
        int idLength = blob[1];
        if (blob.Length < 2 + idLength + 2) throw new CryptographicException("sealed blob is truncated");
        var rootKeyId = Encoding.UTF8.GetString(blob.Slice(2, idLength));
        int at = 2 + idLength;
        int ctLength = BinaryPrimitives.ReadUInt16BigEndian(blob[at..]);
        at += 2;
        if (blob.Length < at + ctLength + NonceLength + TagLength) throw new CryptographicException("sealed blob is truncated");
        var ciphertext = Encoding.ASCII.GetString(blob.Slice(at, ctLength));
        return (rootKeyId, ciphertext, at + ctLength);
    }

    /// <summary>Names the Key Protect root key a blob was sealed by (for the error of a server started with another provider).</summary>
    internal static string DescribeSealed(ReadOnlySpan<byte> blob)
    {
        try { return "root key " + Parse(blob).RootKeyId; }
        catch (CryptographicException ex) { return ex.Message; }
    }

    public void Dispose()
    {
        ForgetAll();
        _client.Dispose();
    }
}
