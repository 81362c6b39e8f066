using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Simulator;
using Harness.Simulator.KmsAdministration;

namespace Harness.Certification;

/// <summary>What to certify and how to reach it.</summary>
public sealed record CertifyOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    /// <summary>The vendor's PKI folder: client.crt and client.key (the identity vCenter will use), ca.crt (the CA of the KMS's server certificate).</summary>
    public required string Pki { get; init; }
    public UsernamePasswordCredential? Credential { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Connections of the concurrency check (vCenter keeps one per server, hosts add their own after reboots).</summary>
    public int Connections { get; init; } = 16;
    /// <summary>Create+Get rounds per connection in the concurrency check.</summary>
    public int Rounds { get; init; } = 5;
    public Action<string>? Log { get; init; }

    /// <summary>The @certification scenarios to run against the KMS (<see cref="RecoveryScenarios.Load"/>); empty: none.</summary>
    public IReadOnlyList<Harness.Scenarios.ScenarioDefinition> Scenarios { get; init; } = [];

    /// <summary>Who does the KMS administrator's steps KMIP cannot express (--admin-command, the operator); null: nobody.</summary>
    public IManualKmsAdministrator? Administrator { get; init; }

    /// <summary>OASIS KMIP XML vector files to replay (--vectors); empty: none.</summary>
    public IReadOnlyList<string> Vectors { get; init; } = [];
}

/// <summary>
/// Runs the certification checks against a KMIP server: the transport (TLS versions, cipher suite, a client certificate
/// required, the server's certificate chain and SHA-1 thumbprint as vCenter shows it, reconnects) and vCenter's KMIP
/// conversation (VSPHERE-MODEL.md), message by message with the exchanges as evidence. Every network operation has a
/// bounded timeout; a KMS that cannot be reached, refuses TLS or answers garbage gives failed requirements, not a crash.
/// </summary>
public sealed class Certifier(CertifyOptions options)
{
    private static readonly ProtocolVersion Version = ProtocolVersion.V1_1;
    private static readonly KmipRequestOptions RequestOptionsBase = new() { AssignBatchItemIds = true };
    private readonly KmipRequestOptions _requestOptions = RequestOptionsBase with { Credential = options.Credential };
    private readonly CertifyOptions _o = options;

    private const string NotReachable = "not run: no KMIP exchange with the KMS was possible (see the transport requirements)";

    private CertificationReport? _running;

    /// <summary>How many requirements the run has (transport, conversation, scenarios, vectors), for a progress line.</summary>
    public int RequirementCount => TransportRequirements.Length + ConversationRequirements.Length + _o.Scenarios.Count + _o.Vectors.Count;

    /// <summary>How many rows the running report has so far (read from another thread: a progress line, not a result).</summary>
    public int RequirementsDone => Volatile.Read(ref _running)?.Requirements.Count ?? 0;

