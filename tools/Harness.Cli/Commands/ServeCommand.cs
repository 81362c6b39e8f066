using System.CommandLine;
using System.Net;
using Harness.Kmip.Server;
using RootKeys = Harness.Kmip.Server.RootKeys;
using Harness.Pki;
using Microsoft.Extensions.Logging;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness serve --kmip HOST:PORT [--https HOST:PORT] --data DIR --pki DIR [--store sqlite|postgres://…]`: the KMIP
/// server in the foreground, with the KMIP HTTPS binding on a port of its own when --https is given; Ctrl-C stops it
/// cleanly. With a PostgreSQL store any number of such nodes share one database.
/// </summary>
public static class ServeCommand
{
    public static Command Definition() => Define.Command("serve", "runs the KMIP server in the foreground; Ctrl-C stops it cleanly", RunAsync,
        Define.Value("kmip", "HOST:PORT", "where the KMIP server listens (mutual TLS)", $"127.0.0.1:{KmipServerOptions.DefaultPort}"),
        Define.Value("data", "DIR", "the store (kms.db) and the root key (root.key)", required: true),
        Define.Value("pki", "DIR", "ca.crt, server.crt and server.key (make them with ./harness pki init --out DIR)", required: true),
        Define.Value("store", "sqlite|URL", "kms.db, or postgres://USER[:PASS]@HOST:PORT/DB shared by nodes", "sqlite"),
        Define.Value("admin", "HOST:PORT", "the admin interface, loopback only (default: a free port)"),
        Define.Value("https", "HOST:PORT", "also serve the KMIP HTTPS binding there: POST /kmip with a TTLV, XML or JSON body (same certificates, clients and limits; default: none)"),
        Define.Value("max-message", "BYTES", "the largest KMIP message accepted", "1048576"),
        Define.Value("user", "NAME:PASSWORD", "require a KMIP Credential"),
        Define.Value("allowed-client-delay", "SECONDS", "how long an allowed client certificate waits before it is trusted", "0"),
        Define.Value("max-response", "BYTES", "the largest response built (or the request's, if smaller)", "8388608"),
        Define.Value("max-batch-items", "N", "batch items per request message", "1000"),
        Define.Value("max-attributes", "N", "attribute instances per object", "512"),
        Define.Value("max-attribute-bytes", "BYTES", "encoded bytes of all the attributes of one object", "262144"),
        Define.Value("max-locate-items", "N", "identifiers one Locate returns", "10000"),
        Define.Value("max-client-objects", "N", "objects one client may hold that are not destroyed", "100000"),
        Define.Value("max-client-bytes", "BYTES", "encoded attribute bytes of all the objects of one client", "268435456"),
        Define.Value("max-connections", "N", "open KMIP connections in all", "4096"),
        Define.Value("max-connections-per-client", "N", "open KMIP connections of one client certificate", "256"),
        Define.Value("read-timeout", "SECONDS", "a message that has begun must be complete within this time", "10"),
        Define.Value("idle-timeout", "SECONDS", "a connection with no request for this long is closed", "120"),
        Define.Value("log-lines-per-minute", "N", "log lines about client requests a minute (the rest summed up)", "100"),
        Define.Value("log-format", "text|json", "text lines, or one JSON object per line", "text"),
        Define.Value("root-key", "file|keyprotect", "DATA/root.key, or a root key in Key Protect or HPCS", "file"),
        Define.Value("kp-url", "URL", "Key Protect's endpoint, e.g. https://us-south.kms.cloud.ibm.com (with --root-key keyprotect)"),
        Define.Value("kp-instance", "ID", "the Key Protect instance ID, sent as bluemix-instance (with --root-key keyprotect)"),
        Define.Value("kp-root-key", "KEY_ID", "the customer root key's ID in that instance (with --root-key keyprotect)"),
        Define.Value("kp-apikey-file", "FILE", "a file holding the service ID's API key, exchanged at IAM for access tokens (with --root-key keyprotect)"),
        Define.Value("iam-url", "URL", "IAM, which issues access tokens (keyprotect)", RootKeys.KeyProtectOptions.DefaultIamUrl),
        Define.Value("kp-cache-seconds", "N", "seconds an unwrapped data key is kept; 0: ask at every use", "60"),
        Define.Switch("verbose", "log every request"));

    public static async Task<int> RunAsync(Args args)
    {
        bool verbose = args.Has("verbose");
        var options = Options(args, defaultData: null);
        // On a shared PostgreSQL store the administrator's client changes (allow, revoke) wait for their database
        // write on the thread that asked: a node that starts on a busy machine would otherwise grow its thread pool one
        // thread at a time while those waits hold the first ones.
        if (options.PostgresStore is not null) ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount));
        using var logs = Logging(verbose, LogFormat(args));
        await using var server = await Start(options, logs);
        PrintWhereToReach(server, Path.GetFullPath(args.Get("pki")!));
        Console.WriteLine("Ctrl-C stops the server.");
        await WaitForStopAsync();
        Console.WriteLine("stopping…");
        return 0;
    }

    internal static KmipServerOptions Options(Args args, string? defaultData, string? defaultPki = null)
    {
        var store = Store(args.Get("store"));
        var pkiDir = args.Get("pki") ?? defaultPki ?? throw new UsageException("--pki DIR is required (create one with: ./harness pki init --out DIR)");
        var data = args.Get("data") ?? defaultData ?? throw new UsageException("--data DIR is required");
        var kmip = Args.Endpoint(args.Get("kmip") ?? $"127.0.0.1:{KmipServerOptions.DefaultPort}", "--kmip");
        var admin = args.Get("admin") is { } a ? Args.Endpoint(a, "--admin") : new IPEndPoint(IPAddress.Loopback, 0);
        var https = args.Get("https") is { } h ? Args.Endpoint(h, "--https") : null;
        var paths = new PkiPaths(pkiDir);
        foreach (var f in new[] { paths.Ca, paths.ServerCert, paths.ServerKey })
            if (!File.Exists(f)) throw new UsageException($"{f} does not exist (create a PKI with: ./harness pki init --out {pkiDir})");
        var server = paths.LoadServerIdentity();
        var options = new KmipServerOptions
        {
            KmipEndpoint = kmip,
            HttpsEndpoint = https,
            ServerCertificate = server.Certificate,
            ClientCa = server.TrustedCa,
            ClientCredentialIssuer = File.Exists(paths.CaKey) ? CertificateAuthority.Load(pkiDir) : null,
            DataDirectory = data,
            PostgresStore = store,
            AdminEndpoint = admin,
            MaxMessageLength = args.Positive("max-message", 1 << 20),
            AllowedClientDelay = TimeSpan.FromSeconds(args.Int("allowed-client-delay", 0)),
            MaxResponseLength = args.Positive("max-response", 8 << 20),
            MaxBatchItems = args.Positive("max-batch-items", 1000),
            MaxAttributesPerObject = args.Positive("max-attributes", 512),
            MaxAttributeBytesPerObject = args.Positive("max-attribute-bytes", 256 * 1024),
            MaxLocateItems = args.Positive("max-locate-items", 10_000),
            MaxObjectsPerClient = args.Positive("max-client-objects", 100_000),
            MaxAttributeBytesPerClient = args.Positive("max-client-bytes", 256 << 20),
            MaxConnections = args.Positive("max-connections", 4096),
            MaxConnectionsPerClient = args.Positive("max-connections-per-client", 256),
            ReadTimeout = TimeSpan.FromSeconds(args.Positive("read-timeout", 10)),
            IdleTimeout = TimeSpan.FromSeconds(args.Positive("idle-timeout", 120)),
            MaxRequestLogLinesPerMinute = args.Positive("log-lines-per-minute", 100),
        };
        if (args.UserPassword("user") is { } user) options.Users[user.Name] = user.Password;
        options.KeyProtect = KeyProtect(args);
        return options;
    }

    private static readonly string[] KeyProtectOptionNames = ["kp-url", "kp-instance", "kp-root-key", "kp-apikey-file", "iam-url", "kp-cache-seconds"];

    /// <summary>--root-key file (no Key Protect options), or keyprotect with the four it needs and the two it may take.</summary>
    internal static RootKeys.KeyProtectOptions? KeyProtect(Args args)
    {
        switch (args.Get("root-key"))
        {
            case null or "file":
                if (KeyProtectOptionNames.FirstOrDefault(args.Has) is { } stray)
                    throw new UsageException($"--{stray} goes with --root-key keyprotect; the root key is a local file (--root-key file)");
                return null;
            case "keyprotect":
                break;
            case var other:
                throw new UsageException($"--root-key is file or keyprotect, not '{other}'");
        }
        string Needed(string name, string example) =>
            args.Get(name) is { Length: > 0 } value ? value : throw new UsageException($"--root-key keyprotect needs --{name} {example}");
        var url = Url(Needed("kp-url", "URL (e.g. https://us-south.kms.cloud.ibm.com)"), "--kp-url");
        var instance = Needed("kp-instance", "ID (the Key Protect instance ID)");
        var rootKey = Needed("kp-root-key", "KEY_ID (the customer root key's ID)");
        var apiKeyFile = Needed("kp-apikey-file", "FILE (a file holding the service ID's API key)");
        if (!File.Exists(apiKeyFile)) throw new UsageException($"--kp-apikey-file {apiKeyFile} does not exist");
        if (File.ReadAllText(apiKeyFile).Trim().Length == 0) throw new UsageException($"--kp-apikey-file {apiKeyFile} is empty: it holds the service ID's API key");
        var iam = Url(args.Get("iam-url") ?? RootKeys.KeyProtectOptions.DefaultIamUrl, "--iam-url");
        var cacheSeconds = args.Get("kp-cache-seconds") is { } c
            ? int.TryParse(c, out var n) && n >= 0 ? n : throw new UsageException($"--kp-cache-seconds is a whole number of seconds, 0 or more (0: every use asks Key Protect), not '{c}'")
            : 60;
        return new RootKeys.KeyProtectOptions
        {
            Url = url, InstanceId = instance, RootKeyId = rootKey, ApiKeyFile = apiKeyFile, IamUrl = iam,
            CacheFor = TimeSpan.FromSeconds(cacheSeconds),
        };
    }

    private static Uri Url(string text, string option)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new UsageException($"{option} must be an https:// URL, not '{text}'");
        if (RootKeys.KeyProtectOptions.UrlProblem(url, option) is not null)
            throw new UsageException($"{option} must be https:// (http:// only to a loopback host), not '{text}'");
        return url;
    }

    /// <summary>--store: null for SQLite (the default), else the PostgreSQL location, checked.</summary>
    internal static string? Store(string? value)
    {
        if (value is null || value == "sqlite") return null;
        if (!value.StartsWith("postgres://", StringComparison.Ordinal) && !value.StartsWith("postgresql://", StringComparison.Ordinal))
            throw new UsageException($"--store is sqlite or postgres://USER[:PASS]@HOST:PORT/DB, not '{value}'");
        try { Harness.Kmip.Server.Storage.PostgresDurableStore.ConnectionStringFrom(value); }
        catch (FormatException ex) { throw new UsageException("--store: " + ex.Message); }
        return value;
    }

    internal static async Task<KmipServer> Start(KmipServerOptions options, ILoggerFactory logs)
    {
        try
        {
            return await KmipServer.StartAsync(options, logs);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new UsageException($"cannot listen on {options.KmipEndpoint}: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException(ex.Message);
        }
        catch (Harness.Kmip.Server.Storage.KmsStartException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    internal static void PrintWhereToReach(KmipServer server, string pkiDir)
    {
        Console.WriteLine($"KMIP server (mutual TLS): {server.Endpoint}");
        if (server.HttpsUrl is { } https)
            Console.WriteLine($"KMIP HTTPS binding: {https} (mutual TLS; Content-Type application/octet-stream, text/xml or application/json)");
        Console.WriteLine($"  server certificate SHA-1: {Thumbprints.Sha1(server.Options.ServerCertificate)}");
        Console.WriteLine($"  client certificate/key:   {Path.Combine(pkiDir, "client.crt")} / {Path.Combine(pkiDir, "client.key")}, CA {Path.Combine(pkiDir, "ca.crt")}");
        Console.WriteLine(server.Options.PostgresStore is null
            ? $"  data:                     {Path.GetFullPath(server.Options.DataDirectory)} (kms.db, root.key)"
            : $"  data:                     {Path.GetFullPath(server.Options.DataDirectory)} (root.key); objects in {server.StoreLocation}");
        if (server.AdminUrl is { } url)
        {
            Console.WriteLine($"Admin interface: {url} (token in {Path.Combine(Path.GetFullPath(server.Options.DataDirectory), "admin.token")})");
            Console.WriteLine($"  e.g. curl -H \"Authorization: Bearer $(cat {Path.Combine(server.Options.DataDirectory, "admin.token")})\" {url}objects");
        }
    }

    internal static bool LogFormat(Args args) => args.Get("log-format") switch
    {
        null or "text" => false,
        "json" => true,
        var other => throw new UsageException($"--log-format is text or json, not '{other}'"),
    };

    internal static ILoggerFactory Logging(bool verbose, bool json = false) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
        if (json) b.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        else b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
    });

    private static readonly List<System.Runtime.InteropServices.PosixSignalRegistration> Signals = new();

    /// <summary>Completes on Ctrl-C (SIGINT) or SIGTERM; the caller then stops the server cleanly.</summary>
    internal static Task WaitForStopAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM })
            Signals.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, c => { c.Cancel = true; done.TrySetResult(); }));
        return done.Task;
    }
}
