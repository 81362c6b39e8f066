using Harness.Kmip.Payloads;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// An encryption or decryption under way, in one part or several (a KMIP stream). Parts give back what the cipher has
/// produced so far; the final part gives the rest and, for an authenticated mode, the tag (encrypting) or checks it
/// (decrypting).
/// </summary>
public interface ICipherComputation
{
    byte[] Update(ReadOnlySpan<byte> data);

    /// <summary>The last output; for an authenticated mode, <paramref name="tag"/> is the tag made (encrypting) or the one to check (decrypting).</summary>
    byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag);
}

/// <summary>A BouncyCastle buffered cipher; an authenticated one appends its tag (of <paramref name="tagBytes"/>, given out cut to <paramref name="tagOut"/>).</summary>
public sealed class CipherComputation(IBufferedCipher cipher, bool encrypt, int tagBytes, int tagOut) : ICipherComputation
{
    public byte[] Update(ReadOnlySpan<byte> data) => data.IsEmpty ? [] : cipher.ProcessBytes(data.ToArray()) ?? [];

    public byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag)
    {
        try
        {
            if (tagBytes == 0) return Concat(Update(data), cipher.DoFinal());
            if (encrypt)
            {
                var all = Concat(Update(data), cipher.DoFinal());
                tag = all[(all.Length - tagBytes)..(all.Length - tagBytes + tagOut)];
                return all[..^tagBytes];
            }
            if (tag is null) throw new KmipException(ResultReason.InvalidField, "decrypting in an authenticated mode needs the Authenticated Encryption Tag");
            var head = Update(data);
            return Concat(head, Concat(cipher.ProcessBytes(tag) ?? [], cipher.DoFinal()));
        }
        catch (InvalidCipherTextException ex)
        {
            throw new KmipException(ResultReason.CryptographicFailure, encrypt ? $"the cipher failed: {ex.Message}"
                : tagBytes > 0 ? "the Authenticated Encryption Tag does not match: the data, the additional data, the IV or the key is not the one encrypted with"
                : $"the data does not decrypt: {ex.Message} (wrong key, IV or padding)");
        }
        catch (DataLengthException ex)
        {
            throw new KmipException(ResultReason.CryptographicFailure, $"the data length does not suit the cipher: {ex.Message} (a block mode without padding needs whole blocks)");
        }
    }

    internal static byte[] Concat(byte[] a, byte[] b) => a.Length == 0 ? b : b.Length == 0 ? a : [.. a, .. b];
}

/// <summary>
/// The key wrap modes of Encrypt and Decrypt (NIST SP 800-38F: KW, RFC 3394; KWP, RFC 5649), on BouncyCastle's wrap
/// engines for the block cipher: the data of every part is kept and wrapped (or unwrapped and checked) whole.
/// </summary>
public sealed class KeyWrapComputation(SymmetricCiphers.Choice choice, bool encrypt, byte[] key) : ICipherComputation
{
    private readonly MemoryStream _data = new();

    public byte[] Update(ReadOnlySpan<byte> data)
    {
        _data.Write(data);
        return [];
    }

    public byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag)
    {
        _data.Write(data);
        return SymmetricCiphers.KeyWrap(choice.Algorithm, choice.Mode!.Value, encrypt, key, _data.ToArray());
    }
}

/// <summary>
/// XTS-AES (IEEE 1619, NIST SP 800-38E), which neither .NET nor BouncyCastle offers, on .NET's AES-ECB: the key is two
/// AES keys of equal length (the first encrypts the data, the second the tweak), the IV is the 16-byte tweak (the data
/// unit's number), and a last partial block is handled by ciphertext stealing. Parts give out their whole blocks but
/// keep back the last 16 to 31 bytes, which the final part needs for the stealing; the data unit is 16 bytes or more.
/// </summary>
public sealed class XtsComputation : ICipherComputation
{
    private const int Block = 16;
    private readonly System.Security.Cryptography.Aes _data = System.Security.Cryptography.Aes.Create();
    private readonly bool _encrypt;
    private readonly byte[] _tweak = new byte[Block];
    private readonly MemoryStream _pending = new();

