using System.Numerics;
using System.Security.Cryptography;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// The Split Key Methods of KMIP 1.4 §2.2.5: XOR (every part needed) and Shamir's polynomial sharing [w1979] in
/// GF(2⁸) (FIPS 197's field, x⁸+x⁴+x³+x+1), in GF(2¹⁶) = GF(2⁸)[y]/(y²+y+m) with m = 0x3A (pieces of 16 bits, as
/// the spec defines the field), or in GF(p) for the Prime Field Size p (the secret as one big-endian integer below p).
/// A share is the polynomial at x = its Key Part Identifier (1, 2, …); joining interpolates at 0 from any Threshold of
/// them. The share of a piecewise method is the concatenation of the shares of the pieces, as long as the secret.
/// </summary>
public static class SecretSharing
{
    /// <summary>The shares of <paramref name="secret"/> for parts 1..<paramref name="parts"/>, any <paramref name="threshold"/> of which rebuild it.</summary>
    public static byte[][] Split(byte[] secret, int parts, int threshold, SplitKeyMethod method, BigInteger? prime)
    {
        if (parts < 1 || threshold < 1 || threshold > parts)
            throw new KmipException(ResultReason.InvalidField, $"Split Key Threshold must be 1 to Split Key Parts: {threshold} of {parts} will not do");
        switch (method)
        {
            case SplitKeyMethod.XOR:
                if (threshold != parts)
                    throw new KmipException(ResultReason.InvalidField, $"XOR splitting needs every part: Split Key Threshold must equal Split Key Parts, not {threshold} of {parts}");
                var shares = Enumerable.Range(0, parts - 1).Select(_ => RandomNumberGenerator.GetBytes(secret.Length)).ToList();
                var last = (byte[])secret.Clone();
                foreach (var share in shares) Xor(last, share);
                return [.. shares, last];
            case SplitKeyMethod.PolynomialSharingGF2_8:
                return Piecewise(secret, parts, threshold, 1);
            case SplitKeyMethod.PolynomialSharingGF2_16:
                if (secret.Length % 2 != 0)
                    throw new KmipException(ResultReason.InvalidField, $"sharing in GF(2^16) works on pieces of 16 bits: the key is {secret.Length * 8} bits");
                return Piecewise(secret, parts, threshold, 2);
            case SplitKeyMethod.PolynomialSharingPrimeField:
                var p = Prime(prime, secret);
                var s = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
                var coefficients = Enumerable.Range(0, threshold - 1).Select(_ => RandomBelow(p)).ToList();
                int size = p.GetByteCount(isUnsigned: true);
                return Enumerable.Range(1, parts).Select(x =>
                {
                    BigInteger y = 0;
                    for (int k = coefficients.Count - 1; k >= 0; k--) y = (y + coefficients[k]) * x % p;
                    return Fixed((y + s) % p, size);
                }).ToArray();
            default:
                throw new KmipException(ResultReason.FeatureNotSupported, $"split key method {method} is not supported by this server");
        }
    }

    /// <summary>The secret rebuilt from <paramref name="shares"/> (Key Part Identifier, share), <paramref name="length"/> bytes long.</summary>
    public static byte[] Join(IReadOnlyList<(int X, byte[] Share)> shares, SplitKeyMethod method, BigInteger? prime, int length)
    {
        if (shares.Select(s => s.X).Distinct().Count() != shares.Count)
            throw new KmipException(ResultReason.InvalidField, "the same Key Part Identifier is given twice");
        switch (method)
        {
            case SplitKeyMethod.XOR:
                var secret = new byte[length];
                foreach (var (_, share) in shares) Xor(secret, share);
                return secret;
            case SplitKeyMethod.PolynomialSharingGF2_8 or SplitKeyMethod.PolynomialSharingGF2_16:
                int width = method == SplitKeyMethod.PolynomialSharingGF2_8 ? 1 : 2;
                var joined = new byte[length];
                for (int at = 0; at < length; at += width)
                {
                    int value = 0;
                    foreach (var (xj, share) in shares)
                    {
                        int basis = 1;
                        foreach (var (xk, _) in shares)
                            if (xk != xj) basis = Mul(basis, Mul(xk, Inverse(xk ^ xj, width), width), width);
                        value ^= Mul(Read(share, at, width), basis, width);
                    }
                    Write(joined, at, width, value);
                }
                return joined;
            case SplitKeyMethod.PolynomialSharingPrimeField:
                var p = prime ?? throw new KmipException(ResultReason.InvalidField, "the split keys carry no Prime Field Size");
                BigInteger sum = 0;
                foreach (var (xj, share) in shares)
                {
                    BigInteger numerator = 1, denominator = 1;
                    foreach (var (xk, _) in shares)
                        if (xk != xj) { numerator = numerator * xk % p; denominator = denominator * (((xk - xj) % p + p) % p) % p; }
                    var y = new BigInteger(share, isUnsigned: true, isBigEndian: true);
                    sum = (sum + y * numerator % p * BigInteger.ModPow(denominator, p - 2, p)) % p;
                }
                return Fixed(sum, length);
            default:
                throw new KmipException(ResultReason.FeatureNotSupported, $"split key method {method} is not supported by this server");
        }
    }

