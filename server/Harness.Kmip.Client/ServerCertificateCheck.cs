using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Pki;

namespace Harness.Kmip.Client;

/// <summary>
/// Decides whether the server certificate is trusted, per <see cref="KmipClientOptions"/>, and remembers why it was
/// refused so that the handshake failure can say so (SslStream only reports "rejected by the callback").
/// </summary>
internal sealed class ServerCertificateCheck(KmipClientOptions options)
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    public string? RefusalReason { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        if (options.AcceptAnyServerCertificate) return true;
        if (certificate is null) return Refuse("the server presented no certificate");
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());

        if (options.ServerThumbprintSha1 is { } pin && !Thumbprints.MatchesSha1(server, pin))
            return Refuse($"server certificate '{server.Subject}' has SHA-1 thumbprint {Thumbprints.Sha1(server)}, " +
                          $"not the pinned {pin}");

        if (options.TrustedCa is { } ca)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
            chain.ChainPolicy.DisableCertificateDownloads = true;
            if (presentedChain is not null)
                foreach (var extra in presentedChain.ChainPolicy.ExtraStore) chain.ChainPolicy.ExtraStore.Add(extra);
            if (!chain.Build(server))
            {
                var problems = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
                return Refuse($"server certificate '{server.Subject}' (issuer '{server.Issuer}') does not validate against " +
                              $"the trusted CA '{ca.Subject}': {string.Join(", ", problems)}");
            }
            if (options.VerifyServerName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                return Refuse($"server certificate '{server.Subject}' does not name '{options.TargetHost ?? options.Host}' " +
                              "in its Subject Alternative Name");
        }
        return true;
    }

    private bool Refuse(string reason)
    {
        RefusalReason = reason;
        return false;
    }
}