    public XtsComputation(bool encrypt, byte[] key, byte[] tweak)
    {
        if (key.Length is not (32 or 64))
            throw new KmipException(ResultReason.CryptographicFailure, $"an XTS-AES key is two AES keys: 256 or 512 bits, not {key.Length * 8}");
        if (tweak.Length != Block)
            throw new KmipException(ResultReason.InvalidField, $"XTS's IV is the 16-byte tweak, not {tweak.Length} bytes");
        _encrypt = encrypt;
        _data.Key = key[..(key.Length / 2)];
        using var tweakCipher = System.Security.Cryptography.Aes.Create();
        tweakCipher.Key = key[(key.Length / 2)..];
        tweakCipher.EncryptEcb(tweak, _tweak, System.Security.Cryptography.PaddingMode.None);
    }

    public byte[] Update(ReadOnlySpan<byte> data)
    {
        _pending.Write(data);
        var all = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
        int keep = Block + all.Length % Block;
        if (all.Length <= keep) return [];
        var output = Blocks(all[..^keep]);
        var rest = all[^keep..].ToArray();
        _pending.SetLength(0);
        _pending.Write(rest);
        return output;
    }

    public byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag)
    {
        _pending.Write(data);
        try { return Last(_pending.ToArray()); }
        finally { _data.Dispose(); } // the last part: the cipher is not used again
    }

    private byte[] Last(byte[] all)
    {
        if (all.Length < Block)
            throw new KmipException(ResultReason.CryptographicFailure, $"XTS works on data units of 16 bytes or more, not {all.Length}");
        int tail = all.Length % Block;
        if (tail == 0) return Blocks(all);
        // Ciphertext stealing over the last whole block and the partial one.
        int whole = all.Length - tail - Block;
        var output = new byte[all.Length];
        Blocks(all.AsSpan(0, whole)).CopyTo(output, 0);
        var lastTweak = _tweak.ToArray();
        var nextTweak = _tweak.ToArray();
        Double(nextTweak);
        // Encrypting, the last whole block goes under its own tweak and the stolen block under the next; decrypting,
        // the other way round.
        var first = Crypt(all.AsSpan(whole, Block), _encrypt ? lastTweak : nextTweak);
        var stolen = new byte[Block];
        all.AsSpan(whole + Block, tail).CopyTo(stolen);
        first.AsSpan(tail).CopyTo(stolen.AsSpan(tail));
        Crypt(stolen, _encrypt ? nextTweak : lastTweak).CopyTo(output, whole);
        first.AsSpan(0, tail).CopyTo(output.AsSpan(whole + Block));
        return output;
    }

    /// <summary>Whole blocks under consecutive tweaks, advancing the tweak past them.</summary>
    private byte[] Blocks(ReadOnlySpan<byte> input)
    {
        var masks = new byte[input.Length];
        for (int i = 0; i < input.Length; i += Block)
        {
            _tweak.CopyTo(masks, i);
            Double(_tweak);
        }
        var output = new byte[input.Length];
        for (int i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ masks[i]);
        if (_encrypt) _data.EncryptEcb(output, output, System.Security.Cryptography.PaddingMode.None);
        else _data.DecryptEcb(output, output, System.Security.Cryptography.PaddingMode.None);
        for (int i = 0; i < input.Length; i++) output[i] ^= masks[i];
        return output;
    }

    private byte[] Crypt(ReadOnlySpan<byte> block, byte[] tweak)
    {
        var output = new byte[Block];
        for (int i = 0; i < Block; i++) output[i] = (byte)(block[i] ^ tweak[i]);
        if (_encrypt) _data.EncryptEcb(output, output, System.Security.Cryptography.PaddingMode.None);
        else _data.DecryptEcb(output, output, System.Security.Cryptography.PaddingMode.None);
        for (int i = 0; i < Block; i++) output[i] ^= tweak[i];
        return output;
    }

    /// <summary>The tweak times α in GF(2^128), little-endian as IEEE 1619 writes it.</summary>
    private static void Double(byte[] t)
    {
        int carry = 0;
        for (int i = 0; i < Block; i++)
        {
            int next = t[i] >> 7;
            t[i] = (byte)((t[i] << 1) | carry);
            carry = next;
        }
        if (carry != 0) t[0] ^= 0x87;
    }
}

