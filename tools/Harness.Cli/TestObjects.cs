using System.Collections.Concurrent;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Simulator;
using Harness.Simulator.KmsAdministration;

namespace Harness.Cli;

/// <summary>
/// The objects a command made on the KMS under test (bench's keys, the vectors' objects), destroyed when it ends unless
/// --keep: Revoke when Active, then Destroy, the way certify cleans up (<see cref="ExternalKmsAdministration"/>).
/// </summary>
/// <param name="transport">how the KMS is reached at HOST:PORT (vectors over its HTTPS binding clean up there too).</param>
internal sealed class TestObjects(string host, int port, PkiPaths pki, KmipTransport transport = KmipTransport.Tls)
{
    private readonly ConcurrentQueue<string> _made = new();

    /// <summary>Notes the objects a response says the KMS made; a response that does not parse made nothing to note.</summary>
    public void Note(TtlvNode response)
    {
        try { Note(KmipResponse.Parse(response)); }
        catch (KmipException) { }
    }

    public void Note(KmipResponse response)
    {
        foreach (var id in response.MadeObjectIds()) _made.Enqueue(id);
    }

    public void Note(string id) => _made.Enqueue(id);

    public int Count => _made.Distinct().Count();

    /// <summary>Destroys them; returns how many were destroyed (objects already destroyed, gone or refused are not counted).</summary>
    public async Task<int> DestroyAsync() =>
        _made.IsEmpty ? 0 : await new ExternalKmsAdministration(new ExternalKms(host, port, pki) { Transport = transport }).DestroyQuietlyAsync(_made.ToList());

    /// <summary>"cleaned up 12 objects (revoked if active, destroyed)" or, with --keep, "kept 12 objects on the server (--keep)".</summary>
    public async Task<string> FinishAsync(bool keep, string what)
    {
        if (keep) return $"kept {Count} {Plural(Count, what)} on the server (--keep)";
        var destroyed = await DestroyAsync();
        var refused = Count - destroyed;
        return $"cleaned up {destroyed} {Plural(destroyed, what)} (revoked if active, destroyed)" +
               (refused > 0 ? $"; {refused} were gone already or refused" : "");
    }

    private static string Plural(int n, string what) => n == 1 ? what : what + "s";
}
