using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// The server's random number generator for RNG Retrieve and RNG Seed: an HMAC_DRBG with SHA-256 (NIST SP 800-90A, from
/// BouncyCastle: .NET's generator cannot take seed material), instantiated and reseeded from the operating system's
/// generator. RNG Seed mixes the client's bytes in as additional seed material; they add to the system entropy, never
/// replace it, so a client cannot make the output predictable. Keys are generated with .NET's generator, not with this one.
/// </summary>
public sealed class RandomGenerator
{
    /// <summary>The most seed material one RNG Seed uses (more is accepted and counted up to this).</summary>
    public const int MaxSeedBytes = 1024;

    private readonly SecureRandom _drbg;
    private readonly object _gate = new();

    public RandomGenerator()
    {
        var builder = new SP800SecureRandomBuilder(new SecureRandom(), predictionResistant: false)
            .SetPersonalizationString(System.Text.Encoding.UTF8.GetBytes("Harness KMS RNG"))
            .SetSecurityStrength(256)
            .SetEntropyBitsRequired(256);
        _drbg = builder.BuildHMac(new HMac(new Sha256Digest()), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), predictionResistant: false);
    }

    /// <summary>The RNG Parameters this generator matches (Query, RNG Parameters attribute).</summary>
    public static TtlvNode Parameters(Tag tag) => TtlvNode.Structure(tag,
        TtlvNode.Enumeration(Kmip.Tag.RNGAlgorithm, (uint)RNGAlgorithm.DRBG),
        TtlvNode.Enumeration(Kmip.Tag.DRBGAlgorithm, (uint)DRBGAlgorithm.HMAC),
        TtlvNode.Enumeration(Kmip.Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256));

    public byte[] Next(int length)
    {
        var bytes = new byte[length];
        lock (_gate) _drbg.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Mixes <paramref name="seed"/> in; answers how many bytes were used.</summary>
    public int Seed(ReadOnlySpan<byte> seed)
    {
        var used = seed[..Math.Min(seed.Length, MaxSeedBytes)].ToArray();
        lock (_gate) _drbg.SetSeed(used);
        return used.Length;
    }
}
