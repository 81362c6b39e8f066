using System.Security.Cryptography;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>Creation of managed objects: identifiers, the attributes the server sets, client attributes checked.</summary>
public static class ObjectFactory
{
    public static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>
    /// A new object with the attributes the server sets at creation (KMIP 1.4 §3, 2.1 §4): identifiers, type, state,
    /// dates, and, for keys, the handling flags (Extractable, Sensitive, Always Sensitive, Never Extractable, Fresh)
    /// and the lease the server grants (<see cref="LeaseTime"/>).
    /// </summary>
    public static ManagedObject New(RequestContext ctx, ObjectType type)
    {
        ServerLimits.CheckNewObject(ctx);
        var obj = new ManagedObject(NewId(), type, ctx.Client.Id);
        obj.Set(AttributeNames.UniqueIdentifier, TtlvNode.Text(Tag.AttributeValue, obj.Id));
        obj.Set(AttributeNames.ShortUniqueIdentifier, TtlvNode.Bytes(Tag.AttributeValue, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(obj.Id))));
        obj.Set(AttributeNames.ObjectType, TtlvNode.Enumeration(Tag.AttributeValue, type));
        obj.State = State.PreActive;
        obj.SetDate(AttributeNames.InitialDate, ctx.Now);
        obj.SetDate(AttributeNames.LastChangeDate, ctx.Now);
        obj.SetDate(AttributeNames.OriginalCreationDate, ctx.Now);
        obj.Set(AttributeNames.ProtectionStorageMask, TtlvNode.Integer(Tag.AttributeValue, (int)ProtectionStorageMask.Software));
        obj.Set(AttributeNames.Fresh, TtlvNode.Boolean(Tag.AttributeValue, true));
        if (type is ObjectType.SymmetricKey or ObjectType.PrivateKey or ObjectType.PublicKey or ObjectType.SecretData or ObjectType.SplitKey)
        {
            obj.Set(AttributeNames.Extractable, TtlvNode.Boolean(Tag.AttributeValue, true));
            obj.Set(AttributeNames.Sensitive, TtlvNode.Boolean(Tag.AttributeValue, false));
            obj.Set(AttributeNames.LeaseTime, TtlvNode.Interval(Tag.AttributeValue, LeaseTime));
        }
        return obj;
    }

    /// <summary>
    /// The server's policy for a key created without an Activation Date (<see cref="KmipServerOptions.CreatedKeyState"/>):
    /// under an Active policy the key is activated at creation (Activation Date = now), else it stays Pre-Active.
    /// </summary>
    public static void ApplyCreatedKeyState(RequestContext ctx, ManagedObject obj)
    {
        if (ctx.Kms.Options.CreatedKeyState == State.Active && !obj.Has(AttributeNames.ActivationDate))
            obj.SetDate(AttributeNames.ActivationDate, ctx.Now);
    }

    /// <summary>The lease the server grants on key material (KMIP 1.4 §3.15 Lease Time): one hour.</summary>
    public const uint LeaseTime = 3600;

    /// <summary>
    /// The Random Number Generator attribute (KMIP 1.4 §3.44) of keys the server generates: .NET's
    /// RandomNumberGenerator, i.e. the operating system's CSPRNG, a DRBG.
    /// </summary>
    public static readonly TtlvNode RandomNumberGeneratorAttribute = TtlvNode.Structure(Tag.AttributeValue,
        TtlvNode.Enumeration(Tag.RNGAlgorithm, RNGAlgorithm.DRBG));

    /// <summary>Sets the flags derived from Sensitive and Extractable once the client's attributes are applied (KMIP 1.4 §3.46–3.49).</summary>
    public static void SetHandlingFlags(ManagedObject obj)
    {
        if (!obj.Has(AttributeNames.Sensitive)) return;
        obj.Set(AttributeNames.AlwaysSensitive, obj.Get(AttributeNames.Sensitive)!);
        var extractable = obj.Get(AttributeNames.Extractable)?.AsBoolean ?? true;
        obj.Set(AttributeNames.NeverExtractable, TtlvNode.Boolean(Tag.AttributeValue, !extractable));
    }

    /// <summary>Applies client-supplied attributes at creation, with the checks of KMIP 1.4 §11.2/§11.4, then the client's Object Defaults for what it left out.</summary>
    public static void ApplyClientAttributes(RequestContext ctx, ManagedObject obj, IEnumerable<StoredAttribute> attributes)
    {
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in attributes)
        {
            var name = a.FullName;
            if (AttributeNames.IsReadOnly(name) && !AttributeNames.ClientMaySupplyAtCreation(name))
                throw ctx.Version.IsV2
                    ? new KmipException(ResultReason.AttributeReadOnly, $"'{name}' is set by the server and cannot be supplied")
                    : new KmipException(ResultReason.InvalidField, $"'{name}' is set by the server and cannot be supplied");
            if (!AttributeNames.IsKnown(name))
                throw new KmipException(ResultReason.InvalidField, $"'{name}' is not a KMIP attribute");
            if (name.StartsWith("y-", StringComparison.Ordinal))
                throw new KmipException(ResultReason.InvalidField, $"'{name}': y- attributes are the server's own");
            if (name == AttributeNames.Name) CheckNameUnique(ctx, a.Value, obj.Id, obj);
            if (AttributeNames.IsMultiInstance(name)) obj.Add(name, a.Value);
            else if (!given.Add(name))
                throw new KmipException(ctx.Version.IsV2 ? ResultReason.AttributeSingleValued : ResultReason.IndexOutOfBounds,
                    $"'{name}' may have only one instance");
            else obj.Set(name, a.Value);
        }
        ctx.Kms.Policies.ApplyDefaults(ctx.Client.Id, obj);
        SetHandlingFlags(obj);
        ServerLimits.CheckAttributes(ctx, obj, []);
    }

    /// <summary>Names are unique among a client's objects (KMIP 1.4 §3.2: "SHALL be unique within a given key management domain").</summary>
    public static void CheckNameUnique(RequestContext ctx, TtlvNode nameValue, string selfId, ManagedObject? self = null)
    {
        var text = nameValue.Child(Tag.NameValue)?.AsText;
        if (text is null) throw new KmipException(ResultReason.InvalidField, "Name must hold a Name Value");
        if (self is not null && self.NameValues.Contains(text))
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.NonUniqueNameAttribute : ResultReason.InvalidField, $"the name '{text}' is given twice");
        foreach (var other in ctx.Changes.MaybeNamed(ctx.Client.Id, text))
        {
            if (other.Id == selfId || other.Owner != ctx.Client.Id || Lifecycle.IsDestroyed(other.State)) continue;
            if (other.NameValues.Contains(text))
                throw new KmipException(ctx.Version.IsV2 ? ResultReason.NonUniqueNameAttribute : ResultReason.InvalidField,
                    $"another object already has the name '{text}'");
        }
    }

    /// <summary>The Digest attribute (KMIP 1.4 §3.17): SHA-256 over the key material in the format it was given.</summary>
    public static void SetDigest(ManagedObject obj)
    {
        var keyBlock = obj.Value?.Child(Tag.KeyBlock);
        byte[]? material = null;
        KeyFormatType format = KeyFormatType.Raw;
        if (keyBlock is not null)
        {
            format = keyBlock.Child(Tag.KeyFormatType)?.AsEnumOf<KeyFormatType>() ?? KeyFormatType.Raw;
            var km = keyBlock.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial);
            material = km is null ? null : km.Type == ItemType.ByteString ? km.AsBytes : TtlvWriter.Encode(km);
        }
        else if (obj.Value?.Child(Tag.CertificateValue) is { } cert) material = cert.AsBytes;
        else if (obj.Value?.Child(Tag.OpaqueDataValue) is { } opaque) material = opaque.AsBytes;
        if (material is null) return;
        obj.Remove(AttributeNames.Digest);
        obj.Set(AttributeNames.Digest, TtlvNode.Structure(Tag.AttributeValue,
            TtlvNode.Enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
            TtlvNode.Bytes(Tag.DigestValue, SHA256.HashData(material)),
            keyBlock is null ? null : TtlvNode.Enumeration(Tag.KeyFormatType, format)));
    }

    /// <summary>A symmetric key object structure in Raw format (KMIP 1.4 §2.2.2, §2.1.3).</summary>
    public static TtlvNode SymmetricKey(byte[] material, CryptographicAlgorithm algorithm, int length) =>
        Key(Tag.SymmetricKey, KeyFormatType.Raw, material, algorithm, length);

    /// <summary>A Secret Data object of <paramref name="type"/> holding <paramref name="material"/> (Key Format Type Opaque).</summary>
    public static TtlvNode SecretData(byte[] material, SecretDataType type) => TtlvNode.Structure(Tag.SecretData,
        TtlvNode.Enumeration(Tag.SecretDataType, type),
        TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Opaque),
            TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, material))));

    /// <summary>A key object structure (Symmetric Key, Private Key, Public Key) of one Key Block with unwrapped material.</summary>
    public static TtlvNode Key(Tag objectTag, KeyFormatType format, byte[] material, CryptographicAlgorithm algorithm, int length) =>
        TtlvNode.Structure(objectTag, TtlvNode.Structure(Tag.KeyBlock,
            TtlvNode.Enumeration(Tag.KeyFormatType, format),
            TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, material)),
            TtlvNode.Enumeration(Tag.CryptographicAlgorithm, algorithm),
            TtlvNode.Integer(Tag.CryptographicLength, length)));

    /// <summary>Generates key material for a symmetric algorithm and length, or throws Invalid Field for a combination that makes no sense.</summary>
    public static byte[] GenerateSymmetricKey(CryptographicAlgorithm algorithm, int length)
    {
        bool ok = algorithm switch
        {
            CryptographicAlgorithm.AES => length is 128 or 192 or 256,
            CryptographicAlgorithm.DES3 => length is 112 or 168 or 192,
            CryptographicAlgorithm.DES => length == 64 || length == 56,
            CryptographicAlgorithm.ChaCha20 or CryptographicAlgorithm.ChaCha20Poly1305 => length == 256,
            CryptographicAlgorithm.HMAC_SHA1 or CryptographicAlgorithm.HMAC_SHA224 or CryptographicAlgorithm.HMAC_SHA256
                or CryptographicAlgorithm.HMAC_SHA384 or CryptographicAlgorithm.HMAC_SHA512 or CryptographicAlgorithm.Camellia
                or CryptographicAlgorithm.ARIA or CryptographicAlgorithm.Blowfish or CryptographicAlgorithm.Twofish
                or CryptographicAlgorithm.SEED or CryptographicAlgorithm.SM4 => length is >= 64 and <= 4096 && length % 8 == 0,
            CryptographicAlgorithm.CAST5 => length is >= 40 and <= 128 && length % 8 == 0,
            CryptographicAlgorithm.IDEA => length == 128,
            CryptographicAlgorithm.SKIPJACK => length == 80,
            CryptographicAlgorithm.RC2 or CryptographicAlgorithm.RC4 => length is >= 40 and <= 2048 && length % 8 == 0,
            _ => false,
        };
        if (!ok)
            throw new KmipException(ResultReason.InvalidField, $"cannot create a {algorithm} key of {length} bits");
        int bytes = algorithm == CryptographicAlgorithm.DES3 ? 24 : (length + 7) / 8;
        return RandomNumberGenerator.GetBytes(bytes);
    }

    /// <summary>Attributes the server derives from the object itself: Digest, Key Format Type; and the Quantum Safe check.</summary>
    public static void SetServerKeyAttributes(ManagedObject obj, RequestContext ctx)
    {
        CheckQuantumSafe(obj);
        // Usage Limits: the client gives the Total and the Unit; the server keeps the Count, starting at the Total.
        if (obj.Get(AttributeNames.UsageLimits) is { Type: ItemType.Structure } limits && limits.Child(Tag.UsageLimitsCount) is null
            && limits.Child(Tag.UsageLimitsTotal) is { } total)
            obj.Set(AttributeNames.UsageLimits, CryptographicKeys.WithCount(limits, total.Number));
        SetDigest(obj);
        if (obj.Value?.Child(Tag.KeyBlock)?.Child(Tag.KeyFormatType) is { } format)
            obj.Set(AttributeNames.KeyFormatType, format);
        if (obj.ObjectType == ObjectType.Certificate) SetCertificateAttributes(obj);
    }

    /// <summary>
    /// What the server reads from an X.509 certificate (KMIP 1.4 §3.8–3.15, 2.1 §4.9–4.12): type, length, the subject and
    /// issuer name parts (the 2.x Certificate Subject/Issuer CN, O, OU, C, ST, L, Email attributes), the 1.x X.509
    /// Certificate Identifier/Subject/Issuer and Certificate Identifier/Subject/Issuer, and the Digital Signature Algorithm.
    /// </summary>
    private static void SetCertificateAttributes(ManagedObject obj)
    {
        var value = obj.Value!;
        var der = value.Required(Tag.CertificateValue).AsBytes;
        obj.Set(AttributeNames.CertificateType, value.Required(Tag.CertificateType));
        obj.Set(AttributeNames.CertificateLength, TtlvNode.Integer(Tag.AttributeValue, der.Length));
        if (value.Required(Tag.CertificateType).AsEnumOf<CertificateType>() != CertificateType.X_509) return;
        System.Security.Cryptography.X509Certificates.X509Certificate2 cert;
        try { cert = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der); }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new KmipException(ResultReason.InvalidField, $"the Certificate Value is not a DER X.509 certificate: {ex.Message}");
        }
        using (cert)
        {
            SetNameParts(obj, "Certificate Subject", cert.SubjectName);
            SetNameParts(obj, "Certificate Issuer", cert.IssuerName);
            // X.509 Certificate Identifier/Subject/Issuer (DER names and serial; KMIP 1.1 on, 2.1 §4.61–4.63), their 1.0
            // text forms (Certificate Identifier/Subject/Issuer, given under 1.x only), the Digital Signature Algorithm.
            byte[]? Extension(string oid) => cert.Extensions[oid]?.RawData;
            var serial = cert.SerialNumberBytes.ToArray();
            obj.Set("X.509 Certificate Identifier", TtlvNode.Structure(Tag.AttributeValue,
                TtlvNode.Bytes(Tag.IssuerDistinguishedName, cert.IssuerName.RawData), TtlvNode.Bytes(Tag.CertificateSerialNumber, serial)));
            obj.Set("X.509 Certificate Subject", TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Bytes(Tag.SubjectDistinguishedName, cert.SubjectName.RawData),
                Extension("2.5.29.17") is { } san ? TtlvNode.Bytes(Tag.SubjectAlternativeName, san) : null));
            obj.Set("X.509 Certificate Issuer", TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Bytes(Tag.IssuerDistinguishedName, cert.IssuerName.RawData),
                Extension("2.5.29.18") is { } ian ? TtlvNode.Bytes(Tag.IssuerAlternativeName, ian) : null));
            obj.Set("Certificate Identifier", TtlvNode.Structure(Tag.AttributeValue,
                TtlvNode.Text(Tag.Issuer, cert.Issuer), TtlvNode.Text(Tag.SerialNumber, cert.SerialNumber)));
            obj.Set("Certificate Subject", TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Text(Tag.CertificateSubjectDistinguishedName, cert.Subject)));
            obj.Set("Certificate Issuer", TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Text(Tag.CertificateIssuerDistinguishedName, cert.Issuer)));
            if (SignatureAlgorithms.TryGetValue(cert.SignatureAlgorithm.Value ?? "", out var algorithm))
                obj.Set("Digital Signature Algorithm", TtlvNode.Enumeration(Tag.AttributeValue, algorithm));
        }
    }

    /// <summary>X.509 signature algorithm identifiers and their KMIP Digital Signature Algorithm.</summary>
    private static readonly Dictionary<string, DigitalSignatureAlgorithm> SignatureAlgorithms = new()
    {
        ["1.2.840.113549.1.1.2"] = DigitalSignatureAlgorithm.MD2WithRSAEncryption, ["1.2.840.113549.1.1.4"] = DigitalSignatureAlgorithm.MD5WithRSAEncryption,
        ["1.2.840.113549.1.1.5"] = DigitalSignatureAlgorithm.SHA_1WithRSAEncryption, ["1.2.840.113549.1.1.14"] = DigitalSignatureAlgorithm.SHA_224WithRSAEncryption,
        ["1.2.840.113549.1.1.11"] = DigitalSignatureAlgorithm.SHA_256WithRSAEncryption, ["1.2.840.113549.1.1.12"] = DigitalSignatureAlgorithm.SHA_384WithRSAEncryption,
        ["1.2.840.113549.1.1.13"] = DigitalSignatureAlgorithm.SHA_512WithRSAEncryption, ["1.2.840.113549.1.1.10"] = DigitalSignatureAlgorithm.RSASSA_PSS,
        ["1.2.840.10040.4.3"] = DigitalSignatureAlgorithm.DSAWithSHA_1, ["2.16.840.1.101.3.4.3.1"] = DigitalSignatureAlgorithm.DSAWithSHA224,
        ["2.16.840.1.101.3.4.3.2"] = DigitalSignatureAlgorithm.DSAWithSHA256, ["1.2.840.10045.4.1"] = DigitalSignatureAlgorithm.ECDSAWithSHA_1,
        ["1.2.840.10045.4.3.1"] = DigitalSignatureAlgorithm.ECDSAWithSHA224, ["1.2.840.10045.4.3.2"] = DigitalSignatureAlgorithm.ECDSAWithSHA256,
        ["1.2.840.10045.4.3.3"] = DigitalSignatureAlgorithm.ECDSAWithSHA384, ["1.2.840.10045.4.3.4"] = DigitalSignatureAlgorithm.ECDSAWithSHA512,
        ["2.16.840.1.101.3.4.3.14"] = DigitalSignatureAlgorithm.SHA3_256WithRSAEncryption, ["2.16.840.1.101.3.4.3.15"] = DigitalSignatureAlgorithm.SHA3_384WithRSAEncryption,
        ["2.16.840.1.101.3.4.3.16"] = DigitalSignatureAlgorithm.SHA3_512WithRSAEncryption,
    };

    private static readonly (string Oid, string Suffix)[] NameParts =
    [
        ("2.5.4.3", "CN"), ("2.5.4.10", "O"), ("2.5.4.11", "OU"), ("1.2.840.113549.1.9.1", "Email"), ("2.5.4.6", "C"),
        ("2.5.4.8", "ST"), ("2.5.4.7", "L"), ("2.5.4.5", "Serial Number"), ("2.5.4.12", "Title"),
    ];

    private static void SetNameParts(ManagedObject obj, string prefix, System.Security.Cryptography.X509Certificates.X500DistinguishedName name)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            var oid = rdn.GetSingleElementType().Value;
            var part = NameParts.FirstOrDefault(p => p.Oid == oid).Suffix;
            var text = rdn.GetSingleElementValue();
            if (part is null || text is null) continue;
            var attribute = $"{prefix} {part}";
            if (TagNames.TryParseSpecName(attribute, out _) && !obj.Has(attribute))
                obj.Set(attribute, TtlvNode.Text(Tag.AttributeValue, text));
        }
    }

    /// <summary>
    /// Quantum Safe (KMIP 2.1 §4.45): a key flagged Quantum Safe must stay safe against a quantum computer for its
    /// Protection Period. Shor's algorithm breaks RSA, DSA, DH and elliptic curves at any size; Grover's halves a
    /// symmetric key's strength, so a symmetric key needs at least 256 bits. Anything else is refused with General Failure
    /// and the message NOT_SAFE, as the OASIS QS-M-2 vector expects.
    /// </summary>
    private static void CheckQuantumSafe(ManagedObject obj)
    {
        if (obj.Get("Quantum Safe") is not { Type: ItemType.Boolean, AsBoolean: true }) return;
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PrivateKey or ObjectType.PublicKey)) return;
        var algorithm = obj.Get(AttributeNames.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a ? a.AsEnumOf<CryptographicAlgorithm>() : (CryptographicAlgorithm?)null;
        var length = obj.Get(AttributeNames.CryptographicLength) is { Type: ItemType.Integer } l ? l.AsInt32 : 0;
        string? why = obj.ObjectType != ObjectType.SymmetricKey
            ? $"a {algorithm?.ToString() ?? "public-key"} key is broken by Shor's algorithm at any length"
            : algorithm is CryptographicAlgorithm.DES or CryptographicAlgorithm.DES3 || length < 256
                ? $"a {length}-bit {algorithm} key keeps {length / 2} bits of strength against Grover's algorithm; a quantum safe symmetric key has 256 bits or more"
                : null;
        if (why is not null)
            throw new KmipException(ResultReason.GeneralFailure, $"NOT_SAFE: the object is flagged Quantum Safe, but {why}");
    }

    /// <summary>The Linked Object Identifiers of the Link values (an object's, or a request's attributes) of <paramref name="type"/>.</summary>
    public static IEnumerable<string> LinkedIds(IEnumerable<TtlvNode> links, LinkType type) =>
        links.Where(l => l.Child(Tag.LinkType) is { Type: ItemType.Enumeration } t && t.AsEnumOf<LinkType>() == type)
            .Select(l => l.Child(Tag.LinkedObjectIdentifier)?.AsText).OfType<string>();

    /// <summary>The identifier the object's first Link of <paramref name="type"/> names, or null.</summary>
    public static string? LinkedId(ManagedObject obj, LinkType type) => LinkedIds(obj.All(AttributeNames.Link).Select(a => a.Value), type).FirstOrDefault();

    /// <summary>The value of a Link attribute (KMIP 1.4 §3.35, 2.1 §4.33) to the object <paramref name="id"/>.</summary>
    public static TtlvNode Link(LinkType type, string id) => TtlvNode.Structure(Tag.AttributeValue,
        TtlvNode.Enumeration(Tag.LinkType, type), TtlvNode.Text(Tag.LinkedObjectIdentifier, id));

    /// <summary>A registered key's algorithm and length, taken from its Key Block when the client gave no attributes for them.</summary>
    public static void CopyKeyBlockAttributes(ManagedObject obj)
    {
        var kb = obj.Value?.Child(Tag.KeyBlock);
        if (kb is null) return;
        if (!obj.Has(AttributeNames.CryptographicAlgorithm) && kb.Child(Tag.CryptographicAlgorithm) is { } alg)
            obj.Set(AttributeNames.CryptographicAlgorithm, alg);
        if (!obj.Has(AttributeNames.CryptographicLength) && kb.Child(Tag.CryptographicLength) is { } len)
            obj.Set(AttributeNames.CryptographicLength, len);
    }
}
