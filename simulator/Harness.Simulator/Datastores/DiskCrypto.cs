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

    /// <summary>AES key wrap (RFC 3394) of a 32-byte DEK under a 32-byte KEK.</summary>
    public static byte[] WrapDek(byte[] kek, byte[] dek) => KeyWrap.Wrap(kek, dek);

    /// <summary>Unwraps, or returns null when the KEK is wrong (the RFC 3394 integrity check fails).</summary>
    public static byte[]? TryUnwrapDek(byte[] kek, byte[] wrapped) => KeyWrap.TryUnwrap(kek, wrapped);

    /// <summary>RFC 3394 on .NET's AES block cipher.</summary>
    private static class KeyWrap
    {
        private static readonly byte[] Iv = [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];

        public static byte[] Wrap(byte[] kek, byte[] plain)
        {
            int n = plain.Length / 8;
            var a = (byte[])Iv.Clone();
            var r = new byte[n][];
            for (int i = 0; i < n; i++) r[i] = plain.AsSpan(i * 8, 8).ToArray();
            using var aes = Aes.Create();
            aes.Key = kek;
            var block = new byte[16];
            for (int j = 0; j <= 5; j++)
                for (int i = 0; i < n; i++)
                {
                    a.CopyTo(block, 0);
                    r[i].CopyTo(block, 8);
                    var b = aes.EncryptEcb(block, PaddingMode.None);
                    ulong t = (ulong)(n * j + i + 1);
                    for (int k = 0; k < 8; k++) a[k] = (byte)(b[k] ^ (byte)(t >> (8 * (7 - k))));
                    r[i] = b.AsSpan(8, 8).ToArray();
                }
            return a.Concat(r.SelectMany(x => x)).ToArray();
        }

        public static byte[]? TryUnwrap(byte[] kek, byte[] wrapped)
        {
            int n = wrapped.Length / 8 - 1;
            var a = wrapped.AsSpan(0, 8).ToArray();
            var r = new byte[n][];
            for (int i = 0; i < n; i++) r[i] = wrapped.AsSpan((i + 1) * 8, 8).ToArray();
            using var aes = Aes.Create();
            aes.Key = kek;
            var block = new byte[16];
            for (int j = 5; j >= 0; j--)
                for (int i = n - 1; i >= 0; i--)
                {
                    ulong t = (ulong)(n * j + i + 1);
                    for (int k = 0; k < 8; k++) block[k] = (byte)(a[k] ^ (byte)(t >> (8 * (7 - k))));
                    r[i].CopyTo(block, 8);
                    var b = aes.DecryptEcb(block, PaddingMode.None);
                    a = b.AsSpan(0, 8).ToArray();
                    r[i] = b.AsSpan(8, 8).ToArray();
                }
            return CryptographicOperations.FixedTimeEquals(a, Iv) ? r.SelectMany(x => x).ToArray() : null;
        }
    }
}

/// <summary>Data encrypted with AES-256-GCM: nonce, ciphertext, tag.</summary>
public sealed record EncryptedData(byte[] Nonce, byte[] Ciphertext, byte[] Tag);
