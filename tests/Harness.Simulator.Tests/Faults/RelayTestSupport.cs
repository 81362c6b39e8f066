using System.Net;
using System.Net.Sockets;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Kmip.Server;
using Harness.Pki;
using Harness.Simulator.Faults;

namespace Harness.Simulator.Tests.Faults;

/// <summary>Bounds for awaits in the relay tests: generous limits on waits, never measured durations.</summary>
internal static class Bounds
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan LongRequest = TimeSpan.FromSeconds(30);
}

/// <summary>A real Harness KMS (in-memory PKI, fresh data directory, KMIP over mutual TLS on loopback) behind a <see cref="KmsRelay"/>.</summary>
internal sealed class KmsBehindRelay : IAsyncDisposable
{
    private KmsBehindRelay(InMemoryPki pki, string dataDirectory, KmipServer server, KmsRelay relay)
    {
        Pki = pki;
        DataDirectory = dataDirectory;
        Server = server;
        Relay = relay;
        Log = new RelayLog(relay);
    }

    public InMemoryPki Pki { get; }
    public string DataDirectory { get; }
    public KmipServer Server { get; }
    public KmsRelay Relay { get; }
    public RelayLog Log { get; }

    public static async Task<KmsBehindRelay> StartAsync(string name = "kms-test/1")
    {
        var pki = TestPki.CreateInMemory();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "harness-relay-kms-" + Guid.NewGuid().ToString("N")[..12]);
        var server = await KmipServer.StartAsync(new KmipServerOptions
        {
            KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = PkiFiles.ForTls(pki.Server),
            ClientCa = pki.Ca.PublicCertificate,
            DataDirectory = dataDirectory,
            AdminEndpoint = null,
        });
        var relay = await KmsRelay.StartAsync(server.Endpoint, name);
        return new KmsBehindRelay(pki, dataDirectory, server, relay);
    }

    /// <summary>Client options for the relay's endpoint; the server certificate names 127.0.0.1, so the name is verified.</summary>
    public KmipClientOptions ClientOptions(TimeSpan? receiveTimeout = null, TimeSpan? connectTimeout = null) => new()
    {
        Host = "127.0.0.1",
        Port = Relay.Endpoint.Port,
        ClientCertificate = Pki.Client,
        TrustedCa = Pki.Ca.PublicCertificate,
        VerifyServerName = true,
        ReceiveTimeout = receiveTimeout ?? Bounds.LongRequest,
        ConnectTimeout = connectTimeout ?? Bounds.LongRequest,
    };

    public Task<KmipClient> ConnectAsync(TimeSpan? receiveTimeout = null, TimeSpan? connectTimeout = null) =>
        KmipClient.ConnectAsync(ClientOptions(receiveTimeout, connectTimeout));

    /// <summary>vCenter's way to make and fetch a key: Discover Versions, Create (AES-256), Get; returns the key bytes.</summary>
    public static async Task<byte[]> CreateAndGetKeyAsync(KmipClient client)
    {
        var ops = new KmipOperations(client, ProtocolVersion.V1_1);
        var versions = await ops.DiscoverVersionsAsync();
        versions.Should().Contain(ProtocolVersion.V1_1);
        var id = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var key = await ops.GetAsync(id);
        return key.KeyMaterial!;
    }

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        await Server.DisposeAsync();
        Pki.Dispose();
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { }
    }
}

/// <summary>Collects a relay's log lines and lets a test await a line (bounded), instead of sleeping.</summary>
internal sealed class RelayLog
{
    private readonly Lock _sync = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<IReadOnlyList<string>, string?> Condition, TaskCompletionSource<string> Met)> _waiters = [];

    public RelayLog(KmsRelay relay) => relay.Log += OnLine;

    public IReadOnlyList<string> Lines
    {
        get { lock (_sync) return [.. _lines]; }
    }

    /// <summary>The first line (already logged or to come) that contains <paramref name="fragment"/>.</summary>
    public Task<string> WaitForAsync(string fragment) =>
        WaitUntilAsync(lines => lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)), $"a line containing '{fragment}'");

    /// <summary>Waits until <paramref name="count"/> lines contain <paramref name="fragment"/>; returns the last of them.</summary>
    public Task<string> WaitForCountAsync(string fragment, int count) =>
        WaitUntilAsync(lines =>
        {
            var matching = lines.Where(l => l.Contains(fragment, StringComparison.Ordinal)).ToList();
            return matching.Count >= count ? matching[count - 1] : null;
        }, $"{count} lines containing '{fragment}'");

    private async Task<string> WaitUntilAsync(Func<IReadOnlyList<string>, string?> condition, string what)
    {
        var met = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            if (condition(_lines) is { } line) return line;
            _waiters.Add((condition, met));
        }
        try
        {
            return await met.Task.WaitAsync(Bounds.Wait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no {what} within {Bounds.Wait}; lines:\n" + string.Join("\n", Lines));
        }
    }

    private void OnLine(string line)
    {
        List<(TaskCompletionSource<string>, string)> done = [];
        lock (_sync)
        {
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_lines) is not { } matched) continue;
                done.Add((_waiters[i].Met, matched));
                _waiters.RemoveAt(i);
            }
        }
        foreach (var (met, matched) in done) met.TrySetResult(matched);
    }
}

/// <summary>A raw TCP echo server: sends back what it receives, and closes its side when the client closes its side
/// (or, started with <c>hangUpAtOnce</c>, closes each connection as soon as it is accepted).</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly bool _hangUpAtOnce;
    private readonly Socket _listener;
    private readonly Task _accepting;
    private readonly List<Socket> _connections = [];

    private EchoServer(bool hangUpAtOnce)
    {
        _hangUpAtOnce = hangUpAtOnce;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptAsync);
    }

    public IPEndPoint Endpoint { get; }

    public static EchoServer Start(bool hangUpAtOnce = false) => new(hangUpAtOnce);

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try { socket = await _listener.AcceptAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            if (_hangUpAtOnce)
            {
                socket.Dispose();
                continue;
            }
            lock (_connections) _connections.Add(socket);
            _ = Task.Run(() => EchoAsync(socket));
        }
    }

    private static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        finally { socket.Dispose(); }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        lock (_connections) foreach (var socket in _connections) socket.Dispose();
        await _accepting.WaitAsync(Bounds.Wait);
    }
}

internal static class RawTcp
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint).WaitAsync(Bounds.Wait);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="payload"/> (then a FIN) while reading everything the peer sends until its FIN.</summary>
    public static async Task<byte[]> ExchangeAsync(Socket socket, byte[] payload)
    {
        var sending = Task.Run(async () =>
        {
            for (int sent = 0; sent < payload.Length;)
                sent += await socket.SendAsync(payload.AsMemory(sent, Math.Min(64 * 1024, payload.Length - sent)), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        var received = await ReadToEndAsync(socket);
        await sending.WaitAsync(Bounds.Wait);
        return received;
    }

    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bounds.Wait)) > 0)
            received.Write(buffer, 0, n);
        return received.ToArray();
    }

    public static byte[] RandomPayload(int length, int seed)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }
}
