using System.CommandLine;
using Harness.Pki;
using Harness.Simulator.Web.KeyProtect;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness keyprotect --apikey-file FILE [--listen HOST:PORT] [--pki DIR] [--instance UUID] [--root-key NAME]`: the
/// Key Protect emulator (IAM's token endpoint and Key Protect's REST API v2) in the foreground, with one root key made
/// at start; prints the instance ID, the root key ID and the URLs. Ctrl-C stops it.
/// </summary>
public static class KeyProtectCommand
{
    public static Command Definition() => Define.Command("keyprotect",
        "runs a Key Protect emulator (IAM token endpoint + Key Protect REST API v2) with one root key; prints the instance ID, root key ID and URLs; Ctrl-C stops it",
        RunAsync,
        Define.Value("apikey-file", "FILE", "the API keys IAM accepts, one a line (blank lines and lines starting with # are skipped)", required: true),
        Define.Value("listen", "HOST:PORT", "where the emulator listens (port 0: a free port)", "127.0.0.1:0"),
        Define.Value("pki", "DIR", "serve HTTPS with DIR/server.crt and server.key (clients trust DIR/ca.crt); without it, plain HTTP"),
        Define.Value("instance", "UUID", "the service instance ID clients send in bluemix-instance (default: a new one)"),
        Define.Value("root-key", "NAME", "the name of the root key made at start", "harness-root-key"));

    public static async Task<int> RunAsync(Args args)
    {
        var options = Options(args);
        KeyProtectEmulator emulator;
        try
        {
            emulator = await KeyProtectEmulator.StartAsync(options);
        }
        catch (IOException ex)
        {
            throw new UsageException($"cannot listen on {options.Endpoint}: {ex.Message}");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new UsageException($"cannot listen on {options.Endpoint}: {ex.Message}");
        }
        await using (emulator)
        {
            RootKeyView root;
            try { root = emulator.CreateRootKey(args.Get("root-key")!); }
            catch (KeyProtectError ex) { throw new UsageException($"--root-key: {ex.Reason}"); }
            PrintWhereToReach(emulator, root, args);
            emulator.Instance.Changed += k =>
                Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} key {k.Id} ({k.Name}): state {(int)k.State} {k.State}, {k.Versions.Count} version(s)");
            Console.WriteLine("Ctrl-C stops the emulator.");
            await ServeCommand.WaitForStopAsync();
            Console.WriteLine("stopping…");
        }
        return 0;
    }

    internal static KeyProtectEmulatorOptions Options(Args args)
    {
        var file = args.Required("apikey-file");
        if (!File.Exists(file)) throw new UsageException($"--apikey-file: {file} does not exist");
        var keys = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (keys.Count == 0) throw new UsageException($"--apikey-file: {file} holds no API key (one a line)");
        var endpoint = Args.Endpoint(args.Get("listen")!, "--listen");
        var instance = args.Get("instance") ?? Guid.NewGuid().ToString();
        if (!Guid.TryParse(instance, out _)) throw new UsageException($"--instance must be a UUID, not '{instance}'");
        var name = args.Get("root-key")!;
        if (name.Length is < 2 or > 90) throw new UsageException($"--root-key must be 2 to 90 characters, not '{name}'");
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
        if (args.Get("pki") is { } pkiDir)
        {
            var paths = new PkiPaths(pkiDir);
            foreach (var f in new[] { paths.ServerCert, paths.ServerKey })
                if (!File.Exists(f)) throw new UsageException($"{f} does not exist (create a PKI with: ./harness pki init --out {pkiDir})");
            try { certificate = PkiFiles.LoadCertificateWithKey(paths.ServerCert, paths.ServerKey); }
            catch (Exception ex) when (ex is PkiException or System.Security.Cryptography.CryptographicException)
            {
                throw new UsageException($"--pki: cannot load {paths.ServerCert} with {paths.ServerKey}: {ex.Message}");
            }
        }
        return new KeyProtectEmulatorOptions { ApiKeys = keys, Endpoint = endpoint, Certificate = certificate, InstanceId = instance };
    }

    private static void PrintWhereToReach(KeyProtectEmulator kp, RootKeyView root, Args args)
    {
        var url = kp.Url.ToString().TrimEnd('/');
        Console.WriteLine($"Key Protect emulator ({(kp.Https ? "HTTPS" : "HTTP")}): {url} (the SDK's serviceUrl)");
        Console.WriteLine($"  IAM:          {kp.IamUrl.ToString().TrimEnd('/')} (IamAuthenticator url; tokens at POST {url}/identity/token)");
        Console.WriteLine($"  instance ID:  {kp.InstanceId} (bluemix-instance header)");
        Console.WriteLine($"  root key ID:  {root.Id} ({root.Name}, state {(int)root.State} {root.State})");
        Console.WriteLine($"  root key CRN: {root.Crn}");
        Console.WriteLine($"  API keys from {Path.GetFullPath(args.Get("apikey-file")!)}");
        if (args.Get("pki") is { } pki)
            Console.WriteLine($"  clients trust {Path.Combine(Path.GetFullPath(pki), "ca.crt")} (e.g. NODE_EXTRA_CA_CERTS for IBM's Node.js SDK)");
        Console.WriteLine($"  e.g. curl{(kp.Https ? $" --cacert {Path.Combine(args.Get("pki")!, "ca.crt")}" : "")} -d grant_type=urn:ibm:params:oauth:grant-type:apikey -d apikey=KEY {url}/identity/token");
    }
}