/// <summary>One whole AES-GCM encryption or decryption on .NET's <see cref="System.Security.Cryptography.AesGcm"/>.</summary>
public sealed class DotNetAesGcm(bool encrypt, byte[] key, byte[] nonce, byte[]? additionalData, int tagBytes) : ICipherComputation
{
    public byte[] Update(ReadOnlySpan<byte> data) => throw new InvalidOperationException("a single-part AES-GCM takes its data in Finish");

    public byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag)
    {
        using var gcm = new System.Security.Cryptography.AesGcm(key, tagBytes);
        var output = new byte[data.Length];
        if (encrypt)
        {
            tag = new byte[tagBytes];
            gcm.Encrypt(nonce, data, output, tag, additionalData);
            return output;
        }
        if (tag is null) throw new KmipException(ResultReason.InvalidField, "decrypting in an authenticated mode needs the Authenticated Encryption Tag");
        if (tag.Length != tagBytes) throw new KmipException(ResultReason.InvalidField, $"the Authenticated Encryption Tag must be the {tagBytes} bytes of the Tag Length, not {tag.Length}");
        try { gcm.Decrypt(nonce, data, tag, output, additionalData); }
        catch (System.Security.Cryptography.AuthenticationTagMismatchException)
        {
            throw new KmipException(ResultReason.CryptographicFailure,
                "the Authenticated Encryption Tag does not match: the data, the additional data, the IV or the key is not the one encrypted with");
        }
        return output;
    }
}

/// <summary>
/// ChaCha20-Poly1305 decryption checking a tag cut short (the OASIS vectors use 12 bytes; RFC 8439 tags are 16):
/// BouncyCastle checks only whole tags, so the ciphertext is kept until the last part, decrypted with the ChaCha20
/// keystream from block 1, and the tag of that plaintext is made again and compared, in constant time, on its first
/// bytes. Nothing is given out before the tag is checked.
/// </summary>
public sealed class TruncatedPoly1305Decryption(byte[] key, byte[] nonce, byte[]? additionalData, int tagBytes) : ICipherComputation
{
    private readonly MemoryStream _ciphertext = new();

    public byte[] Update(ReadOnlySpan<byte> data)
    {
        _ciphertext.Write(data);
        return [];
    }

    public byte[] Finish(ReadOnlySpan<byte> data, ref byte[]? tag)
    {
        _ciphertext.Write(data);
        if (tag is null || tag.Length != tagBytes)
            throw new KmipException(ResultReason.InvalidField, $"the Authenticated Encryption Tag must be the {tagBytes} bytes of the Tag Length");
        var ciphertext = _ciphertext.ToArray();
        var stream = new Org.BouncyCastle.Crypto.Engines.ChaCha7539Engine();
        stream.Init(false, new ParametersWithIV(new KeyParameter(key), nonce));
        stream.ProcessBytes(new byte[64], 0, 64, new byte[64], 0); // block 0 keys Poly1305; the data starts at block 1
        var plaintext = new byte[ciphertext.Length];
        stream.ProcessBytes(ciphertext, 0, ciphertext.Length, plaintext, 0);
        var again = new Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305();
        again.Init(true, new AeadParameters(new KeyParameter(key), 128, nonce, additionalData));
        var sealedAgain = new byte[again.GetOutputSize(plaintext.Length)];
        int n = again.ProcessBytes(plaintext, 0, plaintext.Length, sealedAgain, 0);
        again.DoFinal(sealedAgain, n);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(sealedAgain.AsSpan(plaintext.Length, tagBytes), tag))
            throw new KmipException(ResultReason.CryptographicFailure,
                "the Authenticated Encryption Tag does not match: the data, the additional data, the IV or the key is not the one encrypted with");
        return plaintext;
    }
}

