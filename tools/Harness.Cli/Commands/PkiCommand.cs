using Harness.Pki;

namespace Harness.Cli.Commands;

/// <summary>`harness pki init --out DIR [--force]`: writes ca.crt, server.crt/key, client.crt/key (PEM).</summary>
public static class PkiCommand
{
    public static Task<int> RunAsync(string[] argv)
    {
        var args = new Args(argv, new HashSet<string> { "force" });
        if (args.Positional.FirstOrDefault() != "init") throw new UsageException("usage: harness pki init --out DIR [--force]");
        var outDir = args.Required("out");
        bool force = args.Has("force");
        args.RejectUnknown();
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
