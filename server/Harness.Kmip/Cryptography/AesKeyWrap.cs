using System.Security.Cryptography;

namespace Harness.Kmip.Cryptography;

/// <summary>AES Key Wrap (RFC 3394) and AES Key Wrap with Padding (RFC 5649), on .NET's AES block cipher.</summary>
public static class AesKeyWrap
{
    private static readonly byte[] DefaultIv = [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];

    public static byte[] Wrap(byte[] kek, byte[] plaintext)
    {
        if (plaintext.Length % 8 != 0 || plaintext.Length < 16) throw new ArgumentException("RFC 3394 wraps 16 or more bytes in 8-byte blocks");
        return WrapCore(kek, DefaultIv, plaintext);
    }

    public static byte[] Unwrap(byte[] kek, byte[] wrapped) =>
        TryUnwrap(kek, wrapped) ?? throw new CryptographicException("AES key unwrap: integrity check failed (wrong key, or damaged data)");

    /// <summary>Unwraps, or returns null when the integrity check fails (the key is not the one that wrapped).</summary>
    public static byte[]? TryUnwrap(byte[] kek, byte[] wrapped)
    {
        if (wrapped.Length < 24 || wrapped.Length % 8 != 0) return null;
        var (iv, plain) = UnwrapCore(kek, wrapped);
        return CryptographicOperations.FixedTimeEquals(iv, DefaultIv) ? plain : null;
    }

    /// <summary>RFC 5649: the alternative IV A65959A6 carries the length; data padded with zeros to 8 bytes.</summary>
    public static byte[] WrapWithPadding(byte[] kek, byte[] plaintext)
    {
        var iv = new byte[8] { 0xA6, 0x59, 0x59, 0xA6, 0, 0, 0, 0 };
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(iv.AsSpan(4), (uint)plaintext.Length);
        var padded = new byte[(plaintext.Length + 7) / 8 * 8];
        plaintext.CopyTo(padded, 0);
        if (padded.Length == 8)
        {
            using var aes = Aes.Create();
            aes.Key = kek;
            var block = iv.Concat(padded).ToArray();
            return aes.EncryptEcb(block, PaddingMode.None);
        }
        return WrapCore(kek, iv, padded);
    }

    private static byte[] WrapCore(byte[] kek, byte[] iv, byte[] plaintext)
    {
        int n = plaintext.Length / 8;
        var a = iv.ToArray();
        var r = new byte[n][];
        for (int i = 0; i < n; i++) r[i] = plaintext.AsSpan(i * 8, 8).ToArray();
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

    private static (byte[] Iv, byte[] Plain) UnwrapCore(byte[] kek, byte[] wrapped)
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
        return (a, r.SelectMany(x => x).ToArray());
    }
}
