using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// Asymmetric keys in the Key Format Types of KMIP (1.4 §9.1.3.2.3, 2.1 §11.17): read from a Key Block into a
/// BouncyCastle key (PKCS#1, PKCS#8, SEC1 ECPrivateKey, X.509 SubjectPublicKeyInfo, and the Transparent RSA, DSA, DH and
/// EC structures), and generated for Create Key Pair (RSA, DSA and EC on .NET, which asks OpenSSL; curves OpenSSL lacks,
/// Ed25519, Ed448, X25519, X448 and DH in the RFC 7919 groups on BouncyCastle).
/// </summary>
public static class AsymmetricKeys
{
    /// <summary>A generated key pair: the DER of each key in its Key Format Type, and the Cryptographic Length.</summary>
    public sealed record KeyPair(byte[] PrivateKey, KeyFormatType PrivateFormat, byte[] PublicKey, KeyFormatType PublicFormat, int Length);

    /// <summary>
    /// A new key pair. RSA: <paramref name="length"/> bits (1024 to 8192, a multiple of 8), PKCS#1 for both keys (as the
    /// OASIS AKLC vectors expect). EC (EC, ECDSA, ECDH, ECMQV): on <paramref name="curve"/>, or the NIST prime curve of
    /// <paramref name="length"/> bits; PKCS#8 private key and X.509 SubjectPublicKeyInfo public key, both naming the curve;
    /// CURVE25519 and CURVE448 make X25519 and X448 keys. DSA: L = <paramref name="length"/>. Ed25519, Ed448: PKCS#8 and
    /// X.509 too.
    /// </summary>
    public static KeyPair Generate(CryptographicAlgorithm algorithm, int? length, RecommendedCurve? curve)
    {
        switch (algorithm)
        {
            case CryptographicAlgorithm.RSA:
                int bits = length ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Length is required to create an RSA key pair");
                if (bits is < 1024 or > 8192 || bits % 8 != 0)
                    throw new KmipException(ResultReason.InvalidField, $"cannot create an RSA key pair of {bits} bits: 1024 to 8192, a multiple of 8");
                using (var rsa = RSA.Create(bits))
                    return new KeyPair(rsa.ExportRSAPrivateKey(), KeyFormatType.PKCS_1, rsa.ExportRSAPublicKey(), KeyFormatType.PKCS_1, bits);
            case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDSA or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECMQV:
                var named = curve ?? length switch
                {
                    192 => RecommendedCurve.P_192, 224 => RecommendedCurve.P_224, 256 => RecommendedCurve.P_256,
                    384 => RecommendedCurve.P_384, 521 => RecommendedCurve.P_521,
                    _ => throw new KmipException(ResultReason.InvalidField,
                        $"an EC key pair needs a Recommended Curve (or a Cryptographic Length of 192, 224, 256, 384 or 521 for a NIST prime curve), not {length?.ToString() ?? "neither"}"),
                };
                if (named is RecommendedCurve.CURVE25519 or RecommendedCurve.CURVE448)
                    return Montgomery(algorithm, named, length);
                var (oid, parameters) = Curve(named);
                if (length is { } l && l != parameters.Curve.FieldSize)
                    throw new KmipException(ResultReason.InvalidField, $"curve {named} is {parameters.Curve.FieldSize} bits, not the Cryptographic Length {l}");
                try
                {
                    using var ec = ECDsa.Create(ECCurve.CreateFromValue(oid.Id));
                    return new KeyPair(ec.ExportPkcs8PrivateKey(), KeyFormatType.PKCS_8, ec.ExportSubjectPublicKeyInfo(), KeyFormatType.X_509, parameters.Curve.FieldSize);
                }
                catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
                {
                    var generator = new ECKeyPairGenerator();
                    generator.Init(new ECKeyGenerationParameters(oid, new SecureRandom()));
                    var pair = generator.GenerateKeyPair();
                    return new KeyPair(PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded(), KeyFormatType.PKCS_8,
                        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded(), KeyFormatType.X_509, parameters.Curve.FieldSize);
                }
            case CryptographicAlgorithm.Ed25519 or CryptographicAlgorithm.Ed448:
                IAsymmetricCipherKeyPairGenerator edwards = algorithm == CryptographicAlgorithm.Ed25519 ? new Ed25519KeyPairGenerator() : new Ed448KeyPairGenerator();
                edwards.Init(new KeyGenerationParameters(new SecureRandom(), algorithm == CryptographicAlgorithm.Ed25519 ? 256 : 448));
                var keys = edwards.GenerateKeyPair();
                return new KeyPair(PrivateKeyInfoFactory.CreatePrivateKeyInfo(keys.Private).GetDerEncoded(), KeyFormatType.PKCS_8,
                    SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(keys.Public).GetDerEncoded(), KeyFormatType.X_509, algorithm == CryptographicAlgorithm.Ed25519 ? 256 : 448);
            case CryptographicAlgorithm.DSA:
                int dsaBits = length ?? throw new KmipException(ResultReason.InvalidField, "Cryptographic Length (L: 1024, 2048 or 3072) is required to create a DSA key pair");
                if (dsaBits is not (1024 or 2048 or 3072))
                    throw new KmipException(ResultReason.InvalidField, $"cannot create a DSA key pair of {dsaBits} bits: L is 1024, 2048 or 3072 (FIPS 186-4)");
                // OpenSSL makes fresh domain parameters (N = 160 bits for L = 1024, else 256).
                using (var dsa = DSA.Create(dsaBits))
                    return new KeyPair(dsa.ExportPkcs8PrivateKey(), KeyFormatType.PKCS_8, dsa.ExportSubjectPublicKeyInfo(), KeyFormatType.X_509, dsaBits);
            case CryptographicAlgorithm.DH:
                // The finite field groups of RFC 7919 (FFDHE), named by their size: no slow parameter generation.
                var group = length switch
                {
                    2048 => Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe2048, 3072 => Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe3072, 4096 => Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe4096,
                    6144 => Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe6144, 8192 => Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe8192,
                    _ => throw new KmipException(ResultReason.InvalidField,
                        $"a DH key pair is made in an RFC 7919 group: Cryptographic Length 2048, 3072, 4096, 6144 or 8192, not {length?.ToString() ?? "none"}"),
                };
                var dh = new DHKeyPairGenerator();
                dh.Init(new DHKeyGenerationParameters(new SecureRandom(), group));
                var dhPair = dh.GenerateKeyPair();
                return new KeyPair(PrivateKeyInfoFactory.CreatePrivateKeyInfo(dhPair.Private).GetDerEncoded(), KeyFormatType.PKCS_8,
                    SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(dhPair.Public).GetDerEncoded(), KeyFormatType.X_509, length!.Value);
            default:
                throw new KmipException(ResultReason.FeatureNotSupported, $"this server creates RSA, DSA, DH, EC (with X25519 and X448), Ed25519 and Ed448 key pairs, not {algorithm}");
        }
    }

