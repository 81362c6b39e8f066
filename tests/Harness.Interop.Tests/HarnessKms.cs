using System.Net;
using Harness.Kmip.Server;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// A PKI written to disk by <see cref="TestPki.Init"/> (as `./harness pki init` does, so that a third-party client can
/// read the PEM files) and the Harness KMS started in-process with it on 127.0.0.1, a port the OS picks.
/// </summary>
public sealed class HarnessKms : IAsyncLifetime
{
    private readonly TempDir _dir = new("harness-interop-");

    public PkiPaths Pki { get; private set; } = null!;
    public KmipServer Server { get; private set; } = null!;
    public int Port => Server.Endpoint.Port;

    public async ValueTask InitializeAsync()
    {
        try
        {
            Pki = TestPki.Init(_dir.Sub("pki"));
            var identity = Pki.LoadServerIdentity();
            Server = await KmipServer.StartAsync(new KmipServerOptions
            {
                KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
                ServerCertificate = identity.Certificate,
                ClientCa = identity.TrustedCa,
                DataDirectory = _dir.Sub("data"),
                AdminEndpoint = null,
            });
        }
        catch
        {
            _dir.Dispose(); // xunit does not call DisposeAsync when InitializeAsync fails
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        _dir.Dispose();
    }
}
