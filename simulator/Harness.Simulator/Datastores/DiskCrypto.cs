using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>
/// The cryptography of an encrypted VM as ESXi does it: a data encryption key (DEK) per disk, made by the host; data
/// encrypted under the DEK (AES-256-GCM here); the DEK wrapped with the VM's key encryption key (KEK, from the KMS) by
/// AES key wrap (RFC 3394) and kept in the VMX's encryption bundle. The KEK never touches the datastore.
/// </summary>
public static class DiskCrypto
{
    public static byte[] NewDek() => RandomNumberGenerator.GetBytes(32);

    public static EncryptedData Encrypt(byte[] dek, ReadOnlySpan<byte> plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plaintext.Length];
        var tag = new byte[16];
        using var gcm = new AesGcm(dek, 16);
        gcm.Encrypt(nonce, plaintext, cipher, tag);
        return new EncryptedData(nonce, cipher, tag);
    }

    /// <summary>Decrypts, or returns null when the key is not the one the data was encrypted with.</summary>
    public static byte[]? TryDecrypt(byte[] dek, EncryptedData data)
    {
        var plain = new byte[data.Ciphertext.Length];
        try
        {
            using var gcm = new AesGcm(dek, 16);
            gcm.Decrypt(data.Nonce, data.Ciphertext, data.Tag, plain);
            return plain;
        }
        catch (AuthenticationTagMismatchException) { return null; }
    }

    /// <summary>AES key wrap (RFC 3394, BouncyCastle's engine) of a 32-byte DEK under a 32-byte KEK.</summary>
    public static byte[] WrapDek(byte[] kek, byte[] dek)
    {
        var wrap = KeyWrap(true, kek);
        return wrap.Wrap(dek, 0, dek.Length);
    }

    /// <summary>Unwraps, or returns null when the KEK is wrong (the RFC 3394 integrity check fails).</summary>
    public static byte[]? TryUnwrapDek(byte[] kek, byte[] wrapped)
    {
        var unwrap = KeyWrap(false, kek);
        try { return unwrap.Unwrap(wrapped, 0, wrapped.Length); }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException) { return null; }
    }

    private static Org.BouncyCastle.Crypto.Engines.Rfc3394WrapEngine KeyWrap(bool wrap, byte[] kek)
    {
        var engine = new Org.BouncyCastle.Crypto.Engines.Rfc3394WrapEngine(Org.BouncyCastle.Crypto.AesUtilities.CreateEngine());
        engine.Init(wrap, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(kek));
        return engine;
    }
}

/// <summary>Data encrypted with AES-256-GCM: nonce, ciphertext, tag.</summary>
public sealed record EncryptedData(byte[] Nonce, byte[] Ciphertext, byte[] Tag);
