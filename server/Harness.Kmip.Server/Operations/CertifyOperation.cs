using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Certify (KMIP 1.4 §4.7, 2.1 §6.1.6): a new X.509 certificate for a public key (the Unique Identifier, or the ID
/// Placeholder) or for the key of a PKCS#10 Certificate Request (DER, or PEM; in the request, or a registered
/// Certificate Request object the Unique Identifier names), stored as a Certificate object. The
/// server's policy, where the spec leaves it open:
/// <list type="bullet">
/// <item>Issuer: the private key the request's attributes name by a Private Key Link (the client's own); its certificate
/// is the one that key's Certificate Link names, whose subject becomes the issuer name (none: the issuer name is the
/// subject's). Without such a link the certificate is self-signed by the public key's own private key (its Private
/// Key Link).</item>
/// <item>Subject: the CSR's; else the Certificate Subject CN, O, OU, C, ST, L and Email attributes of the request;
/// else CN = the public key's first Name (or its identifier).</item>
/// <item>Validity: from the request's Activation Date (else now) to its Deactivation Date (else one year on); a random
/// serial number; SHA-256 with RSA or ECDSA, or Ed25519/Ed448, as the issuer's key calls for. A self-signed
/// certificate is a CA (Basic Constraints), so it can issue others.</item>
/// </list>
/// The public key gets a Certificate Link to the new certificate, the certificate a Public Key Link to the public key
/// (when the key is a managed object); the ID Placeholder names the certificate.
/// Result Reasons: Item Not Found, Invalid Object Type (2.x; Invalid Field in 1.x: not a public key), Invalid CSR (2.x;
/// Invalid Field in 1.x: a request that does not parse or whose signature does not verify), Feature Not Supported
/// (CRMF and PGP requests), Invalid Field (no issuer key: no Private Key Link on either side).
/// </summary>
public sealed class CertifyOperation : KmipOperation
{
    public override Operation Operation => Operation.Certify;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var attributes = ctx.RequestAttributes(payload.Child(v2 ? Tag.Attributes : Tag.TemplateAttribute));
        ManagedObject? publicKeyObject = null;
        AsymmetricKeyParameter subjectKey;
        X509Name? csrSubject = null;
        var named = RequestBytes(payload) is null ? ctx.Lookup(payload) : null;
        if (RequestIn(ctx, payload, named) is { } csr)
            (subjectKey, csrSubject) = csr;
        else
        {
            publicKeyObject = named!;
            if (publicKeyObject.ObjectType != ObjectType.PublicKey || publicKeyObject.Value is null)
                throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField,
                    $"'{publicKeyObject.Id}' is a {publicKeyObject.ObjectType}: Certify certifies a public key or a certificate request");
            subjectKey = AsymmetricKeys.Read(publicKeyObject.Value.Required(Tag.KeyBlock), false, publicKeyObject.Id);
        }

        var subject = csrSubject ?? SubjectOf(attributes, publicKeyObject);
        var issuerKeyObject = ctx.Lookup(IssuerLink(attributes)
                          ?? (publicKeyObject is null ? null : ObjectFactory.LinkedId(publicKeyObject, LinkType.PrivateKeyLink))
                          ?? throw new KmipException(ResultReason.InvalidField,
                              "no issuer: give the issuer's private key by a Private Key Link in the attributes (or certify a public key whose pair the server holds, self-signed)"));
        var notBefore = Date(attributes, AttributeNames.ActivationDate) ?? ctx.Now;
        var certificate = Issue(ctx, subjectKey, subject, issuerKeyObject, notBefore, Date(attributes, AttributeNames.DeactivationDate) ?? notBefore.AddYears(1));

        var obj = ObjectFactory.New(ctx, ObjectType.Certificate);
        Record(ctx, obj, certificate, WithoutIssuerAndSubject(attributes), publicKeyObject);
        return Payload(Id(obj.Id));
    }

    /// <summary>The private key a Private Key Link among the request's attributes names: the issuer the client chose.</summary>
    internal static string? IssuerLink(IReadOnlyList<StoredAttribute> attributes) =>
        ObjectFactory.LinkedIds(attributes.Where(a => a.FullName == AttributeNames.Link).Select(a => a.Value), LinkType.PrivateKeyLink).FirstOrDefault();

    /// <summary>The attributes the new certificate object keeps: the subject parts and the issuer link went into the certificate, whose attributes the server reads.</summary>
    internal static List<StoredAttribute> WithoutIssuerAndSubject(IEnumerable<StoredAttribute> attributes) => attributes.Where(a =>
        !a.FullName.StartsWith("Certificate Subject ", StringComparison.Ordinal)
        && (a.FullName != AttributeNames.Link || !ObjectFactory.LinkedIds([a.Value], LinkType.PrivateKeyLink).Any())).ToList();

    /// <summary>
    /// The PKCS#10 request of the payload: its Certificate Request Value (1.x: Certificate Request) and Type, else the
    /// registered Certificate Request object <paramref name="named"/> (KMIP 2.x); null when there is neither.
    /// </summary>
    internal static (AsymmetricKeyParameter Key, X509Name Subject)? RequestIn(RequestContext ctx, TtlvNode payload, ManagedObject? named)
    {
        if (RequestBytes(payload) is { } bytes)
            return ReadRequest(ctx, payload.Child(Tag.CertificateRequestType)?.AsEnumOf<CertificateRequestType>() ?? CertificateRequestType.PKCS_10, bytes);
        return named is { ObjectType: ObjectType.CertificateRequest, Value: { } value }
            ? ReadRequest(ctx, value.Required(Tag.CertificateRequestType).AsEnumOf<CertificateRequestType>(), value.Required(Tag.CertificateRequestValue).AsBytes)
            : null;
    }

    /// <summary>The PKCS#10 request the payload carries: 2.x Certificate Request Value, 1.x Certificate Request.</summary>
    internal static byte[]? RequestBytes(TtlvNode payload) =>
        (payload.Child(Tag.CertificateRequestValue) ?? payload.Child(Tag.CertificateRequest))?.AsBytes;

    /// <summary>
    /// An X.509 certificate for <paramref name="subjectKey"/>, signed by <paramref name="issuerKeyObject"/> (a private
    /// key of the client): its issuer name is the subject of that key's certificate (Certificate Link), else
    /// <paramref name="subject"/>, and a certificate signed by the subject's own pair is a CA (Basic Constraints).
    /// </summary>
    internal static X509Certificate Issue(RequestContext ctx, AsymmetricKeyParameter subjectKey, X509Name subject, ManagedObject issuerKeyObject,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (issuerKeyObject.ObjectType != ObjectType.PrivateKey || issuerKeyObject.Value is null)
            throw new KmipException(ctx.Version.IsV2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField,
                $"the issuer '{issuerKeyObject.Id}' is a {issuerKeyObject.ObjectType}, not a private key");
        var issuerKey = AsymmetricKeys.Read(issuerKeyObject.Value.Required(Tag.KeyBlock), true, issuerKeyObject.Id);
        var issuerName = ObjectFactory.LinkedId(issuerKeyObject, LinkType.CertificateLink) is { } issuerCertId
            ? new X509CertificateParser().ReadCertificate(ctx.Lookup(issuerCertId).Value!.Required(Tag.CertificateValue).AsBytes).SubjectDN
            : subject;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        generator.SetIssuerDN(issuerName);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetPublicKey(subjectKey);
        // A self-signed certificate is a root: Basic Constraints cA, so that it can issue (Certify with its Private Key Link).
        if (issuerName.Equivalent(subject) && AsymmetricKeys.PublicOf(issuerKey).Equals(subjectKey))
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        return generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm(issuerKey), issuerKey, new SecureRandom()));
    }

    /// <summary>
    /// Stores <paramref name="certificate"/> as <paramref name="obj"/> with <paramref name="attributes"/>, linked both ways
    /// to its public key object when there is one (the key's Certificate Link moves to it); the ID Placeholder names it.
    /// </summary>
    internal static void Record(RequestContext ctx, ManagedObject obj, X509Certificate certificate, IReadOnlyList<StoredAttribute> attributes, ManagedObject? publicKeyObject)
    {
        obj.Value = TtlvNode.Structure(Tag.Certificate, TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509),
            TtlvNode.Bytes(Tag.CertificateValue, certificate.GetEncoded()));
        ObjectFactory.ApplyClientAttributes(ctx, obj, attributes);
        ObjectFactory.SetServerKeyAttributes(obj, ctx);
        if (publicKeyObject is not null)
        {
            obj.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.PublicKeyLink, publicKeyObject.Id));
            var edited = ctx.Edit(publicKeyObject);
            edited.Attributes.RemoveAll(a => a.FullName == AttributeNames.Link && ObjectFactory.LinkedIds([a.Value], LinkType.CertificateLink).Any());
            edited.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.CertificateLink, obj.Id));
            ctx.Touch(edited);
        }
        Lifecycle.ApplyDueTransitions(obj, ctx.Now);
        ctx.AddNew(obj);
        ctx.IdPlaceholder = obj.Id;
    }

    internal static (AsymmetricKeyParameter Key, X509Name Subject) ReadRequest(RequestContext ctx, CertificateRequestType type, byte[] bytes)
    {
        var invalid = ctx.Version.IsV2 ? ResultReason.InvalidCSR : ResultReason.InvalidField;
        if (type is not (CertificateRequestType.PKCS_10 or CertificateRequestType.PEM))
            throw new KmipException(ResultReason.FeatureNotSupported, $"{type} certificate requests are not supported by this server (PKCS#10, DER or PEM)");
        try
        {
            if (type == CertificateRequestType.PEM)
                bytes = new Org.BouncyCastle.Utilities.IO.Pem.PemReader(new StringReader(System.Text.Encoding.ASCII.GetString(bytes))).ReadPemObject()?.Content
                        ?? throw new ArgumentException("no PEM block");
            var request = new Pkcs10CertificationRequest(bytes);
            if (!request.Verify())
                throw new KmipException(invalid, "the certificate request's signature does not verify with the key it carries");
            return (request.GetPublicKey(), request.GetCertificationRequestInfo().Subject);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidCastException or InvalidOperationException)
        {
            throw new KmipException(invalid, $"the certificate request is not a {type} certification request: {ex.Message}");
        }
    }

    private static readonly (string Suffix, Org.BouncyCastle.Asn1.DerObjectIdentifier Oid)[] NameParts =
    [
        ("C", X509Name.C), ("ST", X509Name.ST), ("L", X509Name.L), ("O", X509Name.O), ("OU", X509Name.OU), ("CN", X509Name.CN), ("Email", X509Name.EmailAddress),
    ];

    private static X509Name SubjectOf(IReadOnlyList<StoredAttribute> attributes, ManagedObject? publicKey)
    {
        var oids = new List<Org.BouncyCastle.Asn1.DerObjectIdentifier>();
        var values = new List<string>();
        foreach (var (suffix, oid) in NameParts)
            if (attributes.FirstOrDefault(a => a.FullName == $"Certificate Subject {suffix}") is { Value.Type: ItemType.TextString } part)
            {
                oids.Add(oid);
                values.Add(part.Value.AsText);
            }
        if (oids.Count == 0)
        {
            oids.Add(X509Name.CN);
            values.Add(publicKey?.NameValues.FirstOrDefault() ?? publicKey?.Id ?? "Harness KMS certificate");
        }
        return new X509Name(oids, values);
    }

    internal static DateTimeOffset? Date(IReadOnlyList<StoredAttribute> attributes, string name) =>
        attributes.FirstOrDefault(a => a.FullName == name) is { Value.Type: ItemType.DateTime } d ? d.Value.AsDateTime : null;

    private static string SignatureAlgorithm(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters => "SHA256WITHRSA",
        ECPrivateKeyParameters => "SHA256WITHECDSA",
        Ed25519PrivateKeyParameters => "Ed25519",
        Ed448PrivateKeyParameters => "Ed448",
        DsaPrivateKeyParameters => "SHA256WITHDSA",
        _ => throw new KmipException(ResultReason.FeatureNotSupported, $"this server does not sign certificates with a {key.GetType().Name}"),
    };
}