/// <summary>
/// The symmetric ciphers of Encrypt and Decrypt (BouncyCastle, one code path for single parts and streams; single-part
/// AES-GCM on .NET): AES, Camellia, ARIA, SEED, SM4, Twofish, 3DES, DES, Blowfish, CAST5, IDEA, RC2, RC5 (32-bit words, 12 rounds) and SKIPJACK in ECB
/// and CBC (padding None or PKCS5), CTR, CFB and OFB (full-block feedback), the 128-bit ones in GCM, CCM and the key wrap modes (KW, KWP) too, AES in
/// XTS (<see cref="XtsComputation"/>); RC4;
/// ChaCha20 (8- or 12-byte nonce) and ChaCha20-Poly1305.
/// </summary>
public static class SymmetricCiphers
{
    /// <summary>What a cipher needs besides the key: whether it takes an IV and how long a made one is.</summary>
    public sealed record Choice(CryptographicAlgorithm Algorithm, BlockCipherMode? Mode, PaddingMethod Padding, int? IvBytes, int TagBytes);

    /// <summary>The cipher the key's algorithm and the parameters call for, or a KMIP error saying why there is none.</summary>
    public static Choice Choose(CryptographicAlgorithm algorithm, CryptographicParameters? p, ProtocolVersion version)
    {
        var mode = p?.BlockCipherMode;
        var padding = p?.PaddingMethod ?? PaddingMethod.None;
        if (padding is not (PaddingMethod.None or PaddingMethod.PKCS5))
            throw new KmipException(ResultReason.FeatureNotSupported, $"padding method {padding} is not supported for {algorithm} by this server");
        switch (algorithm)
        {
            case CryptographicAlgorithm.RC4 when mode is null:
                return new(algorithm, null, PaddingMethod.None, null, 0);
            case var _ when BlockCiphers.TryGetValue(algorithm, out var cipher):
                int block = cipher.BlockBytes;
                switch (mode)
                {
                    case null:
                        throw new KmipException(ResultReason.InvalidField, $"no Block Cipher Mode for {algorithm}: give one in the Cryptographic Parameters (of the request or the key)");
                    case BlockCipherMode.ECB: return new(algorithm, mode, padding, null, 0);
                    case BlockCipherMode.CBC: return new(algorithm, mode, padding, p?.IVLength / 8 ?? block, 0);
                    case BlockCipherMode.CTR or BlockCipherMode.CFB or BlockCipherMode.OFB: return new(algorithm, mode, PaddingMethod.None, block, 0);
                    case BlockCipherMode.GCM when block == 16:
                        int tag = p?.TagLength ?? 16;
                        // General Failure, as the OASIS CS-BC-M-GCM-1 vectors expect of a tag length GCM has not.
                        if (tag is < 4 or > 16)
                            throw new KmipException(ResultReason.GeneralFailure, $"GCM's Tag Length is 4 to 16 bytes, not {tag}");
                        return new(algorithm, mode, PaddingMethod.None, p?.IVLength / 8 ?? 12, tag);
                    case BlockCipherMode.CCM when block == 16:
                        int ccmTag = p?.TagLength ?? 16;
                        int nonce = p?.IVLength / 8 ?? 12;
                        if (ccmTag is < 4 or > 16 || ccmTag % 2 != 0)
                            throw new KmipException(ResultReason.GeneralFailure, $"CCM's Tag Length is 4, 6, ... 16 bytes, not {ccmTag}");
                        if (nonce is < 7 or > 13)
                            throw new KmipException(ResultReason.InvalidField, $"CCM's nonce (IV Length) is 7 to 13 bytes, not {nonce}");
                        return new(algorithm, mode, PaddingMethod.None, nonce, ccmTag);
                    case BlockCipherMode.NISTKeyWrap or BlockCipherMode.AESKeyWrapPadding when block == 16:
                        return new(algorithm, mode, PaddingMethod.None, null, 0);
                    case BlockCipherMode.XTS when algorithm == CryptographicAlgorithm.AES:
                        return new(algorithm, mode, PaddingMethod.None, 16, 0);
                }
                break;
            case CryptographicAlgorithm.ChaCha20 when mode is null:
                return new(algorithm, null, PaddingMethod.None, p?.IVLength / 8 ?? 12, 0);
            case CryptographicAlgorithm.ChaCha20Poly1305 or CryptographicAlgorithm.ChaCha20 when mode is null or BlockCipherMode.AEAD:
                int chachaTag = p?.TagLength ?? 16;
                if (chachaTag is < 4 or > 16)
                    throw new KmipException(ResultReason.GeneralFailure, $"ChaCha20-Poly1305's Tag Length is 4 to 16 bytes, not {chachaTag}");
                return new(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD, PaddingMethod.None, 12, chachaTag);
        }
        throw new KmipException(ResultReason.FeatureNotSupported, $"{algorithm}{(mode is null ? "" : " in mode " + mode)} is not supported by this server");
    }