    /// <summary>
    /// X25519 or X448 (RFC 7748) on BouncyCastle: the key agreement keys of Recommended Curve CURVE25519 and CURVE448,
    /// for EC and ECDH; signing on these curves is Ed25519 and Ed448, their own algorithms.
    /// </summary>
    private static KeyPair Montgomery(CryptographicAlgorithm algorithm, RecommendedCurve curve, int? length)
    {
        bool x25519 = curve == RecommendedCurve.CURVE25519;
        int bits = x25519 ? 256 : 448;
        if (algorithm is not (CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH))
            throw new KmipException(ResultReason.InvalidField,
                $"{curve} keys are for key agreement (X{(x25519 ? "25519" : "448")}, as EC or ECDH), not {algorithm}: to sign on it, create an Ed{(x25519 ? "25519" : "448")} key pair");
        if (length is { } l && l != bits)
            throw new KmipException(ResultReason.InvalidField, $"curve {curve} keys are {bits} bits, not the Cryptographic Length {l}");
        IAsymmetricCipherKeyPairGenerator generator = x25519 ? new X25519KeyPairGenerator() : new X448KeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        var keys = generator.GenerateKeyPair();
        return new KeyPair(PrivateKeyInfoFactory.CreatePrivateKeyInfo(keys.Private).GetDerEncoded(), KeyFormatType.PKCS_8,
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(keys.Public).GetDerEncoded(), KeyFormatType.X_509, bits);
    }

