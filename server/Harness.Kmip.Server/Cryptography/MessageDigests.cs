using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>A hash or MAC computed over data that may arrive in parts (a KMIP stream).</summary>
public interface IDigestComputation
{
    void Append(ReadOnlySpan<byte> data);

    /// <summary>The digest or MAC of everything appended; the computation cannot be used after it.</summary>
    byte[] Finish();
}

/// <summary>
/// The hash and MAC algorithms of Hash, MAC and MAC Verify. .NET's own implementations where it has them (MD5, SHA-1,
/// SHA-2, SHA-3 and their HMACs: faster, and FIPS-validated through OpenSSL); BouncyCastle for the others (MD2, MD4,
/// RIPEMD-160, Tiger, Whirlpool, SHA-224, SHA-512/224, SHA-512/256, SHA3-224, their HMACs, and CMAC).
/// </summary>
public static class MessageDigests
{
    /// <summary>A hash of <paramref name="algorithm"/>; null when the algorithm is not one this server computes.</summary>
    public static IDigestComputation? Hash(HashingAlgorithm algorithm) =>
        DotNetName(algorithm) is { } name ? new DotNetHash(IncrementalHash.CreateHash(name)) : BouncyDigest(algorithm) is { } d ? new BouncyHash(d) : null;

    /// <summary>An HMAC with <paramref name="algorithm"/> under <paramref name="key"/>; null when the hash is not one this server computes.</summary>
    public static IDigestComputation? Hmac(HashingAlgorithm algorithm, byte[] key)
    {
        if (DotNetName(algorithm) is { } name) return new DotNetHash(IncrementalHash.CreateHMAC(name, key));
        if (BouncyDigest(algorithm) is not { } digest) return null;
        var mac = new HMac(digest);
        mac.Init(new KeyParameter(key));
        return new BouncyMac(mac);
    }

    /// <summary>AES-CMAC (NIST SP 800-38B) under a 128-, 192- or 256-bit key.</summary>
    public static IDigestComputation AesCmac(byte[] key)
    {
        var mac = new CMac(new AesEngine());
        mac.Init(new KeyParameter(key));
        return new BouncyMac(mac);
    }

    /// <summary>The hash of an HMAC algorithm (HMAC-SHA256 → SHA-256), or null for an algorithm that is not an HMAC.</summary>
    public static HashingAlgorithm? HmacHash(CryptographicAlgorithm algorithm) => algorithm switch
    {
        CryptographicAlgorithm.HMAC_MD5 => HashingAlgorithm.MD5,
        CryptographicAlgorithm.HMAC_SHA1 => HashingAlgorithm.SHA_1,
        CryptographicAlgorithm.HMAC_SHA224 => HashingAlgorithm.SHA_224,
        CryptographicAlgorithm.HMAC_SHA256 => HashingAlgorithm.SHA_256,
        CryptographicAlgorithm.HMAC_SHA384 => HashingAlgorithm.SHA_384,
        CryptographicAlgorithm.HMAC_SHA512 => HashingAlgorithm.SHA_512,
        CryptographicAlgorithm.HMAC_SHA3_224 => HashingAlgorithm.SHA_3_224,
        CryptographicAlgorithm.HMAC_SHA3_256 => HashingAlgorithm.SHA_3_256,
        CryptographicAlgorithm.HMAC_SHA3_384 => HashingAlgorithm.SHA_3_384,
        CryptographicAlgorithm.HMAC_SHA3_512 => HashingAlgorithm.SHA_3_512,
        _ => null,
    };

    private static HashAlgorithmName? DotNetName(HashingAlgorithm algorithm) => algorithm switch
    {
        HashingAlgorithm.MD5 => HashAlgorithmName.MD5,
        HashingAlgorithm.SHA_1 => HashAlgorithmName.SHA1,
        HashingAlgorithm.SHA_256 => HashAlgorithmName.SHA256,
        HashingAlgorithm.SHA_384 => HashAlgorithmName.SHA384,
        HashingAlgorithm.SHA_512 => HashAlgorithmName.SHA512,
        HashingAlgorithm.SHA_3_256 when SHA3_256.IsSupported => HashAlgorithmName.SHA3_256,
        HashingAlgorithm.SHA_3_384 when SHA3_384.IsSupported => HashAlgorithmName.SHA3_384,
        HashingAlgorithm.SHA_3_512 when SHA3_512.IsSupported => HashAlgorithmName.SHA3_512,
        _ => null,
    };

    internal static IDigest? BouncyDigest(HashingAlgorithm algorithm) => algorithm switch
    {
        HashingAlgorithm.MD2 => new MD2Digest(),
        HashingAlgorithm.MD4 => new MD4Digest(),
        HashingAlgorithm.MD5 => new MD5Digest(),
        HashingAlgorithm.SHA_1 => new Sha1Digest(),
        HashingAlgorithm.SHA_224 => new Sha224Digest(),
        HashingAlgorithm.SHA_256 => new Sha256Digest(),
        HashingAlgorithm.SHA_384 => new Sha384Digest(),
        HashingAlgorithm.SHA_512 => new Sha512Digest(),
        HashingAlgorithm.RIPEMD_160 => new RipeMD160Digest(),
        HashingAlgorithm.Tiger => new TigerDigest(),
        HashingAlgorithm.Whirlpool => new WhirlpoolDigest(),
        HashingAlgorithm.SHA_512_224 => new Sha512tDigest(224),
        HashingAlgorithm.SHA_512_256 => new Sha512tDigest(256),
        HashingAlgorithm.SHA_3_224 => new Sha3Digest(224),
        HashingAlgorithm.SHA_3_256 => new Sha3Digest(256),
        HashingAlgorithm.SHA_3_384 => new Sha3Digest(384),
        HashingAlgorithm.SHA_3_512 => new Sha3Digest(512),
        _ => null,
    };

    /// <summary>
    /// The message itself, for the schemes that sign it whole (EdDSA): the parts are kept, up to <see cref="WholeMessageLimit"/>
    /// bytes (Server Limit Exceeded beyond), and Finish gives them joined.
    /// </summary>
    public static IDigestComputation WholeMessage(ProtocolVersion version) => new Buffer(version);

    public const int WholeMessageLimit = 16 << 20;

    private sealed class Buffer(ProtocolVersion version) : IDigestComputation
    {
        private readonly MemoryStream _message = new();

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_message.Length + data.Length > WholeMessageLimit)
                throw ServerLimits.Exceeded(version, $"a message signed whole (EdDSA) is kept until its last part: at most {WholeMessageLimit >> 20} MiB");
            _message.Write(data);
        }

        public byte[] Finish() => _message.ToArray();
    }

    private sealed class DotNetHash(IncrementalHash hash) : IDigestComputation
    {
        public void Append(ReadOnlySpan<byte> data) => hash.AppendData(data);

        public byte[] Finish()
        {
            using (hash) return hash.GetHashAndReset();
        }
    }

    private sealed class BouncyHash(IDigest digest) : IDigestComputation
    {
        public void Append(ReadOnlySpan<byte> data) => digest.BlockUpdate(data);

        public byte[] Finish()
        {
            var output = new byte[digest.GetDigestSize()];
            digest.DoFinal(output, 0);
            return output;
        }
    }

    private sealed class BouncyMac(IMac mac) : IDigestComputation
    {
        public void Append(ReadOnlySpan<byte> data) => mac.BlockUpdate(data);

        public byte[] Finish()
        {
            var output = new byte[mac.GetMacSize()];
            mac.DoFinal(output, 0);
            return output;
        }
    }
}