    /// <summary>
    /// A computation of <paramref name="choice"/> under <paramref name="key"/> with <paramref name="iv"/> (null for ECB)
    /// and the additional data of an authenticated mode. A <paramref name="singlePart"/> AES-GCM with a 12-byte IV and a
    /// tag of 12 to 16 bytes runs on .NET's AesGcm (OpenSSL's, several times faster); everything else on BouncyCastle.
    /// </summary>
    public static ICipherComputation Start(Choice choice, bool encrypt, byte[] key, byte[]? iv, byte[]? additionalData, bool singlePart = false)
    {
        if (singlePart && choice is { Algorithm: CryptographicAlgorithm.AES, Mode: BlockCipherMode.GCM, TagBytes: >= 12 and <= 16 }
            && iv?.Length == 12 && key.Length is 16 or 24 or 32)
            return new DotNetAesGcm(encrypt, key, iv, additionalData, choice.TagBytes);
        // Poly1305's tag is 16 bytes; a shorter Tag Length gives out (encrypting) or checks (decrypting) its first bytes.
        if (choice.Mode is BlockCipherMode.NISTKeyWrap or BlockCipherMode.AESKeyWrapPadding)
            return new KeyWrapComputation(choice, encrypt, key);
        if (choice.Mode == BlockCipherMode.XTS) return new XtsComputation(encrypt, key, iv!);
        int engineTag = choice.Algorithm == CryptographicAlgorithm.ChaCha20Poly1305 ? 16 : choice.TagBytes;
        if (!encrypt && engineTag > choice.TagBytes) return new TruncatedPoly1305Decryption(key, iv!, additionalData, choice.TagBytes);
        string name = choice switch
        {
            { Algorithm: CryptographicAlgorithm.ChaCha20Poly1305 } => "CHACHA20-POLY1305",
            { Algorithm: CryptographicAlgorithm.ChaCha20 } => iv!.Length == 8 ? "CHACHA" : "CHACHA7539",
            { Algorithm: CryptographicAlgorithm.RC4 } => "ARC4",
            _ => $"{BlockCiphers[choice.Algorithm].Name}/{choice.Mode}/{(choice.Padding == PaddingMethod.PKCS5 ? "PKCS7PADDING" : "NOPADDING")}",
        };
        IBufferedCipher cipher;
        try { cipher = CipherUtilities.GetCipher(name); }
        catch (SecurityUtilityException) { throw new KmipException(ResultReason.FeatureNotSupported, $"{name} is not supported by this server"); }
        var keyParameter = choice.Algorithm == CryptographicAlgorithm.DES3 ? new DesEdeParameters(ThreeKey(key)) : new KeyParameter(key);
        ICipherParameters parameters = engineTag > 0
            ? new AeadParameters(keyParameter, engineTag * 8, iv, additionalData)
            : iv is null ? keyParameter : new ParametersWithIV(keyParameter, iv);
        try { cipher.Init(encrypt, parameters); }
        catch (ArgumentException ex) { throw new KmipException(ResultReason.CryptographicFailure, $"the cipher refused the key or IV: {ex.Message}"); }
        return new CipherComputation(cipher, encrypt, engineTag, choice.TagBytes);
    }

