using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Diagnostics;
using System.Reflection;

namespace Harness.Cli.Bench;

/// <summary>
/// The ceiling a KMIP server can reach on this machine: a mutual-TLS server on the loopback that frames each request
/// (its 8-byte header gives the length) and answers with the same canned bytes, never decoding, storing or deciding
/// anything. <c>harness bench --ceiling</c> runs the same load against it beside the KMS under test, in a process of its
/// own (<see cref="CannedReplyProcess"/>) as the KMS is.
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

/// <summary>
/// A <see cref="CannedReplyServer"/> in a child process (`harness bench ceiling-server`), so that the ceiling is measured
/// as the KMS under test is: a server process apart from the load generator's. In the load generator's own process the
/// canned server shares its thread pool and socket event threads, which no real server can, and reaches a third more.
/// The child reads its certificate and reply from a private folder, prints its port, and ends when its stdin closes.
/// </summary>
public sealed class CannedReplyProcess : IAsyncDisposable
{
    public const string CommandName = "ceiling-server";
    private const string CertificateFile = "server.p12", ReplyFile = "reply.ttlv";
    private readonly Process _process;
    private readonly string _folder;

    private CannedReplyProcess(Process process, string folder, IPEndPoint endpoint)
    {
        _process = process;
        _folder = folder;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static async Task<CannedReplyProcess> StartAsync(X509Certificate2 serverCertificate, byte[] reply)
    {
        var folder = Directory.CreateTempSubdirectory("harness-ceiling-").FullName; // 0700
        await File.WriteAllBytesAsync(Path.Combine(folder, CertificateFile), serverCertificate.Export(X509ContentType.Pkcs12)).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, ReplyFile), reply).ConfigureAwait(false);
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Run as `dotnet harness.dll` (the launcher's way) or as the harness executable itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "bench", CommandName, "--folder", folder }) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new IOException("could not start the canned-reply server process");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (line is null || !int.TryParse(line, out var port))
        {
            var error = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
            process.Kill();
            Directory.Delete(folder, recursive: true);
            throw new IOException($"the canned-reply server process did not start: {(error.Length > 0 ? error.Trim() : line ?? "no output")}");
        }
        return new CannedReplyProcess(process, folder, new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>The child's side: serves until stdin closes.</summary>
    public static async Task<int> ServeAsync(string folder)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(folder, CertificateFile), null);
        await using var server = new CannedReplyServer(certificate, await File.ReadAllBytesAsync(Path.Combine(folder, ReplyFile)).ConfigureAwait(false));
        Console.WriteLine(server.Endpoint.Port);
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (TimeoutException) { _process.Kill(); }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