    /// <summary>
    /// The key of a Key Block (a private key when <paramref name="isPrivate"/>), or a KMIP error naming what is wrong:
    /// Invalid Field for material that does not parse as its format, Feature Not Supported for a format this server does
    /// not read.
    /// </summary>
    public static AsymmetricKeyParameter Read(TtlvNode keyBlock, bool isPrivate, string keyId) =>
        (isPrivate ? PrivateKeys : PublicKeys).GetValue(keyBlock, kb => Parse(kb, isPrivate, keyId));

    // Objects are immutable snapshots: a Key Block parsed once serves every use of that version of the key.
    private static readonly ConditionalWeakTable<TtlvNode, AsymmetricKeyParameter> PrivateKeys = new(), PublicKeys = new();

    private static AsymmetricKeyParameter Parse(TtlvNode keyBlock, bool isPrivate, string keyId)
    {
        var format = keyBlock.Child(Tag.KeyFormatType)?.AsEnumOf<KeyFormatType>()
                     ?? throw new KmipException(ResultReason.InvalidField, $"the Key Block of '{keyId}' has no Key Format Type");
        var material = keyBlock.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial)
                       ?? throw new KmipException(ResultReason.KeyValueNotPresent, $"'{keyId}' holds no key material");
        try
        {
            return (format, isPrivate) switch
            {
                (KeyFormatType.PKCS_1, true) => RsaPrivate(RsaPrivateKeyStructure.GetInstance(Der(material))),
                (KeyFormatType.PKCS_8, true) => PrivateKeyFactory.CreateKey(Der(material)),
                (KeyFormatType.ECPrivateKey, true) => Sec1(Der(material)),
                (KeyFormatType.TransparentRSAPrivateKey, true) => TransparentRsaPrivate(material),
                (KeyFormatType.TransparentDSAPrivateKey, true) => new DsaPrivateKeyParameters(Big(material, Tag.X), Dsa(material)),
                (KeyFormatType.TransparentDHPrivateKey, true) => new DHPrivateKeyParameters(Big(material, Tag.X), Dh(material)),
                (KeyFormatType.TransparentECPrivateKey or KeyFormatType.TransparentECDSAPrivateKey or KeyFormatType.TransparentECDHPrivateKey
                    or KeyFormatType.TransparentECMQVPrivateKey, true) =>
                    new ECPrivateKeyParameters("EC", Big(material, Tag.D), Curve(material.Required(Tag.RecommendedCurve).AsEnumOf<RecommendedCurve>()).Oid),
                (KeyFormatType.PKCS_1, false) => RsaPublic(RsaPublicKeyStructure.GetInstance(Der(material))),
                (KeyFormatType.X_509, false) => PublicKeyFactory.CreateKey(Der(material)),
                (KeyFormatType.TransparentRSAPublicKey, false) => new RsaKeyParameters(false, Big(material, Tag.Modulus), Big(material, Tag.PublicExponent)),
                (KeyFormatType.TransparentDSAPublicKey, false) => new DsaPublicKeyParameters(Big(material, Tag.Y), Dsa(material)),
                (KeyFormatType.TransparentDHPublicKey, false) => new DHPublicKeyParameters(Big(material, Tag.Y), Dh(material)),
                (KeyFormatType.TransparentECPublicKey or KeyFormatType.TransparentECDSAPublicKey or KeyFormatType.TransparentECDHPublicKey
                    or KeyFormatType.TransparentECMQVPublicKey, false) => EcPublic(material),
                _ => throw new KmipException(ResultReason.FeatureNotSupported,
                    $"'{keyId}' is a {(isPrivate ? "private" : "public")} key in Key Format Type {format}, which this server does not use for cryptography"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException or FormatException or InvalidOperationException)
        {
            throw new KmipException(ResultReason.InvalidField, $"the key material of '{keyId}' is not a {(isPrivate ? "private" : "public")} key in Key Format Type {format}: {ex.Message}");
        }
    }

    /// <summary>The Key Format Types <see cref="Read"/> parses (and <see cref="Write"/> writes), for private and for public keys.</summary>
    public static readonly IReadOnlySet<KeyFormatType> PrivateFormats = new HashSet<KeyFormatType>
    {
        KeyFormatType.PKCS_1, KeyFormatType.PKCS_8, KeyFormatType.ECPrivateKey, KeyFormatType.TransparentRSAPrivateKey,
        KeyFormatType.TransparentDSAPrivateKey, KeyFormatType.TransparentDHPrivateKey, KeyFormatType.TransparentECPrivateKey, KeyFormatType.TransparentECDSAPrivateKey,
        KeyFormatType.TransparentECDHPrivateKey, KeyFormatType.TransparentECMQVPrivateKey,
    };

    public static readonly IReadOnlySet<KeyFormatType> PublicFormats = new HashSet<KeyFormatType>
    {
        KeyFormatType.PKCS_1, KeyFormatType.X_509, KeyFormatType.TransparentRSAPublicKey, KeyFormatType.TransparentDSAPublicKey, KeyFormatType.TransparentDHPublicKey,
        KeyFormatType.TransparentECPublicKey, KeyFormatType.TransparentECDSAPublicKey, KeyFormatType.TransparentECDHPublicKey,
        KeyFormatType.TransparentECMQVPublicKey,
    };

    /// <summary>
    /// The Key Material of <paramref name="key"/> in <paramref name="format"/> (Get's Key Format Type): DER as a Byte String,
    /// or a Transparent structure; Key Format Type Not Supported when the format does not hold this kind of key.
    /// </summary>
    public static TtlvNode Write(AsymmetricKeyParameter key, KeyFormatType format)
    {
        TtlvNode Der(IAsn1Convertible value) => TtlvNode.Bytes(Tag.KeyMaterial, value.ToAsn1Object().GetDerEncoded());
        TtlvNode Structure(params TtlvNode[] fields) => TtlvNode.Structure(Tag.KeyMaterial, fields);
        bool transparentEc = format is KeyFormatType.TransparentECPrivateKey or KeyFormatType.TransparentECDSAPrivateKey or KeyFormatType.TransparentECDHPrivateKey
            or KeyFormatType.TransparentECMQVPrivateKey or KeyFormatType.TransparentECPublicKey or KeyFormatType.TransparentECDSAPublicKey
            or KeyFormatType.TransparentECDHPublicKey or KeyFormatType.TransparentECMQVPublicKey;
        return (key, format) switch
        {
            (RsaPrivateCrtKeyParameters rsa, KeyFormatType.PKCS_1) => Der(new RsaPrivateKeyStructure(rsa.Modulus, rsa.PublicExponent, rsa.Exponent,
                rsa.P, rsa.Q, rsa.DP, rsa.DQ, rsa.QInv)),
            (RsaPrivateCrtKeyParameters rsa, KeyFormatType.TransparentRSAPrivateKey) => Structure(Big(Tag.Modulus, rsa.Modulus),
                Big(Tag.PrivateExponent, rsa.Exponent), Big(Tag.PublicExponent, rsa.PublicExponent), Big(Tag.P, rsa.P), Big(Tag.Q, rsa.Q),
                Big(Tag.PrimeExponentP, rsa.DP), Big(Tag.PrimeExponentQ, rsa.DQ), Big(Tag.CRTCoefficient, rsa.QInv)),
            ({ IsPrivate: true }, KeyFormatType.PKCS_8) => Der(PrivateKeyInfoFactory.CreatePrivateKeyInfo(key)),
            (ECPrivateKeyParameters ec, KeyFormatType.ECPrivateKey) => Der(new ECPrivateKeyStructure(ec.Parameters.N.BitLength, ec.D,
                new DerBitString(((ECPublicKeyParameters)PublicOf(ec)).Q.GetEncoded(false)), ec.PublicKeyParamSet)),
            (ECPrivateKeyParameters ec, _) when transparentEc => Structure(TtlvNode.Enumeration(Tag.RecommendedCurve, CurveOf(ec.PublicKeyParamSet)), Big(Tag.D, ec.D)),
            (DsaPrivateKeyParameters dsa, KeyFormatType.TransparentDSAPrivateKey) => Structure(Big(Tag.P, dsa.Parameters.P),
                Big(Tag.Q, dsa.Parameters.Q), Big(Tag.G, dsa.Parameters.G), Big(Tag.X, dsa.X)),
            (RsaKeyParameters { IsPrivate: false } rsa, KeyFormatType.PKCS_1) => Der(new RsaPublicKeyStructure(rsa.Modulus, rsa.Exponent)),
            (RsaKeyParameters { IsPrivate: false } rsa, KeyFormatType.TransparentRSAPublicKey) => Structure(Big(Tag.Modulus, rsa.Modulus), Big(Tag.PublicExponent, rsa.Exponent)),
            ({ IsPrivate: false }, KeyFormatType.X_509) => Der(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key)),
            (ECPublicKeyParameters ec, _) when transparentEc => Structure(TtlvNode.Enumeration(Tag.RecommendedCurve, CurveOf(ec.PublicKeyParamSet)),
                TtlvNode.Bytes(Tag.QString, ec.Q.GetEncoded(false))),
            (DsaPublicKeyParameters dsa, KeyFormatType.TransparentDSAPublicKey) => Structure(Big(Tag.P, dsa.Parameters.P),
                Big(Tag.Q, dsa.Parameters.Q), Big(Tag.G, dsa.Parameters.G), Big(Tag.Y, dsa.Y)),
            (DHPrivateKeyParameters dh, KeyFormatType.TransparentDHPrivateKey) => Structure([.. DhGroup(dh.Parameters), Big(Tag.X, dh.X)]),
            (DHPublicKeyParameters dh, KeyFormatType.TransparentDHPublicKey) => Structure([.. DhGroup(dh.Parameters), Big(Tag.Y, dh.Y)]),
            _ => throw new KmipException(ResultReason.KeyFormatTypeNotSupported,
                $"a {(key.IsPrivate ? "private" : "public")} {KindOf(key)} key cannot be given in Key Format Type {format}"),
        };
    }

