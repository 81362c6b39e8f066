using System.CommandLine;
using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>`harness pki init --out DIR [--force]`: writes ca.crt, server.crt/key, client.crt/key (PEM).</summary>
public static class PkiCommand
{
    public static Command Definition() => new("pki", "a test PKI")
    {
        Define.Command("init", "writes a test PKI: ca.crt, ca.key, server.crt, server.key, client.crt, client.key (PEM, ECDSA P-256)", RunAsync,
            Define.Value("out", "DIR", "the folder to write the PKI to", required: true),
            Define.Switch("force", "replace the files of a PKI already in DIR")),
    };

    public static Task<int> RunAsync(Args args)
    {
        var outDir = args.Required("out");
        bool force = args.Has("force");
        try
        {
            var paths = TestPki.Init(outDir, force);
            Console.WriteLine($"wrote {paths.Ca}, {paths.CaKey}, {paths.ServerCert}, {paths.ServerKey}, {paths.ClientCert}, {paths.ClientKey}");
            using var server = PkiFiles.LoadCertificate(paths.ServerCert);
            Console.WriteLine($"server certificate SHA-1 thumbprint (as vCenter shows it): {Thumbprints.Sha1(server)}");
            return Task.FromResult(0);
        }
        catch (PkiException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
