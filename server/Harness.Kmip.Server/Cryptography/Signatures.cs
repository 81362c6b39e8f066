using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Harness.Kmip.Payloads;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// The signature schemes of Sign and Signature Verify, each applied to the digest of the data (so a stream only hashes,
/// and Digested Data skips the hash): RSA PKCS#1 v1.5 and PSS (any salt length: the longest when signing without one, read
/// from the signature when verifying without one; MGF1 with any hash; BouncyCastle),
/// ECDSA (.NET, which asks OpenSSL; DER-encoded signatures as X.509 and PyKMIP use), DSA, and Ed25519 and Ed448, which
/// sign the whole message (BouncyCastle).
/// </summary>
public static class Signatures
{
    /// <summary>
    /// A resolved scheme: the key's family, the hash (none: EdDSA signs the message itself), the RSA padding, and PSS's
    /// salt and mask hash (none given: the message hash, as PKCS#1 recommends).
    /// </summary>
    public sealed record Scheme(CryptographicAlgorithm Algorithm, HashingAlgorithm? Hash, PaddingMethod? Padding, int? SaltLength, HashingAlgorithm? MaskHash)
    {
        public override string ToString() => Algorithm == CryptographicAlgorithm.RSA ? $"RSA {Padding} with {Hash}" : $"{Algorithm} with {Hash}";
    }

    /// <summary>
    /// The scheme of the Cryptographic Parameters (the Digital Signature Algorithm, else the Cryptographic Algorithm,
    /// Padding Method and Hashing Algorithm) for <paramref name="key"/>: Invalid Field when they name another family than
    /// the key's or no hash, Feature Not Supported for a padding or hash this server does not sign with.
    /// </summary>
    public static Scheme Choose(CryptographicParameters? p, AsymmetricKeyParameter key, string keyId)
    {
        var family = Family(key);
        var (named, hash, padding) = p?.DigitalSignatureAlgorithm switch
        {
            null => (p?.CryptographicAlgorithm, p?.HashingAlgorithm, p?.PaddingMethod),
            DigitalSignatureAlgorithm.RSASSA_PSS => (CryptographicAlgorithm.RSA, p.HashingAlgorithm ?? HashingAlgorithm.SHA_256, PaddingMethod.PSS),
            var ds => SignatureAlgorithm(ds.Value),
        };
        if (named is { } n && Family(n) != family)
            throw new KmipException(ResultReason.InvalidField, $"'{keyId}' is a {family} key: it cannot sign or verify with {n}");
        // EdDSA (RFC 8032, pure): the message is signed as it is, with the curve's own hash.
        if (family is CryptographicAlgorithm.Ed25519 or CryptographicAlgorithm.Ed448) return new Scheme(family, null, null, null, null);
        var digest = hash ?? throw new KmipException(ResultReason.InvalidField,
            "no Hashing Algorithm (or Digital Signature Algorithm) in the Cryptographic Parameters of the request or the key");
        if (MessageDigests.BouncyDigest(digest) is null) throw new KmipException(ResultReason.FeatureNotSupported, $"hashing algorithm {digest} is not supported by this server");
        if (family == CryptographicAlgorithm.RSA)
        {
            var pad = padding ?? PaddingMethod.PKCS1V1_5;
            if (pad is not (PaddingMethod.PKCS1V1_5 or PaddingMethod.PSS))
                throw new KmipException(ResultReason.FeatureNotSupported, $"RSA signatures with padding method {pad} are not supported by this server (PKCS1 v1.5 or PSS)");
            if (p?.MaskGenerator is { } mg && mg != MaskGenerator.MGF1)
                throw new KmipException(ResultReason.FeatureNotSupported, $"mask generator {mg} is not supported by this server");
            // KMIP 2.1 §7.6 says the mask hash defaults to SHA-1; the OASIS CS-AC vectors and PyKMIP use MGF1 with the
            // signature's own hash, and a signature made so must verify here: the default is the signature's hash.
            return new Scheme(family, digest, pad, p?.SaltLength, p?.MaskGeneratorHashingAlgorithm);
        }
        return new Scheme(family, digest, null, null, null);
    }

