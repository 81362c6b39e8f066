using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Validate (KMIP 1.4 §4.24, 2.1 §6.1.57): whether a certificate chain (the Certificates given and those the Unique
/// Identifiers name, the client's, in any order) is valid at the Validity Date (now when absent). The server's policy
/// (the spec leaves it to the server): the certificates are put in order from the one no other names as issuer; each
/// must be X.509, valid at the date, and signed by the next, which must be a CA (Basic Constraints); the last must be
/// self-signed (its own signature verifies). Valid when all holds; Invalid when a certificate is outside its validity,
/// a signature does not verify, an issuer is not a CA, or the chain is not one chain; Unknown when the chain ends in a
/// certificate that is not self-signed (no trust anchor to end it).
/// Result Reasons: Item Not Found (a Unique Identifier that is not the client's), Invalid Object Type (2.x; Invalid
/// Field in 1.x: not a certificate), Invalid Field (no certificate; a Certificate that is not DER X.509).
/// </summary>
public sealed class ValidateOperation : KmipOperation
{
    public override Operation Operation => Operation.Validate;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var values = payload.ChildrenOf(Tag.Certificate).Select(c => (Name: "a Certificate of the request", Value: c)).ToList();
        foreach (var id in payload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText))
        {
            var obj = ctx.Lookup(id);
            if (obj.ObjectType != ObjectType.Certificate || obj.Value is null)
                throw new KmipException(ctx.Version.IsV2 ? ResultReason.InvalidObjectType : ResultReason.InvalidField, $"'{id}' is a {obj.ObjectType}, not a certificate");
            values.Add(($"'{id}'", obj.Value));
        }
        if (values.Count == 0) throw new KmipException(ResultReason.InvalidField, "Validate needs at least one Certificate or Unique Identifier of a certificate");
        var certificates = values.Select(v => Parse(v.Name, v.Value)).ToList();
        var at = (payload.Child(Tag.ValidityDate)?.AsDateTime ?? ctx.Now).UtcDateTime;
        return Payload(TtlvNode.Enumeration(Tag.ValidityIndicator, Check(certificates, at)));
    }

    private static X509Certificate Parse(string name, TtlvNode value)
    {
        if (value.Child(Tag.CertificateType)?.AsEnumOf<CertificateType>() is { } type && type != CertificateType.X_509)
            throw new KmipException(ResultReason.InvalidField, $"{name} is a {type} certificate: this server validates X.509");
        try { return new X509CertificateParser().ReadCertificate(value.Required(Tag.CertificateValue).AsBytes) ?? throw new ArgumentException("empty"); }
        catch (Exception ex) when (ex is ArgumentException or IOException or Org.BouncyCastle.Security.Certificates.CertificateException)
        {
            throw new KmipException(ResultReason.InvalidField, $"{name} is not a DER X.509 certificate: {ex.Message}");
        }
    }

    /// <summary>The chain's validity under the policy above.</summary>
    internal static ValidityIndicator Check(IReadOnlyList<X509Certificate> certificates, DateTime at)
    {
        var remaining = certificates.Distinct().ToList();
        // The leaf: the certificate whose subject no other certificate has as its issuer (a self-signed one alone is its own leaf).
        var leaf = remaining.FirstOrDefault(c => !remaining.Any(o => !ReferenceEquals(o, c) && o.IssuerDN.Equivalent(c.SubjectDN)));
        if (leaf is null) return ValidityIndicator.Invalid;
        var chain = new List<X509Certificate> { leaf };
        remaining.Remove(leaf);
        while (remaining.Count > 0)
        {
            var issuer = remaining.FirstOrDefault(c => c.SubjectDN.Equivalent(chain[^1].IssuerDN));
            if (issuer is null) return ValidityIndicator.Invalid; // certificates that are not one chain
            chain.Add(issuer);
            remaining.Remove(issuer);
        }
        for (int i = 0; i < chain.Count; i++)
        {
            if (!chain[i].IsValid(at)) return ValidityIndicator.Invalid;
            var signer = i + 1 < chain.Count ? chain[i + 1] : chain[i];
            if (i + 1 < chain.Count && signer.GetBasicConstraints() < 0) return ValidityIndicator.Invalid;
            if (!Verifies(chain[i], signer))
                return i + 1 < chain.Count ? ValidityIndicator.Invalid : ValidityIndicator.Unknown;
        }
        return ValidityIndicator.Valid;
    }

    private static bool Verifies(X509Certificate certificate, X509Certificate signer)
    {
        try
        {
            certificate.Verify(signer.GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is GeneralSecurityException or Org.BouncyCastle.Security.Certificates.CertificateException or InvalidKeyException or ArgumentException)
        {
            return false;
        }
    }
}
