using Harness.Pki;

namespace Harness.Steps;

/// <summary>
/// A KMS that is already running (a vendor's, or <c>./harness serve</c>), for scenarios to use instead of an embedded
/// Harness KMS: register one in the run container (<c>./harness run --target HOST:PORT --pki DIR [--admin URL
/// --admin-token TOKEN]</c> does). Clients connect with certificates from <see cref="Pki"/>; the administrator steps
/// need <see cref="AdminUrl"/>.
/// </summary>
/// <param name="Pki">the PKI the KMS trusts: <c>ca.crt</c>, and <c>client.crt</c>/<c>client.key</c>; with
/// <c>ca.key</c> each scenario client gets a certificate of its own.</param>
/// <param name="AdminUrl">the Harness admin interface (<c>POST /objects/{id}/deactivate</c>, ...), if the KMS has one.</param>
public sealed record KmsTarget(string Host, int Port, PkiPaths Pki, Uri? AdminUrl = null, string? AdminToken = null)
{
    public string Endpoint => $"{Host}:{Port}";

    public override string ToString() => AdminUrl is null ? Endpoint : $"{Endpoint} (admin {AdminUrl})";
}
