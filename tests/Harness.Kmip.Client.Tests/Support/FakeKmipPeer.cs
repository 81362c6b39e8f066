using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Pki;

namespace Harness.Kmip.Client.Tests.Support;

/// <summary>
/// A scripted fake KMIP server: TLS on 127.0.0.1 (ephemeral port) with the test PKI's server certificate, requiring a
/// client certificate issued by the test CA, running <c>script</c> for each accepted connection.
/// </summary>
internal sealed class FakeKmipPeer : IAsyncDisposable
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<PeerConnection, CancellationToken, Task> _script;
    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2 _trustedCa;
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    private FakeKmipPeer(Func<PeerConnection, CancellationToken, Task> script, X509Certificate2 serverCertificate, X509Certificate2 trustedCa)
    {
        _script = script;
        _serverCertificate = serverCertificate;
        _trustedCa = trustedCa;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Handshake failures seen by the peer (e.g. a client certificate it refused).</summary>
    public List<Exception> HandshakeFailures { get; } = [];

    /// <summary>Exceptions thrown by the script (assertions made inside it).</summary>
    public List<Exception> ScriptFailures { get; } = [];

    public static FakeKmipPeer Start(Func<PeerConnection, CancellationToken, Task> script, X509Certificate2? serverCertificate = null) =>
        new(script, serverCertificate ?? TestCertificates.Pki.Server, TestCertificates.Pki.Ca.PublicCertificate);

    public KmipClientOptions ClientOptions() => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        ClientCertificate = TestCertificates.Pki.Client,
        TrustedCa = TestCertificates.Pki.Ca.PublicCertificate,
    };

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient tcp;
            try { tcp = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            lock (_connections) _connections.Add(Task.Run(() => ServeAsync(tcp)));
        }
    }

    private async Task ServeAsync(TcpClient tcp)
    {
        using var _ = tcp;
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await using var __ = ssl;
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(_serverCertificate, null, offline: true),
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = ValidateClient,
            }, _stop.Token);
        }
        catch (Exception e)
        {
            lock (HandshakeFailures) HandshakeFailures.Add(e);
            return;
        }
        var connection = new PeerConnection(tcp, ssl);
        try { await _script(connection, _stop.Token); }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e) when (e is IOException or ObjectDisposedException && connection.ClosedByScript) { }
        catch (Exception e) { lock (ScriptFailures) ScriptFailures.Add(e); }
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors __)
    {
        if (certificate is null) return false;
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        return chain.Build(cert);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(10));
    }
}

/// <summary>One accepted, authenticated connection as the script sees it.</summary>
internal sealed class PeerConnection(TcpClient tcp, SslStream ssl)
{
    public SslStream Stream { get; } = ssl;
    public X509Certificate? ClientCertificate => Stream.RemoteCertificate;
    public bool ClosedByScript { get; private set; }

    /// <summary>One framed request, or null when the client closed the connection.</summary>
    public async Task<byte[]?> ReadRequestAsync(CancellationToken ct)
    {
        var header = new byte[8];
        if (!await FillAsync(header, ct)) return null;
        TtlvReader.TryGetMessageLength(header, TtlvLimits.Default, out var total);
        var message = new byte[total];
        header.CopyTo(message, 0);
        if (!await FillAsync(message.AsMemory(8), ct)) return null;
        return message;
    }

    public async Task<TtlvNode?> ReadRequestNodeAsync(CancellationToken ct) =>
        await ReadRequestAsync(ct) is { } bytes ? TtlvReader.Decode(bytes) : null;

    public async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        await Stream.WriteAsync(bytes, ct);
        await Stream.FlushAsync(ct);
    }

    public Task WriteAsync(TtlvNode message, CancellationToken ct) => WriteAsync(TtlvWriter.Encode(message), ct);

    /// <summary>Closes the TCP connection abruptly (no TLS close_notify), as a crashing server would.</summary>
    public void Abort()
    {
        ClosedByScript = true;
        tcp.Client.Shutdown(SocketShutdown.Both);
        tcp.Close();
    }

    /// <summary>Closes cleanly: TLS close_notify, then the socket.</summary>
    public async Task CloseAsync()
    {
        ClosedByScript = true;
        await Stream.ShutdownAsync();
        tcp.Client.Shutdown(SocketShutdown.Both);
        tcp.Close();
    }

    private async Task<bool> FillAsync(Memory<byte> buffer, CancellationToken ct)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await Stream.ReadAsync(buffer[got..], ct);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }
}
