using System.CommandLine;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Kmip.Encodings;
using Harness.Kmip.Vectors;
using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness vectors --target HOST:PORT --pki DIR [--transport tls|https] [--encoding ttlv|xml|json] PATH...`: replays
/// OASIS KMIP XML test vectors (files or folders) against a server over mutual TLS, TTLV on the KMIP port or, with
/// --transport https, in any of the three encodings on its HTTPS binding; one PASS/FAIL line per file with the first
/// difference, then "N passed, N failed".
/// Each file runs on a fresh connection; with --fresh-client, also as a new client: a certificate issued for it by the
/// PKI's CA (ca.key in --pki), so that files do not see each other's objects, as separate test clients would not.
/// </summary>
public static class VectorsCommand
{
    public static Command Definition() => Define.Command("vectors",
        "replays OASIS KMIP XML test vectors against a KMIP server, one PASS/FAIL line per file, then \"N passed, N failed\"; destroys the objects they made", RunAsync,
        Define.Value("target", "HOST:PORT", "the KMIP server (with --transport https: its HTTPS binding)", required: true),
        Define.Value("pki", "DIR", "client.crt, client.key and ca.crt for mutual TLS", required: true),
        Define.Switch("verbose", "print the whole difference of a failed vector"),
        Define.Switch("keep", "leave the objects the vectors made on the server"),
        Define.Switch("fresh-client", "run each file as a new client: a certificate issued for it by the CA of --pki (which needs ca.key)"),
        Define.Value("transport", "tls|https", "TTLV over TLS, or the KMIP HTTPS binding (POST /kmip)", "tls"),
        Define.Value("encoding", "ttlv|xml|json", "message encoding (xml and json need --transport https)", "ttlv"),
        Define.Words("PATH", "vector files or folders of them"));

    public static async Task<int> RunAsync(Args args)
    {
        bool verbose = args.Has("verbose");
        if (args.Positional.Count == 0) throw new UsageException("give at least one vector file or folder");
        IReadOnlyList<string> files;
        try { files = VectorReplay.Expand(args.Positional); }
        catch (FileNotFoundException ex) { throw new UsageException(ex.Message); }
        var (transport, encoding) = TransportAndEncoding(args);
        var (target, pki, tlsOptions) = args.KmsClient();
        var options = tlsOptions with { Transport = transport, Encoding = encoding };
        var made = new TestObjects(target.Address.ToString(), target.Port, pki, transport);
        bool keep = args.Has("keep");
        using var clients = args.Has("fresh-client") ? FreshClients.Open(pki) : null;
        var cleanups = new List<string>();

        int passed = 0, failed = 0;
        using var progress = ProgressLine.ForStderr();
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            progress.Show("vectors", passed + failed, files.Count, failed > 0 ? $"{failed} failed" : null, name);
            VectorFile vectors;
            try { vectors = VectorFile.Load(file); }
            catch (FormatException ex)
            {
                Console.WriteLine($"FAIL {name}: cannot read the vector file: {ex.Message}");
                failed++;
                continue;
            }
            TtlvNode? last = null;
            var client = clients?.For(name);
            var objects = client is null ? made : new TestObjects(target.Address.ToString(), target.Port, client, transport);
            var outcome = await VectorReplay.RunFileAsync(vectors,
                client is null ? options : KmipClientOptions.FromPki(options.Host, options.Port, client) with { Transport = transport, Encoding = encoding },
                onResponse: response =>
                {
                    last = response;
                    objects.Note(response);
                });
            // A fresh client's objects are only its own to destroy: cleaned up now, with its identity.
            if (client is not null && !keep && objects.Count > 0) cleanups.Add(await objects.FinishAsync(keep, "object"));
            progress.Clear();
            if (outcome.Passed)
            {
                passed++;
                Console.WriteLine($"PASS {name} ({outcome.Steps} steps)");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL {name}: {outcome.Reason}{ServerError(last)}");
                if (verbose && outcome.Detail is not null) Console.WriteLine(outcome.Detail);
            }
        }
        progress.Clear();
        Console.WriteLine(clients is null ? await made.FinishAsync(keep, "object")
            : keep ? $"kept the objects of {files.Count} fresh {(files.Count == 1 ? "client" : "clients")} on the server (--keep)"
            : $"cleaned up the objects of {cleanups.Count} fresh {(cleanups.Count == 1 ? "client" : "clients")}, each with its own identity");
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>--transport and --encoding: KMIP over plain TLS is TTLV only (KMIP 1.4 §10); XML and JSON go over the HTTPS binding.</summary>
    internal static (KmipTransport Transport, MessageEncoding Encoding) TransportAndEncoding(Args args)
    {
        var transport = args.Get("transport") switch
        {
            "tls" => KmipTransport.Tls,
            "https" => KmipTransport.Https,
            var other => throw new UsageException($"--transport is tls or https, not '{other}'"),
        };
        var encoding = args.Get("encoding") switch
        {
            "ttlv" => MessageEncoding.Ttlv,
            "xml" => MessageEncoding.Xml,
            "json" => MessageEncoding.Json,
            var other => throw new UsageException($"--encoding is ttlv, xml or json, not '{other}'"),
        };
        if (transport == KmipTransport.Tls && encoding != MessageEncoding.Ttlv)
            throw new UsageException($"--encoding {args.Get("encoding")} needs --transport https: KMIP over plain TLS is TTLV only (give the HTTPS binding's HOST:PORT as --target)");
        return (transport, encoding);
    }

    /// <summary>" (the server answered Result Reason Permission Denied: \"…\")" when the last response carried an error.</summary>
    private static string ServerError(TtlvNode? response)
    {
        if (response is null) return "";
        ResponseBatchItem? error;
        try { error = KmipResponse.Parse(response).FirstError; }
        catch (KmipException) { return ""; }
        if (error is null) return "";
        var message = string.IsNullOrEmpty(error.ResultMessage) ? "" : $", Result Message \"{error.ResultMessage}\"";
        return $" (the server answered {error.Operation?.ToString() ?? "the request"} with Result Reason {error.ResultReason?.ToString() ?? "none"}{message})";
    }

    /// <summary>
    /// The client identities of --fresh-client: for each vector file, a client certificate issued by the CA of --pki,
    /// written with ca.crt into a folder of its own (a PKI directory, as the cleanup reads it), removed at the end.
    /// </summary>
    private sealed class FreshClients : IDisposable
    {
        private readonly CertificateAuthority _ca;
        private readonly PkiPaths _pki;
        private readonly string _root = Directory.CreateTempSubdirectory("harness-vectors-clients-").FullName;
        private int _count;

        private FreshClients(CertificateAuthority ca, PkiPaths pki) => (_ca, _pki) = (ca, pki);

        public static FreshClients Open(PkiPaths pki)
        {
            if (!File.Exists(pki.CaKey))
                throw new UsageException($"--fresh-client issues client certificates with the CA's key: {pki.CaKey} does not exist");
            return new FreshClients(CertificateAuthority.Load(pki.Ca, pki.CaKey), pki);
        }

        public PkiPaths For(string file)
        {
            var paths = new PkiPaths(Path.Combine(_root, $"{++_count:D3}"));
            Directory.CreateDirectory(paths.Directory);
            File.Copy(_pki.Ca, paths.Ca);
            using var certificate = _ca.IssueClient($"vectors {_count:D3} {file}");
            PkiFiles.Save(certificate, paths.ClientCert, paths.ClientKey);
            return paths;
        }

        public void Dispose()
        {
            _ca.Dispose();
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }
}
