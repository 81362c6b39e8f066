using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Server.Storage;

namespace Harness.Kmip.Server;

/// <summary>
/// The clients the server knows: every certificate that connected or tried to, and the ones an administrator allowed
/// explicitly (certificates not issued by the configured CA, such as a vCenter's self-signed one). An allowed
/// certificate takes effect after <see cref="KmipServerOptions.AllowedClientDelay"/>.
/// </summary>
public sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<string, ClientRecord> _clients = new();
    private readonly IDurableStore _durable;
    private readonly TimeProvider _time;
    private readonly TimeSpan _delay;

    public ClientRegistry(IDurableStore durable, TimeProvider time, TimeSpan delay)
    {
        _durable = durable;
        _time = time;
        _delay = delay;
        foreach (var c in durable.LoadClients()) _clients[c.Identity] = c;
    }

    public IReadOnlyCollection<ClientRecord> All => _clients.Values.OrderBy(c => c.FirstSeen).ToList();

    public ClientRecord? Find(string identity) => _clients.GetValueOrDefault(identity);

    public ClientRecord? FindBySha1(string sha1)
    {
        var normal = NormalizeSha1(sha1);
        return _clients.Values.FirstOrDefault(c => NormalizeSha1(c.Sha1Thumbprint) == normal);
    }

    /// <summary>Records a certificate that connected or tried to (refused ones can then be allowed by thumbprint).</summary>
    public ClientRecord NoteSeen(X509Certificate2 cert)
    {
        var id = ClientIdentity.FromCertificate(cert);
        if (_clients.TryGetValue(id.Id, out var known)) return known;
        var record = new ClientRecord(id.Id, id.Subject, id.Sha1, cert.ExportCertificatePem(), false, null, _time.GetUtcNow());
        _clients[id.Id] = record;
        _durable.SaveClientAsync(record).GetAwaiter().GetResult();
        return record;
    }

    /// <summary>
    /// Allows a certificate; it is trusted from now + the configured delay. With <paramref name="actsAsSha1"/> it uses the
    /// objects of that known client (the same tenant), as a KMS administrator does for a rebuilt vCenter.
    /// </summary>
    public ClientRecord Allow(X509Certificate2 cert, string? actsAsSha1 = null)
    {
        var seen = NoteSeen(cert);
        string? actsAs = null;
        if (actsAsSha1 is not null)
        {
            var owner = FindBySha1(actsAsSha1) ?? throw new KeyNotFoundException($"no client with SHA-1 thumbprint {actsAsSha1} to act as");
            actsAs = owner.ActsAs ?? owner.Identity;
        }
        return AllowRecord(seen with { ActsAs = actsAs });
    }

    /// <summary>The identity a certificate's requests run as: its own, or the one an administrator made it act as.</summary>
    public ClientIdentity Effective(ClientIdentity presented) =>
        Find(presented.Id)?.ActsAs is { } owner ? presented with { Id = owner } : presented;

    public ClientRecord AllowBySha1(string sha1) =>
        AllowRecord(FindBySha1(sha1) ?? throw new KeyNotFoundException(
            $"no client with SHA-1 thumbprint {sha1} has connected; upload its certificate instead"));

    private ClientRecord AllowRecord(ClientRecord record)
    {
        var allowed = record with { Allowed = true, EffectiveFrom = _time.GetUtcNow() + _delay };
        _clients[record.Identity] = allowed;
        _durable.SaveClientAsync(allowed).GetAwaiter().GetResult();
        return allowed;
    }

    public ClientRecord Revoke(string sha1)
    {
        var record = FindBySha1(sha1) ?? throw new KeyNotFoundException($"no client with SHA-1 thumbprint {sha1}");
        var revoked = record with { Allowed = false, EffectiveFrom = null };
        _clients[record.Identity] = revoked;
        _durable.SaveClientAsync(revoked).GetAwaiter().GetResult();
        return revoked;
    }

    /// <summary>Explicitly allowed and in effect now.</summary>
    public bool IsAllowedNow(string identity, out ClientRecord? record)
    {
        record = Find(identity);
        return record is { Allowed: true } && record.EffectiveFrom <= _time.GetUtcNow();
    }

    public static string NormalizeSha1(string sha1) => sha1.Replace(":", "").Replace(" ", "").ToUpperInvariant();
}
