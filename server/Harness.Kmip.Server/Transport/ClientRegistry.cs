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
        Refusals = new RefusalLog(time);
        foreach (var c in durable.LoadClients()) _clients[c.Identity] = c;
    }

    /// <summary>Takes in a client record another KMS node committed to the shared store.</summary>
    internal void Apply(ClientRecord record) => _clients[record.Identity] = record;

    public IReadOnlyCollection<ClientRecord> All => _clients.Values.OrderBy(c => c.FirstSeen).ToList();

    public ClientRecord? Find(string identity) => _clients.GetValueOrDefault(identity);

    public ClientRecord? FindBySha1(string sha1)
    {
        var normal = NormalizeSha1(sha1);
        return _clients.Values.FirstOrDefault(c => NormalizeSha1(c.Sha1Thumbprint) == normal);
    }

    /// <summary>A known client, or a recently refused certificate (remembered from now on), by thumbprint.</summary>
    private ClientRecord? FindOrRememberBySha1(string sha1) =>
        FindBySha1(sha1) ?? (Refusals.FindBySha1(sha1) is { } refused ? Remember(X509Certificate2.CreateFromPem(refused.CertificatePem)) : null);

    /// <summary>
    /// A certificate the handshake accepted: remembered (for the admin interface and object owners) the first time,
    /// written to the store without waiting: the handshake path does no database write of its own.
    /// </summary>
    public ClientRecord NoteAccepted(X509Certificate2 cert)
    {
        var id = ClientIdentity.FromCertificate(cert);
        if (_clients.TryGetValue(id.Id, out var known)) return known;
        var record = new ClientRecord(id.Id, id.Subject, id.Sha1, cert.ExportCertificatePem(), false, null, _time.GetUtcNow());
        if (!_clients.TryAdd(id.Id, record)) return _clients[id.Id];
        _ = _durable.SaveClientAsync(record); // best effort: a record of who connected, not an acknowledged change
        return record;
    }

    /// <summary>Records a certificate the administrator hands over (allow/upload): written before the answer.</summary>
    private ClientRecord Remember(X509Certificate2 cert)
    {
        var id = ClientIdentity.FromCertificate(cert);
        if (_clients.TryGetValue(id.Id, out var known)) return known;
        var record = new ClientRecord(id.Id, id.Subject, id.Sha1, cert.ExportCertificatePem(), false, null, _time.GetUtcNow());
        _clients[id.Id] = record;
        _durable.SaveClientAsync(record).GetAwaiter().GetResult();
        return record;
    }

    /// <summary>The certificates refused recently, newest first (memory only, at most <see cref="RefusalLog.Capacity"/>).</summary>
    public RefusalLog Refusals { get; }

    /// <summary>
    /// Allows a certificate; it is trusted from now + the configured delay. With <paramref name="actsAsSha1"/> it uses the
    /// objects of that known client (the same tenant), as a KMS administrator does for a rebuilt vCenter.
    /// </summary>
    public ClientRecord Allow(X509Certificate2 cert, string? actsAsSha1 = null)
    {
        var seen = Remember(cert);
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
        AllowRecord(FindOrRememberBySha1(sha1) ?? throw new KeyNotFoundException(
            $"no client with SHA-1 thumbprint {sha1} has connected recently; upload its certificate instead"));

    private ClientRecord AllowRecord(ClientRecord record)
    {
        Refusals.Forget(record.Identity);
        var allowed = record with { Allowed = true, EffectiveFrom = _time.GetUtcNow() + _delay };
        _clients[record.Identity] = allowed;
        _durable.SaveClientAsync(allowed).GetAwaiter().GetResult();
        return allowed;
    }

    /// <summary>
    /// Re-Provision: <paramref name="replacement"/> becomes the credential of the client <paramref name="current"/>
    /// presented (it acts as the same client, its objects and all) and the current certificate is refused from now on.
    /// </summary>
    public ClientRecord ReplaceCredential(ClientRecord current, X509Certificate2 replacement)
    {
        var seen = Remember(replacement);
        var next = AllowRecord(seen with { ActsAs = current.ActsAs ?? current.Identity });
        var retired = (_clients.GetValueOrDefault(current.Identity) ?? current) with { RetiredAt = _time.GetUtcNow() };
        _clients[current.Identity] = retired;
        _durable.SaveClientAsync(retired).GetAwaiter().GetResult();
        return next;
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

/// <summary>A certificate the handshake refused: how often, first and last, and what the log has said of it.</summary>
public sealed class RefusedClient(string identity, string subject, string sha1, string certificatePem, DateTimeOffset first)
{
    public string Identity { get; } = identity;
    public string Subject { get; } = subject;
    public string Sha1Thumbprint { get; } = sha1;
    public string CertificatePem { get; } = certificatePem;
    public DateTimeOffset FirstRefused { get; } = first;
    public DateTimeOffset LastRefused { get; internal set; } = first;
    public long Attempts { get; internal set; }
    internal DateTimeOffset? LastLogged { get; set; }
    /// <summary>Order of the last refusal among all (clocks may stand still in tests; the order does not).</summary>
    internal long Sequence { get; set; }
    internal long AttemptsSinceLog { get; set; }
}

/// <summary>
/// Recent refusals, in memory only and bounded (a flood of distinct certificates evicts the oldest): what
/// <c>GET /clients</c> shows and what an administrator allows by thumbprint. The log speaks of each identity at most once
/// a minute, with the number of attempts since it last did.
/// </summary>
public sealed class RefusalLog(TimeProvider time)
{
    public const int Capacity = 1000;
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, RefusedClient> _byIdentity = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _sequence;

    /// <summary>Counts a refusal; returns the record and, when a log line is due, the attempts it should report (else null).</summary>
    public (RefusedClient Client, long? AttemptsToLog) Note(X509Certificate2 cert)
    {
        var id = ClientIdentity.FromCertificate(cert);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_byIdentity.TryGetValue(id.Id, out var refused))
            {
                if (_byIdentity.Count >= Capacity)
                    _byIdentity.Remove(_byIdentity.Values.MinBy(r => r.Sequence)!.Identity);
                refused = new RefusedClient(id.Id, id.Subject, id.Sha1, cert.ExportCertificatePem(), now);
                _byIdentity[id.Id] = refused;
            }
            refused.Attempts++;
            refused.AttemptsSinceLog++;
            refused.LastRefused = now;
            refused.Sequence = ++_sequence;
            if (refused.LastLogged is { } last && now - last < LogInterval) return (refused, null);
            var count = refused.AttemptsSinceLog;
            refused.LastLogged = now;
            refused.AttemptsSinceLog = 0;
            return (refused, count);
        }
    }

    public IReadOnlyList<RefusedClient> Newest
    {
        get { lock (_gate) return _byIdentity.Values.OrderByDescending(r => r.Sequence).ToList(); }
    }

    public RefusedClient? FindBySha1(string sha1)
    {
        var normal = ClientRegistry.NormalizeSha1(sha1);
        lock (_gate) return _byIdentity.Values.FirstOrDefault(r => ClientRegistry.NormalizeSha1(r.Sha1Thumbprint) == normal);
    }

    /// <summary>Forgets a certificate once an administrator allowed it.</summary>
    public void Forget(string identity)
    {
        lock (_gate) _byIdentity.Remove(identity);
    }
}
