using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.X509;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Re-certify (KMIP 1.4 §4.8, 2.1 §6.1.45): a new certificate renewing an existing X.509 one for the same key pair (or
/// for the key of a PKCS#10 request given in the payload, or, in 2.x, by a Certificate Request Unique Identifier). The
/// subject is the request's, else the existing certificate's; the issuer signs again: the private key a Private Key
/// Link among the request's attributes names, else the one that signed the existing certificate when the server holds
/// it (its own pair when self-signed; else the pair of the client's certificate whose subject is its issuer and whose
/// key verifies its signature). Dates: without an Offset the existing certificate's Activation and Deactivation Dates;
/// with one, Activation = now + Offset and the others keep their distance (Table 186, as Re-key); the validity is
/// those dates, else as long as the existing certificate's. The new certificate takes the Names (the existing one
/// loses them); Replaced/Replacement Object Links join the two, and the public key's Certificate Link moves to the
/// new one. The ID Placeholder names the new certificate.
/// Result Reasons: Item Not Found, Invalid Object Type (2.x; Invalid Field in 1.x: not an X.509 certificate, or the
/// request's identifier is not a Certificate Request), Invalid CSR (2.x; Invalid Field in 1.x), Illegal Operation (an
/// Offset on a certificate without an Activation Date), Invalid Field (no issuer the server holds), Feature Not
/// Supported (CRMF and PGP requests).
/// </summary>
public sealed class ReCertifyOperation : KmipOperation
{
    public override Operation Operation => Operation.ReCertify;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var old = ctx.Lookup(payload);
        if (old is not { ObjectType: ObjectType.Certificate, Value: { } oldValue }
            || oldValue.Required(Tag.CertificateType).AsEnumOf<CertificateType>() != CertificateType.X_509)
            throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField, $"'{old.Id}' is not an X.509 certificate: Re-certify renews one");
        var existing = new X509CertificateParser().ReadCertificate(oldValue.Required(Tag.CertificateValue).AsBytes);
        var given = ctx.RequestAttributes(payload.Child(v2 ? Tag.Attributes : Tag.TemplateAttribute));
        ManagedObject? requestObject = null;
        if (payload.Child(Tag.CertificateRequestUniqueIdentifier)?.AsText is { } requestId)
        {
            requestObject = ctx.Lookup(requestId);
            if (requestObject.ObjectType != ObjectType.CertificateRequest)
                throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField, $"'{requestId}' is a {requestObject.ObjectType}, not a Certificate Request");
        }
        var (subjectKey, subject) = CertifyOperation.RequestIn(ctx, payload, requestObject) ?? (existing.GetPublicKey(), existing.SubjectDN);
        var publicKeyObject = ObjectFactory.LinkedId(old, LinkType.PublicKeyLink) is { } publicKeyId && ctx.Changes.Find(publicKeyId) is { } pk
            && pk.Owner == ctx.Client.Id && pk.Value is not null && AsymmetricKeys.Read(pk.Value.Required(Tag.KeyBlock), false, pk.Id).Equals(subjectKey)
            ? pk : null;
        var issuerKeyObject = ctx.Lookup(CertifyOperation.IssuerLink(given) ?? IssuerOf(ctx, existing, old)
            ?? throw new KmipException(ResultReason.InvalidField,
                $"the key that signed '{old.Id}' is not on the server: give the issuer's private key by a Private Key Link in the attributes"));

        var attributes = CertifyOperation.WithoutIssuerAndSubject(given);
        var (edited, carried) = ReKeyOperation.TakeOver(ctx, old, attributes);
        var fresh = ObjectFactory.New(ctx, ObjectType.Certificate);
        ReKeyOperation.Replaces(ctx, old, edited, fresh, attributes, payload.Child(Tag.Offset)?.AsInterval);
        var notBefore = fresh.Date(AttributeNames.ActivationDate) ?? CertifyOperation.Date(attributes, AttributeNames.ActivationDate) ?? ctx.Now;
        var notAfter = fresh.Date(AttributeNames.DeactivationDate) ?? CertifyOperation.Date(attributes, AttributeNames.DeactivationDate)
            ?? notBefore + (existing.NotAfter - existing.NotBefore);
        var certificate = CertifyOperation.Issue(ctx, subjectKey, subject, issuerKeyObject, notBefore, notAfter);
        CertifyOperation.Record(ctx, fresh, certificate, carried, publicKeyObject);
        ctx.Touch(edited);
        return Payload(Id(fresh.Id));
    }

    /// <summary>
    /// The private key that signed <paramref name="existing"/>, when the server holds it for this client: the pair of
    /// the certificate's own public key when it is self-signed, else that of a client certificate whose subject is the
    /// issuer and whose key verifies the signature; reached by Public Key and Private Key Links.
    /// </summary>
    private static string? IssuerOf(RequestContext ctx, X509Certificate existing, ManagedObject old)
    {
        IEnumerable<ManagedObject> candidates = [old];
        if (!existing.IssuerDN.Equivalent(existing.SubjectDN))
            candidates = ctx.Changes.All.Where(o => o.Owner == ctx.Client.Id && o.ObjectType == ObjectType.Certificate && o.Value is not null);
        foreach (var candidate in candidates)
        {
            var certificate = candidate == old ? existing : new X509CertificateParser().ReadCertificate(candidate.Value!.Required(Tag.CertificateValue).AsBytes);
            if (!certificate.SubjectDN.Equivalent(existing.IssuerDN)) continue;
            try { existing.Verify(certificate.GetPublicKey()); }
            catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Security.SignatureException) { continue; }
            if (ObjectFactory.LinkedId(candidate, LinkType.PublicKeyLink) is { } publicKeyId && ctx.Changes.Find(publicKeyId) is { } publicKey
                && ObjectFactory.LinkedId(publicKey, LinkType.PrivateKeyLink) is { } privateKeyId)
                return privateKeyId;
        }
        return null;
    }
}