    /// <summary>The signature of a digest.</summary>
    public static byte[] SignDigest(Scheme scheme, AsymmetricKeyParameter key, byte[] digest)
    {
        try
        {
            if (key is ECPrivateKeyParameters ec)
            {
                var dotnet = DotNetEc(ec);
                lock (dotnet) return dotnet.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
            }
            var signer = RawSigner(scheme, key);
            signer.Init(true, scheme.Hash is null ? key : new ParametersWithRandom(key, new SecureRandom()));
            signer.BlockUpdate(digest, 0, digest.Length);
            return signer.GenerateSignature();
        }
        catch (Exception ex) when (ex is CryptoException or DataLengthException or CryptographicException)
        {
            throw new KmipException(ResultReason.CryptographicFailure, $"{scheme} cannot sign with this key: {ex.Message}");
        }
    }

    /// <summary>Whether <paramref name="signature"/> is the key's signature of the digest; a malformed signature is not valid.</summary>
    public static bool VerifyDigest(Scheme scheme, AsymmetricKeyParameter key, byte[] digest, byte[] signature)
    {
        try
        {
            // A PSS signature checked without a Salt Length: the salt's length is read from the signature itself.
            if (scheme is { Padding: PaddingMethod.PSS, SaltLength: null })
                scheme = scheme with { SaltLength = PssSaltLength(scheme, (RsaKeyParameters)key, signature) ?? -1 };
            if (scheme.SaltLength < 0) return false;
            var signer = RawSigner(scheme, key);
            signer.Init(false, key);
            signer.BlockUpdate(digest, 0, digest.Length);
            return signer.VerifySignature(signature);
        }
        catch (Exception ex) when (ex is CryptoException or DataLengthException or ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The salt length of an RSA-PSS signature (RFC 8017 §9.1.2 steps 7–10: unmask the data block, skip the zero padding
    /// to its 0x01), or null when the signature is not a PSS encoding under this key and mask hash.
    /// </summary>
    private static int? PssSaltLength(Scheme scheme, RsaKeyParameters key, byte[] signature)
    {
        var engine = new RsaBlindedEngine();
        engine.Init(false, key);
        int emBits = key.Modulus.BitLength - 1, emLength = (emBits + 7) / 8;
        var recovered = engine.ProcessBlock(signature, 0, signature.Length);
        if (recovered.Length > emLength) return null;
        var em = new byte[emLength];
        recovered.CopyTo(em, emLength - recovered.Length);
        var mask = MessageDigests.BouncyDigest(scheme.MaskHash ?? scheme.Hash!.Value)!;
        int hashLength = MessageDigests.BouncyDigest(scheme.Hash!.Value)!.GetDigestSize();
        if (emLength < hashLength + 2 || em[^1] != 0xBC) return null;
        int dbLength = emLength - hashLength - 1;
        var db = new byte[dbLength];
        var generator = new Org.BouncyCastle.Crypto.Generators.Mgf1BytesGenerator(mask);
        generator.Init(new MgfParameters(em, dbLength, hashLength));
        generator.GenerateBytes(db, 0, dbLength);
        for (int i = 0; i < dbLength; i++) db[i] ^= em[i];
        db[0] &= (byte)(0xFF >> (8 * emLength - emBits));
        int separator = Array.FindIndex(db, b => b != 0);
        return separator >= 0 && db[separator] == 0x01 ? dbLength - separator - 1 : null;
    }

    /// <summary>A BouncyCastle signer that takes the digest as its input.</summary>
    private static ISigner RawSigner(Scheme scheme, AsymmetricKeyParameter key)
    {
        if (scheme.Hash is not { } hash) return key is Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters ? new Ed25519Signer() : new Ed448Signer([]);
        var hashName = MessageDigests.BouncyDigest(hash)!.AlgorithmName;
        return Family(key) switch
        {
            CryptographicAlgorithm.RSA when scheme.Padding == PaddingMethod.PSS =>
                PssSigner.CreateRawSigner(new RsaBlindedEngine(), MessageDigests.BouncyDigest(hash)!, MessageDigests.BouncyDigest(scheme.MaskHash ?? hash)
                    ?? throw new KmipException(ResultReason.FeatureNotSupported, $"mask generator hash {scheme.MaskHash} is not supported by this server"),
                    scheme.SaltLength ?? MaxSaltLength((RsaKeyParameters)key, hash), PssSigner.TrailerImplicit),
            CryptographicAlgorithm.RSA => new RsaDigestSigner(new NullDigest(), DigestUtilities.GetObjectIdentifier(hashName)
                ?? throw new KmipException(ResultReason.FeatureNotSupported, $"RSA PKCS#1 v1.5 signatures with {scheme.Hash} are not supported by this server")),
            CryptographicAlgorithm.ECDSA => new DsaDigestSigner(new ECDsaSigner(), new NullDigest(), StandardDsaEncoding.Instance),
            _ => new DsaDigestSigner(new DsaSigner(), new NullDigest(), StandardDsaEncoding.Instance),
        };
    }

    /// <summary>The longest salt a PSS signature of this key can hold (emLen − hLen − 2): what a signature without a Salt Length uses, as PyKMIP does.</summary>
    private static int MaxSaltLength(RsaKeyParameters key, HashingAlgorithm hash) =>
        (key.Modulus.BitLength - 1 + 7) / 8 - MessageDigests.BouncyDigest(hash)!.GetDigestSize() - 2;

    private static readonly ConditionalWeakTable<ECPrivateKeyParameters, ECDsa> DotNetKeys = new();

    /// <summary>The .NET (OpenSSL) form of an EC private key, made once per parsed key.</summary>
    private static ECDsa DotNetEc(ECPrivateKeyParameters key) => DotNetKeys.GetValue(key, k =>
    {
        var q = AsymmetricKeys.PublicOf(k) is ECPublicKeyParameters pub ? pub.Q : throw new InvalidOperationException();
        int size = (k.Parameters.Curve.FieldSize + 7) / 8;
        var d = k.D.ToByteArrayUnsigned();
        if (d.Length < size) d = [.. new byte[size - d.Length], .. d];
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.CreateFromValue(k.PublicKeyParamSet.Id),
            D = d,
            Q = new ECPoint { X = q.AffineXCoord.GetEncoded(), Y = q.AffineYCoord.GetEncoded() },
        });
    });

    /// <summary>The family of a key: RSA, ECDSA (any EC key) or DSA.</summary>
    public static CryptographicAlgorithm Family(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters => CryptographicAlgorithm.RSA,
        ECKeyParameters => CryptographicAlgorithm.ECDSA,
        DsaKeyParameters => CryptographicAlgorithm.DSA,
        Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters => CryptographicAlgorithm.Ed25519,
        Ed448PrivateKeyParameters or Ed448PublicKeyParameters => CryptographicAlgorithm.Ed448,
        _ => throw new KmipException(ResultReason.InvalidField, $"{AsymmetricKeys.KindOf(key)} keys do not sign (they are for key agreement)"),
    };

    private static CryptographicAlgorithm Family(CryptographicAlgorithm algorithm) => algorithm switch
    {
        CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDSA or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECMQV => CryptographicAlgorithm.ECDSA,
        _ => algorithm,
    };

    private static (CryptographicAlgorithm?, HashingAlgorithm?, PaddingMethod?) SignatureAlgorithm(DigitalSignatureAlgorithm ds) => ds switch
    {
        DigitalSignatureAlgorithm.MD2WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.MD2, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.MD5WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.MD5, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA_1WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_1, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA_224WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_224, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA_256WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_256, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA_384WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_384, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA_512WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_512, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA3_256WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_3_256, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA3_384WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_3_384, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.SHA3_512WithRSAEncryption => (CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_3_512, PaddingMethod.PKCS1V1_5),
        DigitalSignatureAlgorithm.DSAWithSHA_1 => (CryptographicAlgorithm.DSA, HashingAlgorithm.SHA_1, null),
        DigitalSignatureAlgorithm.DSAWithSHA224 => (CryptographicAlgorithm.DSA, HashingAlgorithm.SHA_224, null),
        DigitalSignatureAlgorithm.DSAWithSHA256 => (CryptographicAlgorithm.DSA, HashingAlgorithm.SHA_256, null),
        DigitalSignatureAlgorithm.ECDSAWithSHA_1 => (CryptographicAlgorithm.ECDSA, HashingAlgorithm.SHA_1, null),
        DigitalSignatureAlgorithm.ECDSAWithSHA224 => (CryptographicAlgorithm.ECDSA, HashingAlgorithm.SHA_224, null),
        DigitalSignatureAlgorithm.ECDSAWithSHA256 => (CryptographicAlgorithm.ECDSA, HashingAlgorithm.SHA_256, null),
        DigitalSignatureAlgorithm.ECDSAWithSHA384 => (CryptographicAlgorithm.ECDSA, HashingAlgorithm.SHA_384, null),
        DigitalSignatureAlgorithm.ECDSAWithSHA512 => (CryptographicAlgorithm.ECDSA, HashingAlgorithm.SHA_512, null),
        _ => throw new KmipException(ResultReason.FeatureNotSupported, $"digital signature algorithm {ds} is not supported by this server"),
    };
}