    /// <summary>
    /// Wraps (or unwraps and checks) <paramref name="input"/> whole under <paramref name="key"/> with a 128-bit block
    /// cipher in NIST Key Wrap (RFC 3394) or AES Key Wrap Padding (RFC 5649): BouncyCastle's wrap engines. Encrypt,
    /// Decrypt and the Key Wrapping Data of Get and Register all wrap here.
    /// </summary>
    public static byte[] KeyWrap(CryptographicAlgorithm algorithm, BlockCipherMode mode, bool encrypt, byte[] key, byte[] input)
    {
        var engine = BlockEngine(algorithm);
        IWrapper wrapper = mode == BlockCipherMode.NISTKeyWrap ? new Org.BouncyCastle.Crypto.Engines.Rfc3394WrapEngine(engine)
            : new Org.BouncyCastle.Crypto.Engines.Rfc5649WrapEngine(engine);
        if (mode == BlockCipherMode.NISTKeyWrap && encrypt && (input.Length % 8 != 0 || input.Length < 16))
            throw new KmipException(ResultReason.CryptographicFailure, $"NIST Key Wrap (RFC 3394) wraps 16 bytes or more in 8-byte blocks, not {input.Length} bytes; AES Key Wrap Padding takes any length");
        try
        {
            wrapper.Init(encrypt, new KeyParameter(key));
            return encrypt ? wrapper.Wrap(input, 0, input.Length) : wrapper.Unwrap(input, 0, input.Length);
        }
        catch (InvalidCipherTextException)
        {
            throw new KmipException(ResultReason.CryptographicFailure, "the wrapped data does not unwrap: its integrity check failed (wrong key, mode, or damaged data)");
        }
        catch (ArgumentException ex)
        {
            throw new KmipException(ResultReason.CryptographicFailure, $"the key wrap refused the key or data: {ex.Message}");
        }
    }

    /// <summary>The BouncyCastle engine of a 128-bit block cipher (for the key wrap modes).</summary>
    public static IBlockCipher BlockEngine(CryptographicAlgorithm algorithm) => algorithm switch
    {
        CryptographicAlgorithm.AES => AesUtilities.CreateEngine(),
        CryptographicAlgorithm.Camellia => new Org.BouncyCastle.Crypto.Engines.CamelliaEngine(),
        CryptographicAlgorithm.ARIA => new Org.BouncyCastle.Crypto.Engines.AriaEngine(),
        CryptographicAlgorithm.SEED => new Org.BouncyCastle.Crypto.Engines.SeedEngine(),
        CryptographicAlgorithm.SM4 => new Org.BouncyCastle.Crypto.Engines.SM4Engine(),
        CryptographicAlgorithm.Twofish => new Org.BouncyCastle.Crypto.Engines.TwofishEngine(),
        _ => throw new KmipException(ResultReason.FeatureNotSupported, $"key wrap with {algorithm} is not supported by this server"),
    };

    /// <summary>The block ciphers of Encrypt and Decrypt, by BouncyCastle's name, with their block size in bytes.</summary>
    private static readonly Dictionary<CryptographicAlgorithm, (string Name, int BlockBytes)> BlockCiphers = new()
    {
        [CryptographicAlgorithm.AES] = ("AES", 16), [CryptographicAlgorithm.Camellia] = ("CAMELLIA", 16), [CryptographicAlgorithm.ARIA] = ("ARIA", 16),
        [CryptographicAlgorithm.SEED] = ("SEED", 16), [CryptographicAlgorithm.SM4] = ("SM4", 16), [CryptographicAlgorithm.Twofish] = ("TWOFISH", 16),
        [CryptographicAlgorithm.DES3] = ("DESEDE", 8), [CryptographicAlgorithm.DES] = ("DES", 8), [CryptographicAlgorithm.Blowfish] = ("BLOWFISH", 8),
        [CryptographicAlgorithm.CAST5] = ("CAST5", 8), [CryptographicAlgorithm.IDEA] = ("IDEA", 8), [CryptographicAlgorithm.RC2] = ("RC2", 8),
        [CryptographicAlgorithm.SKIPJACK] = ("SKIPJACK", 8), [CryptographicAlgorithm.RC5] = ("RC5", 8),
    };

    /// <summary>A 3DES key as BouncyCastle takes it: 16 bytes (two-key) or 24; KMIP also gives 168-bit keys as 21 bytes without parity.</summary>
    private static byte[] ThreeKey(byte[] key) => key.Length is 16 or 24 ? key
        : throw new KmipException(ResultReason.CryptographicFailure, $"a 3DES key is 16 or 24 bytes, not {key.Length}");
}
