using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.X509;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Re-Provision (KMIP 2.1 §6.1.48): a new link-level credential for the client that asks, in place of the certificate
/// it connected with, which the server refuses from then on (new connections; the present one goes on). With a
/// Certificate Request, the server's client CA (<see cref="KmipServerOptions.ClientCredentialIssuer"/>) signs it; with
/// a Certificate, that certificate becomes the credential; with neither, the server makes an EC P-256 key pair and a
/// certificate for the client's name, and keeps the private key for the client to Get. The new certificate (or private
/// key) is stored as the client's object and named in the answer; it acts as the same client, with all its objects.
/// Result Reasons: Feature Not Supported (a request or no parameters when the server holds no CA key), Invalid CSR,
/// Invalid Field (a Certificate that is not X.509), Permission Denied (a delegated ticket, or a credential unknown to the server).
/// </summary>
public sealed class ReProvisionOperation : KmipOperation
{
    public override Operation Operation => Operation.ReProvision;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        if (ctx.Rights is not null)
            throw new KmipException(ResultReason.PermissionDenied, "a delegated ticket cannot re-provision the credential of the client that delegated");
        var current = ctx.Kms.Clients.FindBySha1(ctx.Client.Sha1)
                      ?? throw new KmipException(ResultReason.PermissionDenied, "the server has no record of the certificate this request came with");
        X509Certificate2 replacement;
        ManagedObject? privateKey = null;
        if (payload.Child(Tag.Certificate) is { } given)
        {
            if (given.Child(Tag.CertificateType)?.AsEnumOf<CertificateType>() is not CertificateType.X_509 || given.Child(Tag.CertificateValue) is not { } der)
                throw new KmipException(ResultReason.InvalidField, "the Certificate must be an X.509 Certificate Type with its Certificate Value");
            try { replacement = X509CertificateLoader.LoadCertificate(der.AsBytes); }
            catch (CryptographicException ex) { throw new KmipException(ResultReason.InvalidField, $"the Certificate Value is not an X.509 certificate: {ex.Message}"); }
        }
        else
        {
            var issuer = ctx.Kms.Options.ClientCredentialIssuer ?? throw new KmipException(ResultReason.FeatureNotSupported,
                "this server holds no CA key to issue client credentials: Re-Provision with a Certificate, or serve with a PKI directory that has ca.key");
            if (payload.Child(Tag.CertificateRequest) is not null || payload.Child(Tag.CertificateRequestValue) is not null)
            {
                var csr = CertifyOperation.RequestBytes(payload) ?? throw new KmipException(ResultReason.InvalidCSR, "the Certificate Request has no value");
                try { replacement = issuer.SignCsr(csr); }
                catch (Harness.Pki.PkiException ex) { throw new KmipException(ResultReason.InvalidCSR, ex.Message); }
            }
            else
            {
                using (var old = X509Certificate2.CreateFromPem(current.CertificatePem))
                    replacement = issuer.IssueClient(old.GetNameInfo(X509NameType.SimpleName, false) is { Length: > 0 } name ? name : "Re-provisioned client");
                privateKey = ObjectFactory.New(ctx, ObjectType.PrivateKey);
                privateKey.Value = ObjectFactory.Key(Tag.PrivateKey, KeyFormatType.PKCS_8,
                    replacement.GetECDsaPrivateKey()!.ExportPkcs8PrivateKey(), CryptographicAlgorithm.EC, 256);
                ObjectFactory.ApplyClientAttributes(ctx, privateKey, []);
                ObjectFactory.CopyKeyBlockAttributes(privateKey);
                ObjectFactory.SetServerKeyAttributes(privateKey, ctx);
            }
        }

        var certificate = ObjectFactory.New(ctx, ObjectType.Certificate);
        CertifyOperation.Record(ctx, certificate, new X509CertificateParser().ReadCertificate(replacement.RawData), [], null);
        if (privateKey is not null)
        {
            certificate.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.PrivateKeyLink, privateKey.Id));
            privateKey.Add(AttributeNames.Link, ObjectFactory.Link(LinkType.CertificateLink, certificate.Id));
            Lifecycle.ApplyDueTransitions(privateKey, ctx.Now);
            ctx.AddNew(privateKey);
        }
        ctx.Kms.Clients.ReplaceCredential(current, replacement);
        ctx.IdPlaceholder = (privateKey ?? certificate).Id;
        return Payload(Id((privateKey ?? certificate).Id));
    }
}