    private static byte[][] Piecewise(byte[] secret, int parts, int threshold, int width)
    {
        if (parts >= 1 << (8 * width))
            throw new KmipException(ResultReason.InvalidField, $"GF(2^{8 * width}) has room for {(1 << (8 * width)) - 1} parts, not {parts}");
        var shares = Enumerable.Range(0, parts).Select(_ => new byte[secret.Length]).ToArray();
        var coefficients = new byte[(threshold - 1) * width];
        for (int at = 0; at < secret.Length; at += width)
        {
            RandomNumberGenerator.Fill(coefficients);
            for (int x = 1; x <= parts; x++)
            {
                int y = 0;
                for (int k = threshold - 2; k >= 0; k--) y = Mul(y ^ Read(coefficients, k * width, width), x, width);
                Write(shares[x - 1], at, width, y ^ Read(secret, at, width));
            }
        }
        return shares;
    }

    private static int Read(byte[] bytes, int at, int width) => width == 1 ? bytes[at] : bytes[at] << 8 | bytes[at + 1];

    private static void Write(byte[] bytes, int at, int width, int value)
    {
        if (width == 1) bytes[at] = (byte)value;
        else { bytes[at] = (byte)(value >> 8); bytes[at + 1] = (byte)value; }
    }

    /// <summary>A product in GF(2⁸) (width 1) or in GF(2¹⁶) = GF(2⁸)[y]/(y²+y+m), an element uy+v held as u·256+v (width 2).</summary>
    private static int Mul(int a, int b, int width)
    {
        if (width == 1) return Mul8(a, b);
        int r = a >> 8, s = a & 0xFF, u = b >> 8, v = b & 0xFF;
        // (ry+s)(uy+v) = ru·y² + (rv+su)·y + sv, with y² = y + m.
        int ru = Mul8(r, u);
        return (ru ^ Mul8(r, v) ^ Mul8(s, u)) << 8 | (Mul8(ru, 0x3A) ^ Mul8(s, v));
    }

    private static int Inverse(int a, int width)
    {
        if (a == 0) throw new KmipException(ResultReason.InvalidField, "two split keys share a Key Part Identifier");
        // a^(|field| - 2) = a⁻¹ in a field of 2^(8·width) elements.
        int result = 1, power = a;
        for (int e = (1 << (8 * width)) - 2; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) result = Mul(result, power, width);
            power = Mul(power, power, width);
        }
        return result;
    }

    private static int Mul8(int a, int b)
    {
        int p = 0;
        for (; b != 0; b >>= 1)
        {
            if ((b & 1) != 0) p ^= a;
            a <<= 1;
            if ((a & 0x100) != 0) a ^= 0x11B;
        }
        return p;
    }

    private static void Xor(byte[] into, byte[] with)
    {
        if (with.Length != into.Length) throw new KmipException(ResultReason.InvalidField, "the split keys are not all as long as the key");
        for (int i = 0; i < into.Length; i++) into[i] ^= with[i];
    }

    private static BigInteger Prime(BigInteger? prime, byte[] secret)
    {
        var p = prime ?? throw new KmipException(ResultReason.InvalidField, "Polynomial Sharing Prime Field needs the Prime Field Size");
        if (p <= new BigInteger(secret, isUnsigned: true, isBigEndian: true) || p <= BigInteger.One << (secret.Length * 8) || !IsProbablePrime(p))
            throw new KmipException(ResultReason.InvalidField, $"the Prime Field Size must be a prime above the {secret.Length * 8}-bit key (above 2^L)");
        return p;
    }

    private static bool IsProbablePrime(BigInteger p) =>
        new Org.BouncyCastle.Math.BigInteger(1, p.ToByteArray(isUnsigned: true, isBigEndian: true)).IsProbablePrime(64);

    private static BigInteger RandomBelow(BigInteger p)
    {
        var bytes = new byte[p.GetByteCount(isUnsigned: true) + 8];
        RandomNumberGenerator.Fill(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true) % p;
    }

    private static byte[] Fixed(BigInteger value, int size)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length > size) throw new KmipException(ResultReason.CryptographicFailure, "the joined value is longer than the key: the split keys do not belong together");
        var result = new byte[size];
        bytes.CopyTo(result, size - bytes.Length);
        return result;
    }
}
