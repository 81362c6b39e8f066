using System.Security.Cryptography;

namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// The root key that protects every stored key (envelope encryption): each sealed blob has its own fresh 256-bit data
/// key; the data key is encrypted under the root key, the secret under the data key, both with AES-256-GCM, and the
/// object's identifier is bound as associated data so that a blob cannot be moved to another object.
/// Layout: version (1) | root key id (8) | DEK nonce (12) | wrapped DEK (32) | DEK tag (16) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class RootKey : IRootKeyProvider
{
    private const byte FormatVersion = 1;
    private const int Header = 1 + 8 + 12 + 32 + 16 + 12 + 16;
    private readonly byte[] _key;
    // The cipher under the root key, made once (an AES-GCM context per seal cost as much as the sealing); AesGcm is
    // not safe for concurrent use, so calls take turns on it: wrapping a 32-byte data key is short.
    private readonly AesGcm _wrap;
    private bool _disposed;

    public RootKey(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException($"a root key is 32 bytes (AES-256), got {key.Length}");
        _key = key.ToArray();
        _wrap = new AesGcm(_key, 16);
        Id = SHA256.HashData(_key).AsSpan(0, 8).ToArray();
    }

    /// <summary>The first 8 bytes of the key's SHA-256: names the key in sealed blobs without revealing it.</summary>
    public byte[] Id { get; }

    public string IdHex => Convert.ToHexString(Id).ToLowerInvariant();

    public string Description => $"the local root key {IdHex} ({FileName})";

    public ValueTask<byte[]> SealAsync(ReadOnlyMemory<byte> plaintext, string associatedData, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Seal(plaintext.Span, associatedData));

    public ValueTask<byte[]> OpenAsync(ReadOnlyMemory<byte> sealedBlob, string associatedData, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Open(sealedBlob.Span, associatedData));

    public const string FileName = "root.key";

    /// <summary>Loads DIR/root.key, creating it (32 random bytes, mode 0600) on first start.</summary>
    public static RootKey LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length != 32)
                throw new InvalidDataException($"{path} holds {bytes.Length} bytes; a root key file holds exactly 32 (AES-256)");
            return new RootKey(bytes);
        }
        Directory.CreateDirectory(dataDirectory);
        var key = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var fs = new FileStream(path, options))
        {
            fs.Write(key);
            fs.Flush(true);
        }
        return new RootKey(key);
    }

    /// <summary>Replaces DIR/root.key with a new random key (mode 0600) and returns it; the old file's bytes are overwritten first.</summary>
    public static RootKey Replace(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                fs.Write(new byte[fs.Length]);
                fs.Flush(true);
            }
            File.Delete(path);
        }
        return LoadOrCreate(dataDirectory);
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var aad = System.Text.Encoding.UTF8.GetBytes(associatedData);
        var result = new byte[Header + plaintext.Length];
        var span = result.AsSpan();
        span[0] = FormatVersion;
        Id.CopyTo(span[1..9]);
        Span<byte> dek = stackalloc byte[32];
        RandomNumberGenerator.Fill(dek);
        var dekNonce = span.Slice(9, 12);
        RandomNumberGenerator.Fill(dekNonce);
        lock (_wrap)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _wrap.Encrypt(dekNonce, dek, span.Slice(21, 32), span.Slice(53, 16), aad);
        }
        var nonce = span.Slice(69, 12);
        RandomNumberGenerator.Fill(nonce);
        using (var gcm = new AesGcm(dek, 16))
            gcm.Encrypt(nonce, plaintext, span[Header..], span.Slice(81, 16), aad);
        CryptographicOperations.ZeroMemory(dek);
        return result;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedBlob, string associatedData)
    {
        if (sealedBlob.Length > 0 && sealedBlob[0] == KeyProtectRootKey.FormatVersion)
            throw new CryptographicException($"sealed by Key Protect ({KeyProtectRootKey.DescribeSealed(sealedBlob)}), not under a local root key file: start with --root-key keyprotect and that root key");
        if (sealedBlob.Length < Header || sealedBlob[0] != FormatVersion)
            throw new CryptographicException("sealed blob is truncated or of an unknown format");
        if (!sealedBlob.Slice(1, 8).SequenceEqual(Id))
            throw new CryptographicException(
                $"sealed under root key {Convert.ToHexString(sealedBlob.Slice(1, 8)).ToLowerInvariant()}, not under the loaded root key {IdHex}");
        var aad = System.Text.Encoding.UTF8.GetBytes(associatedData);
        Span<byte> dek = stackalloc byte[32];
        lock (_wrap)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _wrap.Decrypt(sealedBlob.Slice(9, 12), sealedBlob.Slice(21, 32), sealedBlob.Slice(53, 16), dek, aad);
        }
        var plaintext = new byte[sealedBlob.Length - Header];
        using (var gcm = new AesGcm(dek, 16))
            gcm.Decrypt(sealedBlob.Slice(69, 12), sealedBlob[Header..], sealedBlob.Slice(81, 16), plaintext, aad);
        CryptographicOperations.ZeroMemory(dek);
        return plaintext;
    }

    /// <summary>Forgets the key: sealing or opening with it afterwards throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_wrap)
        {
            _disposed = true;
            _wrap.Dispose();
            CryptographicOperations.ZeroMemory(_key);
        }
    }
}
