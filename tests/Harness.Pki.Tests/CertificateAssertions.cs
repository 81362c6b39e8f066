using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Pki.Tests;

internal static class Certs
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static IReadOnlyList<string> Ekus(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value!).ToList();

    public static X509SubjectAlternativeNameExtension? San(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();

    /// <summary>Builds the chain against <paramref name="ca"/> as the only root; returns the status flags (empty = valid).</summary>
    public static X509ChainStatusFlags ChainErrors(X509Certificate2 leaf, X509Certificate2 ca, string? applicationPolicy = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (applicationPolicy is not null) chain.ChainPolicy.ApplicationPolicy.Add(new Oid(applicationPolicy));
        chain.Build(leaf);
        return chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (acc, s) => acc | s.Status);
    }
}
