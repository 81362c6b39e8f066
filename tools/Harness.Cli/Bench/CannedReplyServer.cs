using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip;

namespace Harness.Cli.Bench;

/// <summary>
/// The ceiling a KMIP server can reach on this machine: a mutual-TLS server on the loopback that frames each request
/// (its 8-byte header gives the length) and answers with the same canned bytes, never decoding, storing or deciding
/// anything. <c>harness bench --ceiling</c> runs the same load against it beside the KMS under test.
/// </summary>
public sealed class CannedReplyServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _reply;
    private readonly SslStreamCertificateContext _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly List<Task> _connections = [];

    public CannedReplyServer(X509Certificate2 serverCertificate, byte[] reply)
    {
        _reply = reply;
        _certificate = SslStreamCertificateContext.Create(serverCertificate, null);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accept = Task.Run(AcceptAsync);
    }

    public IPEndPoint Endpoint { get; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            lock (_connections) _connections.Add(Task.Run(() => ServeAsync(socket)));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _certificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null,
            }, _stop.Token).ConfigureAwait(false);
            var header = new byte[8];
            var body = new byte[64 * 1024];
            while (!_stop.IsCancellationRequested)
            {
                if (!await ReadFullyAsync(tls, header).ConfigureAwait(false)) return;
                int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                if (length < 0 || length > body.Length) return;
                if (!await ReadFullyAsync(tls, body.AsMemory(0, length)).ConfigureAwait(false)) return;
                await tls.WriteAsync(_reply, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task<bool> ReadFullyAsync(Stream s, Memory<byte> into)
    {
        int read = 0;
        while (read < into.Length)
        {
            int n = await s.ReadAsync(into[read..], _stop.Token).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }
}