    public async Task<CertificationReport> RunAsync(CancellationToken ct = default)
    {
        var report = new CertificationReport { Target = $"{_o.Host}:{_o.Port}" };
        Volatile.Write(ref _running, report);
        var clock = Stopwatch.StartNew();
        bool reachable = false;
        try
        {
            reachable = await TransportAsync(report, ct);
            if (!reachable)
            {
                SkipChecks(report, _o, NotReachable, transport: false);
                return report;
            }
            await ConversationAsync(report, ct);
            if (_o.Scenarios.Count > 0) await RecoveryScenarios.RunAsync(report, _o.Scenarios, External, _o.Log, ct);
            if (_o.Vectors.Count > 0)
                await OasisVectors.RunAsync(report, _o.Vectors, ClientOptions(), response => NoteCreated(response), ct);
        }
        finally
        {
            // Also when the run was interrupted: the vendor's KMS is left with the keys it had.
            if (reachable) await CleanUpAsync(report);
            report.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2);
        }
        return report;
    }

    /// <summary>The rows of the checks that did not run, each skipped with the reason.</summary>
    private static void SkipChecks(CertificationReport report, CertifyOptions o, string why, bool transport)
    {
        if (transport)
            foreach (var (id, _) in TransportRequirements)
                report.Requirements.Add(Transport(id, Outcome.Skipped, why));
        foreach (var (id, _) in ConversationRequirements)
            report.Requirements.Add(Conversation(id, Outcome.Skipped, why));
        RecoveryScenarios.Skip(report, o.Scenarios, why);
        OasisVectors.Skip(report, o.Vectors, why);
    }

    /// <summary>
    /// The report when the KMS could not be reached at all because a step before the checks failed (its container did
    /// not start): that step as the failed requirement, every check (scenarios and vectors included) skipped.
    /// </summary>
    public static CertificationReport NotRun(string target, RequirementResult failed, CertifyOptions options, ContainerImage? image = null)
    {
        var report = new CertificationReport { Target = target, Image = image };
        report.Requirements.Add(failed);
        SkipChecks(report, options, $"not run: {failed.Id} failed", transport: true);
        return report;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private TlsIdentity Identity => External.ClientIdentity;

    private KmipClientOptions ClientOptions(bool withCertificate = true, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13) =>
        External.ClientOptions(withCertificate) with { SslProtocols = protocols };

    private void Log(string line) => _o.Log?.Invoke(line);

    private static async Task Run(CertificationReport report, RequirementResult r, Func<RequirementResult, Task> check)
    {
        var clock = Stopwatch.StartNew();
        try { await check(r); }
        catch (Exception ex)
        {
            r.Outcome = Outcome.Failed;
            r.Detail = string.IsNullOrEmpty(r.Detail) ? Explain(ex) : $"{r.Detail}; then: {Explain(ex)}";
        }
        r.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        report.Requirements.Add(r);
    }

    /// <summary>An exception as a sentence naming what went wrong on the wire.</summary>
    public static string Explain(Exception ex) => ex switch
    {
        SocketException s when s.SocketErrorCode == SocketError.ConnectionRefused => "the connection was refused (nothing listens on the port)",
        // KmipClient.ConnectAsync wraps the socket's refusal (else it reads "the connection broke", below).
        KmipConnectionException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "the connection was refused (nothing listens on the port)",
        SocketException s => $"network error: {s.SocketErrorCode}: {s.Message}",
        KmipTimeoutException t => $"timed out: {t.Message}",
        KmipTlsException tls => $"the TLS handshake failed: {tls.Message}{(tls.InnerException is { } i ? $" ({i.Message})" : "")}",
        KmipProtocolException p => $"the answer is not valid KMIP: {p.Message}",
        TimeoutException t => $"timed out: {t.Message}",
        OperationCanceledException => "timed out waiting for the KMS",
        AuthenticationException a => $"the TLS handshake failed: {a.Message}{(a.InnerException is { } i ? $" ({i.Message})" : "")}",
        TtlvFormatException f => $"the answer is not valid KMIP (TTLV): {f.Message}",
        KmipOperationException k => $"the KMS answered {k.ResultStatus}: {k.Item.ResultReason} {k.ResultMessage}".TrimEnd(),
        IOException io => $"the connection broke: {io.Message}{(io.InnerException is { } i ? $" ({i.Message})" : "")}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>A connection that records every exchange as evidence (TTLV dumps) into a requirement; with none, it only sends.</summary>
    /// Every key a Create made is noted for the clean-up at the end.
    private sealed class Recorder(Certifier owner, KmipClient client, RequirementResult? into) : IAsyncDisposable
    {
        public KmipClient Client { get; } = client;

        public async Task<KmipResponse> SendAsync(string title, CancellationToken ct, params BatchItemRequest[] items) =>
            owner.NoteCreated(await ExchangeAsync(title, ct, items));

        private async Task<KmipResponse> ExchangeAsync(string title, CancellationToken ct, BatchItemRequest[] items)
        {
            var request = KmipRequests.Message(Version, owner._requestOptions, items);
            if (into is null) return KmipResponse.Parse(await Client.SendAsync(request, ct));
            var evidence = new Evidence(title) { Request = request.ToString() };
            TtlvNode response;
            try { response = await Client.SendAsync(request, ct); }
            catch (Exception ex)
            {
                into.Evidence.Add(evidence with { Response = $"(no answer: {Explain(ex)})" });
                throw;
            }
            into.Evidence.Add(evidence with { Response = response.ToString() });
            return KmipResponse.Parse(response);
        }

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _created = new();

    /// <summary>Notes the objects a response says the KMS made, for the clean-up at the end.</summary>
    private KmipResponse NoteCreated(KmipResponse response)
    {
        foreach (var id in response.MadeObjectIds()) _created.Enqueue(id);
        return response;
    }

    /// <summary>
    /// Destroys the objects the conversation checks and the vectors made (Revoke when Active, then Destroy), ignoring
    /// any the KMS refuses: a certification run should not leave test keys behind, and cleaning up must not change the
    /// verdict. The scenarios clean up after themselves; the report counts both.
    /// </summary>
    private async Task CleanUpAsync(CertificationReport report)
    {
        if (!_created.IsEmpty) await new ExternalKmsAdministration(External).DestroyQuietlyAsync(_created);
        // One count, kept by the KMS under test for every clean-up (the checks', the vectors', the scenarios').
        report.KeysCleanedUp = External.KeysCleanedUp;
        Log($"clean-up: {CertificationReport.CleanUpText(External.KeysCleanedUp)}");
    }

    private ExternalKms? _external;

    /// <summary>The KMS under test as the scenarios and the clean-up reach it (one instance: it counts what was cleaned up).</summary>
    private ExternalKms External => _external ??= new(_o.Host, _o.Port, new PkiPaths(_o.Pki), _o.Credential, _o.Administrator)
    {
        ConnectTimeout = _o.ConnectTimeout,
        ReceiveTimeout = _o.ReceiveTimeout,
    };

    private async Task<Recorder> ConnectAsync(RequirementResult into, CancellationToken ct) =>
        new(this, await KmipClient.ConnectAsync(ClientOptions(), ct), into);

    // ---- transport -------------------------------------------------------------------------------------------------

    private async Task<bool> TransportAsync(CertificationReport report, CancellationToken ct)
    {
        bool connected = false;
        await Run(report, Transport("T1"), async r =>
        {
            try { _ = Identity; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new InvalidOperationException($"the PKI folder {_o.Pki} must hold client.crt, client.key and ca.crt: {ex.Message}", ex);
            }
            await using var client = await KmipClient.ConnectAsync(ClientOptions(), ct);
            var cert = client.ServerCertificate;
            report.ServerThumbprintSha1 = cert is null ? null : Thumbprints.Sha1(cert);
            r.Evidence.Add(new Evidence("TLS session")
            {
                Text = $"protocol {client.NegotiatedProtocol}, cipher suite {client.NegotiatedCipherSuite}\n" +
                       $"client certificate: {Identity.Certificate.Subject} (SHA-1 {Thumbprints.Sha1(Identity.Certificate)})",
            });
            // The connection is only proven once the KMS answers a request on it (TLS 1.3 reports a refused client certificate late).
            await using var rec = new Recorder(this, client, r);
            (await rec.SendAsync("Discover Versions", ct, KmipBatchItems.DiscoverVersions())).EnsureSuccess();
            connected = true;
            r.Detail = $"TLS session established ({client.NegotiatedProtocol}, {client.NegotiatedCipherSuite}) and the KMS answered KMIP on it";
        });
        if (!connected)
        {
            foreach (var (id, _) in TransportRequirements.Skip(1))
                report.Requirements.Add(Transport(id, Outcome.Skipped, "not run: T1 failed"));
            return false;
        }

        await Run(report, Transport("T2"), async r =>
        {
            var accepted = new List<string>();
            foreach (var (name, protocol) in new[] { ("TLS 1.2", SslProtocols.Tls12), ("TLS 1.3", SslProtocols.Tls13) })
            {
                try
                {
                    await using var c = await KmipClient.ConnectAsync(ClientOptions(protocols: protocol), ct);
                    await using var rec = new Recorder(this, c, r);
                    (await rec.SendAsync($"Discover Versions over {name}", ct, KmipBatchItems.DiscoverVersions())).EnsureSuccess();
                    accepted.Add(name);
                    r.Evidence.Add(new Evidence($"{name}") { Text = $"accepted: cipher suite {c.NegotiatedCipherSuite}" });
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    r.Evidence.Add(new Evidence($"{name}") { Text = $"not accepted: {Explain(ex)}" });
                }
            }
            r.Detail = $"accepted: {(accepted.Count == 0 ? "none" : string.Join(", ", accepted))}";
            if (!accepted.Contains("TLS 1.2"))
            {
                r.Outcome = accepted.Count == 0 ? Outcome.Failed : Outcome.Warning;
                r.Detail += accepted.Count == 0 ? "" : "; vCenter 6.7 and 7.0 speak TLS 1.2 only to a KMS: they could not connect";
            }
        });

        await Run(report, Transport("T3"), async r =>
        {
            try
            {
                await using var c = await KmipClient.ConnectAsync(ClientOptions(withCertificate: false), ct);
                await using var rec = new Recorder(this, c, r);
                var answer = await rec.SendAsync("Discover Versions without a client certificate", ct, KmipBatchItems.DiscoverVersions());
                if (answer.BatchItems.All(i => i.IsSuccess))
                {
                    r.Outcome = Outcome.Failed;
                    r.Detail = "the KMS accepted a TLS connection without a client certificate and answered KMIP on it: anyone who reaches the port can ask for keys";
                }
                else r.Detail = $"the KMS accepted the TLS session but refused the request ({answer.BatchItems[0].ResultReason})";
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or KmipConnectionClosedException or SocketException)
            {
                r.Detail = $"refused: {Explain(ex)}";
                r.Evidence.Add(new Evidence("TLS without a client certificate") { Text = Explain(ex) });
            }
        });

        await Run(report, Transport("T4"), async r =>
        {
            await using var c = await KmipClient.ConnectAsync(ClientOptions(), ct);
            var cert = c.ServerCertificate ?? throw new InvalidOperationException("the KMS presented no server certificate");
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Identity.TrustedCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            bool valid = chain.Build(cert);
            var days = (cert.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays;
            r.Evidence.Add(new Evidence("server certificate")
            {
                Text = $"subject {cert.Subject}\nissuer {cert.Issuer}\nvalid {cert.NotBefore:u} to {cert.NotAfter:u}\nSHA-1 {Thumbprints.Sha1(cert)}\n" +
                       $"chain to {_o.Pki}/ca.crt: {(valid ? "valid" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())))}",
            });
            r.Detail = $"SHA-1 thumbprint {Thumbprints.Sha1(cert)} (vCenter shows this to the administrator who trusts the KMS); expires in {days:0} days";
            if (days < 0) { r.Outcome = Outcome.Failed; r.Detail += ": expired, vCenter refuses it"; }
            else if (!valid) { r.Outcome = Outcome.Warning; r.Detail += "; it does not chain to the given ca.crt (vCenter can still trust it by its thumbprint)"; }
            else if (days < 30) { r.Outcome = Outcome.Warning; r.Detail += ": renew it soon"; }
        });

        await Run(report, Transport("T5"), async r =>
        {
            for (int i = 1; i <= 5; i++)
            {
                await using var rec = await ConnectAsync(r, ct);
                (await rec.SendAsync($"connection {i}: Discover Versions", ct, KmipBatchItems.DiscoverVersions())).EnsureSuccess();
            }
            r.Detail = "5 of 5 connections answered";
            r.Evidence.RemoveRange(1, r.Evidence.Count - 1); // one exchange is evidence enough
        });
        return true;
    }

    public const string TransportArea = "Transport", ConversationArea = "vCenter's conversation";

    /// <summary>A new row of a transport or conversation check, titled from its table.</summary>
    private static RequirementResult Transport(string id, Outcome outcome = Outcome.Passed, string detail = "") =>
        new(id, TransportArea, TransportRequirements.Single(r => r.Id == id).Title) { Outcome = outcome, Detail = detail };

    private static RequirementResult Conversation(string id, Outcome outcome = Outcome.Passed, string detail = "") =>
        new(id, ConversationArea, ConversationRequirements.Single(r => r.Id == id).Title) { Outcome = outcome, Detail = detail };

    private static readonly (string Id, string Title)[] TransportRequirements =
    [
        ("T1", "Mutual TLS connection with the vendor's client certificate"),
        ("T2", "TLS versions: TLS 1.2 accepted (vCenter 6.7–8 use it)"),
        ("T3", "A connection without a client certificate is refused"),
        ("T4", "Server certificate: chain to the vendor's CA, SHA-1 thumbprint as vCenter shows it"),
        ("T5", "Reconnects: five connections one after another, each answered"),
    ];

    internal static readonly (string Id, string Title)[] ConversationRequirements =
    [
        ("C1", "Discover Versions twice and Query on connecting (protocol 1.1, 8-byte batch item IDs)"),
        ("C2", "Create Symmetric Key with vCenter's three attributes (AES, 256, Encrypt|Decrypt)"),
        ("C3", "Get Attributes \"x-Product_Version\" on the new key"),
        ("C4", "Add Attribute x-Product_Version, x-Vendor, x-Product in one message"),
        ("C5", "Get the new key (32 bytes of AES-256 key material)"),
        ("C6", "Get Attributes \"State\" (vCenter 6.5 asks it)"),
        ("C7", "Activation of a Pre-Active key"),
        ("C8", "Locate by Name"),
        ("C9", "Many keys in one Get message (vCenter fetches up to 100 keys per message after a host reboot)"),
        ("C10", "Revoke: the key becomes Deactivated"),
        ("C11", "Destroy: the key is gone and Get fails"),
        ("C12", "Many concurrent vCenter connections"),
    ];

    // ---- vCenter's conversation ----------------------------------------------------------------------------------

    private async Task ConversationAsync(CertificationReport report, CancellationToken ct)
    {
        var latency = new Dictionary<string, List<double>>();
        void Time(string op, double ms) { lock (latency) (latency.TryGetValue(op, out var l) ? l : latency[op] = []).Add(ms); }

        string? keyId = null;
        await using var shared = await TryConnectAsync(report, ct);
        if (shared is null) return;

        async Task<KmipResponse> Timed(Recorder rec, string op, string title, params BatchItemRequest[] items)
        {
            var sw = Stopwatch.StartNew();
            var answer = await rec.SendAsync(title, ct, items);
            Time(op, sw.Elapsed.TotalMilliseconds);
            return answer;
        }

        async Task<string> StateAsync(Recorder rec, string id, string title)
        {
            var item = (await Timed(rec, "Get Attributes", title, KmipBatchItems.GetAttributes(Version, id, ["State"]))).BatchItems[0].EnsureSuccess();
            return item.StateValue() ?? throw new InvalidOperationException("Get Attributes State answered no State attribute");
        }

        await Run(report, Conversation("C1"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            for (int i = 0; i < 2; i++) (await Timed(rec, "Discover Versions", "Discover Versions", KmipBatchItems.DiscoverVersions())).EnsureSuccess();
            var query = (await Timed(rec, "Query", "Query (server information)", KmipBatchItems.Query([QueryFunction.QueryServerInformation]))).BatchItems[0].EnsureSuccess();
            var vendor = query.ResponsePayload?.Child(Tag.VendorIdentification)?.AsText;
            report.ServerVendor = vendor;
            r.Detail = $"answered; vendor identification \"{vendor ?? "(none)"}\"";
        });

        await Run(report, Conversation("C2"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            var create = (await Timed(rec, "Create", "Create", KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt))).BatchItems[0].EnsureSuccess();
            keyId = create.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            r.Detail = $"created key {keyId}";
        });
        if (keyId is null)
        {
            foreach (var id in new[] { "C3", "C4", "C5", "C6", "C7" })
                report.Requirements.Add(Conversation(id, Outcome.Skipped, "not run: C2 created no key"));
        }
        else
        {
            await Run(report, Conversation("C3"), async r =>
            {
                var rec = new Recorder(this, shared.Client, r);
                (await Timed(rec, "Get Attributes", "Get Attributes x-Product_Version", KmipBatchItems.GetAttributes(Version, keyId, ["x-Product_Version"]))).BatchItems[0].EnsureSuccess();
                r.Detail = "answered (the attribute is not set yet)";
            });
            await Run(report, Conversation("C4"), async r =>
            {
                var rec = new Recorder(this, shared.Client, r);
                var answer = await Timed(rec, "Add Attribute", "Add Attribute ×3",
                    KmipBatchItems.AddAttribute(Version, keyId, KmipAttribute.Text("x-Product_Version", "7.0.3 build-19480866")),
                    KmipBatchItems.AddAttribute(Version, keyId, KmipAttribute.Text("x-Vendor", "VMware, Inc.")),
                    KmipBatchItems.AddAttribute(Version, keyId, KmipAttribute.Text("x-Product", "VMware vSphere")));
                var failed = answer.BatchItems.Where(i => !i.IsSuccess).ToList();
                if (failed.Count == 0 && answer.BatchItems.Count == 3) { r.Detail = "all three attributes added"; return; }
                r.Outcome = Outcome.Warning;
                var what = answer.BatchItems.Count == 3
                    ? $"{failed.Count} of the 3 Add Attribute items refused"
                    : $"the message of 3 Add Attribute items was answered with {answer.BatchItems.Count} item(s)";
                // Fewer answers than items: the KMS could not even parse the message, so it lacks the operation itself.
                var lacks = answer.BatchItems.Count != 3 || failed.Any(i => i.ResultReason == ResultReason.OperationNotSupported)
                    ? "the KMS does not support the Add Attribute operation, which vCenter sends after each Create to tag the key with its custom attributes (x-Product_Version, x-Vendor, x-Product)"
                    : "the KMS supports Add Attribute but refuses vCenter's custom attributes (x-Product_Version, x-Vendor, x-Product)";
                r.Detail = $"{what} ({failed.FirstOrDefault()?.ResultReason}: {failed.FirstOrDefault()?.ResultMessage}); {lacks}. " +
                           "vCenter still works with this KMS: it tolerates the refusal (it logs a warning), keys are still created and served, " +
                           "but the KMS will not record which vCenter product made them";
            });
            await Run(report, Conversation("C5"), async r =>
            {
                var rec = new Recorder(this, shared.Client, r);
                var get = (await Timed(rec, "Get", "Get", KmipBatchItems.Get(keyId))).BatchItems[0].EnsureSuccess();
                var material = KeyMaterial(get);
                if (material is not { Length: 32 }) throw new InvalidOperationException($"the key material is {(material is null ? "missing" : $"{material.Length} bytes")}, not 32 bytes of AES-256");
                r.Detail = "32 bytes of key material";
            });
            string? state = null;
            await Run(report, Conversation("C6"), async r =>
            {
                var rec = new Recorder(this, shared.Client, r);
                state = await StateAsync(rec, keyId, "Get Attributes State");
                r.Detail = $"State is {state}" + (state == "PreActive" ? " (vCenter's keys are never activated by vCenter; the KMS must serve them as they are)" : "");
            });
            await Run(report, Conversation("C7"), async r =>
            {
                var rec = new Recorder(this, shared.Client, r);
                var create = (await rec.SendAsync("Create a key to activate", ct, KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt))).BatchItems[0].EnsureSuccess();
                var id = create.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
                var before = await StateAsync(rec, id, "State before Activate");
                if (before != "PreActive") { r.Detail = $"the KMS creates keys {before}: nothing to activate"; return; }
                var activate = (await Timed(rec, "Activate", "Activate", KmipBatchItems.Activate(id))).BatchItems[0];
                if (!activate.IsSuccess)
                {
                    r.Outcome = Outcome.Warning;
                    r.Detail = $"Activate refused ({activate.ResultReason}: {activate.ResultMessage}); vCenter does not send Activate, so it still works if Pre-Active keys are served";
                    return;
                }
                var after = await StateAsync(rec, id, "State after Activate");
                if (after != "Active") throw new InvalidOperationException($"after Activate the key is {after}, not Active");
                r.Detail = "Pre-Active → Active";
            });
        }

        await Run(report, Conversation("C8"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            var name = $"harness-certify-{Guid.NewGuid():N}";
            var create = (await rec.SendAsync("Create a key with a Name", ct, KmipBatchItems.CreateSymmetricKey(Version,
                [.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectName(name)]))).BatchItems[0].EnsureSuccess();
            var id = create.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            var found = await Timed(rec, "Locate", "Locate by Name", KmipBatchItems.Locate(Version, [KmipAttribute.ObjectName(name)]));
            var item = found.BatchItems[0];
            if (!item.IsSuccess)
            {
                r.Outcome = Outcome.Warning;
                r.Detail = $"Locate refused ({item.ResultReason}: {item.ResultMessage}); vCenter does not use Locate: it keeps key IDs";
                return;
            }
            var ids = item.ResponsePayload?.ChildrenOf(Tag.UniqueIdentifier).Select(c => c.AsText).ToList() ?? [];
            if (!ids.SequenceEqual([id])) throw new InvalidOperationException($"Locate by the new key's unique Name found [{string.Join(", ", ids)}], not [{id}]");
            r.Detail = "found exactly the key with that Name";
        });

        await Run(report, Conversation("C9"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            var ids = new List<string>();
            for (int i = 0; i < 10; i++)
            {
                var c = (await rec.SendAsync($"Create key {i + 1} of 10", ct, KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt))).BatchItems[0].EnsureSuccess();
                ids.Add(c.RequiredPayload.Required(Tag.UniqueIdentifier).AsText);
            }
            r.Evidence.RemoveRange(0, r.Evidence.Count - 1);
            var answer = await Timed(rec, "Get ×10 (one message)", "Get ×10 in one message", ids.Select(id => KmipBatchItems.Get(id)).ToArray());
            if (answer.BatchItems.Count != ids.Count) throw new InvalidOperationException($"asked for {ids.Count} keys in one message, got {answer.BatchItems.Count} answers");
            var bad = answer.BatchItems.Where(i => !i.IsSuccess || KeyMaterial(i) is not { Length: 32 }).ToList();
            if (bad.Count > 0) throw new InvalidOperationException($"{bad.Count} of {ids.Count} batch items did not return the key ({bad[0].ResultReason}: {bad[0].ResultMessage})");
            r.Detail = "10 keys in one message, each answered with its key";
        });

        string? revoked = null;
        await Run(report, Conversation("C10"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            var c = (await rec.SendAsync("Create a key to revoke", ct, KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt))).BatchItems[0].EnsureSuccess();
            var id = c.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            // An Active key revoked for cessation of operation becomes Deactivated (KMIP 1.4 §3.31, §4.20): what a KMS
            // administrator's "deactivate" does to a key vCenter uses. (Some servers refuse to revoke a Pre-Active key.)
            await rec.SendAsync("Activate the key first", ct, KmipBatchItems.Activate(id)); // refused if already Active: no matter
            (await Timed(rec, "Revoke", "Revoke (cessation of operation)", KmipBatchItems.Revoke(id, RevocationReasonCode.CessationOfOperation))).BatchItems[0].EnsureSuccess();
            var state = await StateAsync(rec, id, "State after Revoke");
            if (state != "Deactivated") throw new InvalidOperationException($"after Revoke the key is {state}, not Deactivated");
            revoked = id;
            var get = (await rec.SendAsync("Get after Revoke", ct, KmipBatchItems.Get(id))).BatchItems[0];
            r.Detail = "Deactivated; " + (get.IsSuccess
                ? "Get still returns it (KMIP semantics: a vCenter that needs it after a reboot still gets it)"
                : $"Get is refused ({get.ResultReason}): VMs using it lock with \"keys are missing on KMS cluster\" at their host's next reboot");
        });

        await Run(report, Conversation("C11"), async r =>
        {
            var rec = new Recorder(this, shared.Client, r);
            var id = revoked ?? (await rec.SendAsync("Create a key to destroy", ct, KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt)))
                .BatchItems[0].EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            var destroy = (await Timed(rec, "Destroy", "Destroy", KmipBatchItems.Destroy(id))).BatchItems[0];
            if (!destroy.IsSuccess) throw new InvalidOperationException($"Destroy of a Deactivated key was refused ({destroy.ResultReason}: {destroy.ResultMessage})");
            var get = (await rec.SendAsync("Get after Destroy", ct, KmipBatchItems.Get(id))).BatchItems[0];
            if (get.IsSuccess && KeyMaterial(get) is { Length: > 0 })
                throw new InvalidOperationException("Get after Destroy still returned the key material: a destroyed key must be gone");
            r.Detail = $"destroyed; Get answers {get.ResultReason}";
        });

        await Run(report, Conversation("C12"), async r =>
        {
            var errors = new List<string>();
            var clock = Stopwatch.StartNew();
            int done = 0;
            await Task.WhenAll(Enumerable.Range(0, _o.Connections).Select(async n =>
            {
                try
                {
                    await using var client = await KmipClient.ConnectAsync(ClientOptions(), ct);
                    var rec = new Recorder(this, client, null);
                    for (int i = 0; i < _o.Rounds; i++)
                    {
                        var sw = Stopwatch.StartNew();
                        var c = (await rec.SendAsync("Create", ct, KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt))).BatchItems[0].EnsureSuccess();
                        Time("Create", sw.Elapsed.TotalMilliseconds);
                        sw.Restart();
                        var id = c.RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
                        (await rec.SendAsync("Get", ct, KmipBatchItems.Get(id))).BatchItems[0].EnsureSuccess();
                        Time("Get", sw.Elapsed.TotalMilliseconds);
                        Interlocked.Increment(ref done);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    lock (errors) errors.Add($"connection {n + 1}: {Explain(ex)}");
                }
            }));
            r.Evidence.Add(new Evidence("concurrent connections")
            {
                Text = $"{_o.Connections} connections × {_o.Rounds} Create+Get: {done} of {_o.Connections * _o.Rounds} rounds in {clock.Elapsed.TotalSeconds:0.00} s" +
                       (errors.Count > 0 ? "\n" + string.Join("\n", errors.Take(5)) : ""),
            });
            if (errors.Count > 0) throw new InvalidOperationException($"{errors.Count} of {_o.Connections} connections failed; first: {errors[0]}");
            r.Detail = $"{_o.Connections} connections at once, {done} Create+Get rounds, all answered";
        });

        foreach (var (op, samples) in latency.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var sorted = samples.Order().ToArray();
            double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            report.Latencies.Add(new LatencyFigure(op, sorted.Length, Math.Round(P(0.5), 2), Math.Round(P(0.99), 2)));
        }
    }

    private async Task<Recorder?> TryConnectAsync(CertificationReport report, CancellationToken ct)
    {
        try { return new Recorder(this, await KmipClient.ConnectAsync(ClientOptions(), ct), null); }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            foreach (var (id, _) in ConversationRequirements)
                report.Requirements.Add(Conversation(id, Outcome.Failed, $"could not connect: {Explain(ex)}"));
            return null;
        }
    }

    private static byte[]? KeyMaterial(ResponseBatchItem get) =>
        get.ResponsePayload?.Descendants().FirstOrDefault(n => n.Tag == Tag.KeyMaterial) is { } m
            ? m.Type == ItemType.ByteString ? m.AsBytes : m.Descendants().FirstOrDefault(n => n.Tag == Tag.Key)?.AsBytes
            : null;
}
