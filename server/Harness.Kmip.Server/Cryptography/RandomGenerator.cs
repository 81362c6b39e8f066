using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Crypto.Prng.Drbg;
using Org.BouncyCastle.Security;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// The server's random number generator for RNG Retrieve and RNG Seed: an HMAC_DRBG with SHA-256 (NIST SP 800-90A, from
/// BouncyCastle: .NET's generator cannot take seed material), instantiated and reseeded from the operating system's
/// generator. RNG Seed reseeds it with fresh system entropy and the client's bytes as additional input (SP 800-90A
/// §9.2): they add to the state, never replace the entropy, so a client cannot make the output predictable. Keys are
/// generated with .NET's generator, not with this one.
/// </summary>
public sealed class RandomGenerator
{
    /// <summary>The most seed material one RNG Seed uses (more is accepted and counted up to this).</summary>
    public const int MaxSeedBytes = 1024;

    /// <summary>BouncyCastle's HMAC_DRBG gives at most 262,144 bits per request: longer output is drawn in parts.</summary>
    private const int MaxBytesPerRequest = 262_144 / 8;

    private readonly HMacSP800Drbg _drbg;
    private readonly object _gate = new();

    public RandomGenerator()
        : this(new BasicEntropySourceProvider(new SecureRandom(), true).Get(256),
            System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))
    {
    }

    /// <summary>A generator on the given entropy source (tests give a fixed one to see what seeding changes).</summary>
    internal RandomGenerator(IEntropySource entropy, byte[] nonce) =>
        _drbg = new HMacSP800Drbg(new HMac(new Sha256Digest()), 256, entropy, System.Text.Encoding.UTF8.GetBytes("Harness KMS RNG"), nonce);

    /// <summary>The RNG Parameters (KMIP 1.4 §2.1.18) of this generator, as Query RNGs answers them.</summary>
    public static TtlvNode Parameters { get; } = TtlvNode.Structure(Tag.RNGParameters,
        TtlvNode.Enumeration(Tag.RNGAlgorithm, (uint)RNGAlgorithm.DRBG),
        TtlvNode.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256),
        TtlvNode.Enumeration(Tag.DRBGAlgorithm, (uint)DRBGAlgorithm.HMAC));

    public byte[] Next(int length)
    {
        var output = new byte[length];
        lock (_gate)
        {
            for (int offset = 0; offset < length; offset += MaxBytesPerRequest)
            {
                int count = Math.Min(MaxBytesPerRequest, length - offset);
                if (_drbg.Generate(output, offset, count, null, false) < 0)
                {
                    _drbg.Reseed(null); // the reseed interval is reached
                    _drbg.Generate(output, offset, count, null, false);
                }
            }
        }
        return output;
    }

    /// <summary>Reseeds with <paramref name="seed"/> (up to <see cref="MaxSeedBytes"/>) as additional input; answers how many bytes were used.</summary>
    public int Seed(ReadOnlySpan<byte> seed)
    {
        var used = seed[..Math.Min(seed.Length, MaxSeedBytes)].ToArray();
        lock (_gate) _drbg.Reseed(used);
        return used.Length;
    }
}