    /// <summary>The Cryptographic Algorithm and Length of a key read from elsewhere (a PKCS#12 container).</summary>
    public static (CryptographicAlgorithm Algorithm, int Length) AlgorithmAndLength(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters rsa => (CryptographicAlgorithm.RSA, rsa.Modulus.BitLength),
        ECKeyParameters ec => (CryptographicAlgorithm.EC, ec.Parameters.Curve.FieldSize),
        DsaKeyParameters dsa => (CryptographicAlgorithm.DSA, dsa.Parameters.P.BitLength),
        DHKeyParameters dh => (CryptographicAlgorithm.DH, dh.Parameters.P.BitLength),
        Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters => (CryptographicAlgorithm.Ed25519, 256),
        Ed448PrivateKeyParameters or Ed448PublicKeyParameters => (CryptographicAlgorithm.Ed448, 448),
        X25519PrivateKeyParameters or X25519PublicKeyParameters => (CryptographicAlgorithm.EC, 256),
        X448PrivateKeyParameters or X448PublicKeyParameters => (CryptographicAlgorithm.EC, 448),
        _ => throw new KmipException(ResultReason.FeatureNotSupported, $"{key.GetType().Name} keys are not held by this server"),
    };

    /// <summary>The algorithm of a key, in KMIP's words, for messages.</summary>
    public static string KindOf(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters => "RSA",
        ECKeyParameters => "EC",
        DsaKeyParameters => "DSA",
        DHKeyParameters => "DH",
        Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters => "Ed25519",
        Ed448PrivateKeyParameters or Ed448PublicKeyParameters => "Ed448",
        X25519PrivateKeyParameters or X25519PublicKeyParameters => "X25519",
        X448PrivateKeyParameters or X448PublicKeyParameters => "X448",
        _ => key.GetType().Name,
    };

