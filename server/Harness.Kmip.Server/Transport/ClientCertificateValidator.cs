using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// Decides at the TLS handshake whether a client certificate is trusted: issued by the configured CA (with the
/// clientAuth extended key usage when the certificate names its usages), or allowed by an administrator and in effect.
/// A refusal is logged in one line with the subject, the SHA-1 thumbprint and how to allow the certificate.
/// </summary>
public sealed class ClientCertificateValidator(X509Certificate2 ca, ClientRegistry registry, ILogger log, Func<string> howToAllow)
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public bool Validate(X509Certificate? presented, string peer)
    {
        if (presented is null)
        {
            log.LogWarning("refused TLS client {Peer}: it presented no client certificate; KMIP clients must authenticate with one", peer);
            return false;
        }
        using var cert = new X509Certificate2(presented);
        if (registry.Find(ClientIdentity.FromCertificate(cert).Id) is { RetiredAt: { } retiredAt } retired)
        {
            log.LogWarning("refused client certificate \"{Subject}\" SHA-1 {Sha1} from {Peer}: Re-Provision replaced it at {At:u}; the client uses its new credential",
                LogText.Of(retired.Subject), retired.Sha1Thumbprint, peer, retiredAt);
            return false;
        }
        string? problem = ChainProblem(cert);
        if (problem is null)
        {
            registry.NoteAccepted(cert);
            return true;
        }
        var identity = ClientIdentity.FromCertificate(cert);
        if (registry.IsAllowedNow(identity.Id, out var allowed)) return true;
        // Refused: counted in memory only (no database write in the handshake), logged at most once a minute per identity.
        var (refused, attempts) = registry.Refusals.Note(cert);
        if (attempts is not { } count) return false;
        var again = count > 1 ? $" ({count} attempts since the last line)" : "";
        if (allowed is { Allowed: true, EffectiveFrom: { } from })
        {
            log.LogWarning("refused client certificate \"{Subject}\" SHA-1 {Sha1} from {Peer}: allowed by the administrator, trusted from {From:u}; wait and try again{Again}",
                LogText.Of(refused.Subject), refused.Sha1Thumbprint, peer, from, again);
            return false;
        }
        log.LogWarning("refused client certificate \"{Subject}\" SHA-1 {Sha1} from {Peer}: {Problem}; to allow it: {HowToAllow}{Again}",
            LogText.Of(refused.Subject), refused.Sha1Thumbprint, peer, problem, howToAllow().Replace("{sha1}", refused.Sha1Thumbprint), again);
        return false;
    }

    /// <summary>Null when the certificate chains to the CA and may authenticate clients; otherwise why not.</summary>
    public string? ChainProblem(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!chain.Build(cert))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().ToList();
            var problems = new List<string>();
            var untrusted = statuses.Where(s => s != X509ChainStatusFlags.NotTimeValid).ToList();
            if (untrusted.Count > 0)
                problems.Add($"not issued by the configured CA \"{ca.Subject}\" ({string.Join(", ", untrusted)})");
            if (statuses.Contains(X509ChainStatusFlags.NotTimeValid))
                problems.Add(ValidityProblem(cert) ?? "a certificate of its chain is outside its validity period (NotTimeValid)");
            return string.Join("; ", problems);
        }
        var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is not null && !eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClientAuthOid))
            return "the certificate lacks the clientAuth extended key usage";
        return null;
    }

    /// <summary>Why the certificate itself is not valid now (the chain check uses the system time), or null.</summary>
    private static string? ValidityProblem(X509Certificate2 cert)
    {
        var now = DateTime.Now;
        if (cert.NotAfter < now) return $"the certificate expired on {cert.NotAfter.ToUniversalTime():u}";
        if (cert.NotBefore > now) return $"the certificate is not valid before {cert.NotBefore.ToUniversalTime():u}";
        return null;
    }
}