    /// <summary>A TTLV Big Integer: two's complement, big-endian, sign-extended to a multiple of 8 bytes (KMIP 1.4 §9.1.1.4).</summary>
    private static TtlvNode Big(Tag tag, BigInteger value)
    {
        var bytes = value.ToByteArray();
        int padded = (bytes.Length + 7) / 8 * 8;
        if (padded == bytes.Length) return TtlvNode.BigInteger(tag, bytes);
        var result = new byte[padded];
        if (value.SignValue < 0) result.AsSpan(0, padded - bytes.Length).Fill(0xFF);
        bytes.CopyTo(result, padded - bytes.Length);
        return TtlvNode.BigInteger(tag, result);
    }

    private static readonly Lazy<Dictionary<DerObjectIdentifier, RecommendedCurve>> CurvesByOid = new(() =>
    {
        var map = new Dictionary<DerObjectIdentifier, RecommendedCurve>();
        foreach (var curve in Enum.GetValues<RecommendedCurve>())
        {
            try { map.TryAdd(Curve(curve).Oid, curve); }
            catch (KmipException) { }
        }
        return map;
    });

    private static RecommendedCurve CurveOf(DerObjectIdentifier? oid) =>
        oid is not null && CurvesByOid.Value.TryGetValue(oid, out var curve) ? curve
        : throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"the key's curve ({oid?.Id ?? "explicit parameters"}) is not a KMIP Recommended Curve");

    /// <summary>The public half of a private key (RSA, EC, DSA).</summary>
    public static AsymmetricKeyParameter PublicOf(AsymmetricKeyParameter key) => key switch
    {
        _ when !key.IsPrivate => key,
        RsaPrivateCrtKeyParameters rsa => new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent),
        ECPrivateKeyParameters ec => new ECPublicKeyParameters(ec.AlgorithmName, ec.Parameters.G.Multiply(ec.D).Normalize(), ec.PublicKeyParamSet ?? throw new InvalidOperationException("the EC key names no curve")),
        DsaPrivateKeyParameters dsa => new DsaPublicKeyParameters(dsa.Parameters.G.ModPow(dsa.X, dsa.Parameters.P), dsa.Parameters),
        Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
        Ed448PrivateKeyParameters ed => ed.GeneratePublicKey(),
        DHPrivateKeyParameters dh => new DHPublicKeyParameters(dh.Parameters.G.ModPow(dh.X, dh.Parameters.P), dh.Parameters),
        X25519PrivateKeyParameters x => x.GeneratePublicKey(),
        X448PrivateKeyParameters x => x.GeneratePublicKey(),
        _ => throw new KmipException(ResultReason.FeatureNotSupported, $"the public half of a {key.GetType().Name} is not derived by this server"),
    };

    /// <summary>The object identifier and domain parameters of a KMIP Recommended Curve.</summary>
    public static (DerObjectIdentifier Oid, X9ECParameters Parameters) Curve(RecommendedCurve curve)
    {
        var text = curve.ToString();
        string name = text switch
        {
            _ when text.Length > 2 && text[1] == '_' => text.Replace('_', '-'),                      // P_256 → P-256, K_163 → K-163
            _ when text.StartsWith("SEC", StringComparison.Ordinal) => text.ToLowerInvariant(),      // secp256k1, sect163r1
            _ when text.StartsWith("ANSIX9", StringComparison.Ordinal) => text[6..].ToLowerInvariant() is var x && x.StartsWith('p') ? "prime" + x[1..] : x,
            _ when text.StartsWith("BRAINPOOL", StringComparison.Ordinal) => "brainpoolP" + text[10..].ToLowerInvariant(),
            _ => text,
        };
        var oid = ECNamedCurveTable.GetOid(name);
        var parameters = oid is null ? null : ECNamedCurveTable.GetByOid(oid);
        return oid is null || parameters is null
            ? throw new KmipException(ResultReason.FeatureNotSupported, $"curve {curve} is not one this server computes on")
            : (oid, parameters);
    }

    private static byte[] Der(TtlvNode material) => material.Type == ItemType.ByteString ? material.AsBytes
        : throw new InvalidCastException($"the Key Material is a {material.Type}, not the Byte String of a DER encoding");

    private static BigInteger Big(TtlvNode structure, Tag tag) => structure.Child(tag) is { Type: ItemType.BigInteger or ItemType.ByteString } n
        ? new BigInteger(1, n.AsBytes) : throw new InvalidCastException($"the Key Material has no {TagNames.Name((int)tag)}");

    private static RsaPrivateCrtKeyParameters RsaPrivate(RsaPrivateKeyStructure s) =>
        new(s.Modulus, s.PublicExponent, s.PrivateExponent, s.Prime1, s.Prime2, s.Exponent1, s.Exponent2, s.Coefficient);

    private static RsaKeyParameters RsaPublic(RsaPublicKeyStructure s) => new(false, s.Modulus, s.PublicExponent);

    private static AsymmetricKeyParameter TransparentRsaPrivate(TtlvNode m)
    {
        var modulus = Big(m, Tag.Modulus);
        var d = Big(m, Tag.PrivateExponent);
        if (m.Child(Tag.P) is null || m.Child(Tag.PublicExponent) is null) return new RsaKeyParameters(true, modulus, d);
        var (p, q, e) = (Big(m, Tag.P), Big(m, Tag.Q), Big(m, Tag.PublicExponent));
        var dp = m.Child(Tag.PrimeExponentP) is null ? d.Mod(p.Subtract(BigInteger.One)) : Big(m, Tag.PrimeExponentP);
        var dq = m.Child(Tag.PrimeExponentQ) is null ? d.Mod(q.Subtract(BigInteger.One)) : Big(m, Tag.PrimeExponentQ);
        var qInv = m.Child(Tag.CRTCoefficient) is null ? q.ModInverse(p) : Big(m, Tag.CRTCoefficient);
        return new RsaPrivateCrtKeyParameters(modulus, e, d, p, q, dp, dq, qInv);
    }

    private static DsaParameters Dsa(TtlvNode m) => new(Big(m, Tag.P), Big(m, Tag.Q), Big(m, Tag.G));

    /// <summary>A Transparent DH key's group (KMIP 1.4 §2.1.7.8: P, G, and Q and J when known).</summary>
    private static DHParameters Dh(TtlvNode m) => new(Big(m, Tag.P), Big(m, Tag.G), m.Child(Tag.Q) is null ? null : Big(m, Tag.Q),
        m.Child(Tag.J) is null ? null : Big(m, Tag.J), null);

    private static TtlvNode[] DhGroup(DHParameters p) =>
        [Big(Tag.P, p.P), .. p.Q is null ? Array.Empty<TtlvNode>() : [Big(Tag.Q, p.Q)], Big(Tag.G, p.G), .. p.J is null ? Array.Empty<TtlvNode>() : [Big(Tag.J, p.J)]];

    private static ECPublicKeyParameters EcPublic(TtlvNode m)
    {
        var (oid, parameters) = Curve(m.Required(Tag.RecommendedCurve).AsEnumOf<RecommendedCurve>());
        var q = m.Child(Tag.QString)?.AsBytes ?? throw new InvalidCastException("the Key Material has no Q String");
        return new ECPublicKeyParameters("EC", parameters.Curve.DecodePoint(q), oid);
    }

    /// <summary>A SEC1 ECPrivateKey (RFC 5915), which must name its curve.</summary>
    private static AsymmetricKeyParameter Sec1(byte[] der)
    {
        var structure = ECPrivateKeyStructure.GetInstance(der);
        var curve = structure.Parameters as DerObjectIdentifier
                    ?? throw new InvalidCastException("the ECPrivateKey does not name its curve (an OID in its parameters)");
        return PrivateKeyFactory.CreateKey(new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, curve), structure));
    }
}
