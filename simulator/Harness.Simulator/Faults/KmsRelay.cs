using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Harness.Simulator.Faults;

/// <summary>
/// A real TCP relay in front of one KMS server, so that the KMIP clients of vCenter and of the hosts meet real refused
/// and real stalled connections. Clients connect to <see cref="Endpoint"/> (127.0.0.1, a port chosen at start that stays
/// the same for the relay's whole life); the relay opens one connection to <see cref="Target"/> per client connection and
/// copies bytes both ways without looking at them (the KMIP TLS session runs end to end, client to KMS).
/// </summary>
/// <remarks>
/// <para><see cref="Refuse"/> stops listening: the listening socket is closed, so the kernel answers a SYN with RST and
/// a client's connect fails with ECONNREFUSED, exactly what a client meets when the KMS service is down on a host that is
/// up. Meanwhile a socket that is bound to the port but does not listen keeps the port reserved, so that
/// <see cref="Restore"/> can listen on the same port again. Open relayed connections are reset (RST, both sides). Because
/// the kernel refuses the attempts, the relay does not see them and logs none of them.</para>
/// <para><see cref="Stall"/> keeps accepting, but forwards nothing: bytes that arrive are held (up to
/// <see cref="HoldLimit"/> per direction and connection, then TCP flow control pushes back on the sender) and delivered
/// in order when the relay passes again. A sender that closes its side while stalled ends the relayed connection.</para>
/// <para>Forwarding waits for data with a zero-byte receive and only then rents a buffer from the shared pool, so an idle
/// connection holds no buffer. A sender's FIN is passed on as a FIN (half-close); a reset or error on either side resets
/// both.</para>
/// </remarks>
public sealed class KmsRelay : IAsyncDisposable
{
    /// <summary>Size of the pooled buffers bytes are copied through: a whole TLS record (16 KiB + overhead) fits.</summary>
    public const int BufferSize = 32 * 1024;

    /// <summary>Most bytes held per direction of one connection while stalled.</summary>
    public const int HoldLimit = 256 * 1024;

    /// <summary>Bound on connecting to the target for one client connection.</summary>
    public static readonly TimeSpan TargetConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Bound on <see cref="DisposeAsync"/> waiting for the accept loop and the connections to finish.</summary>
    public static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(5);

    private const int ListenBacklog = 512;

    private readonly Lock _sync = new();
    private readonly ConcurrentDictionary<long, RelayedConnection> _connections = new();
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Socket? _portReservation;
    private volatile RelayMode _mode = RelayMode.Pass;
    private volatile TaskCompletionSource _passing = NewGate(open: true);
    private bool _disposed;
    private long _connectionsAccepted;
    private long _bytesForwarded;

    private KmsRelay(IPEndPoint target, string name, Socket listener)
    {
        Target = target;
        Name = name;
        _listener = listener;
        Endpoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Starts a relay listening on 127.0.0.1 (a free port) in <see cref="RelayMode.Pass"/>.</summary>
    /// <param name="target">The KMS server's KMIP endpoint.</param>
    /// <param name="name">The name log lines start with, e.g. "kms-prod/1" (cluster/node).</param>
    public static Task<KmsRelay> StartAsync(IPEndPoint target, string name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ct.ThrowIfCancellationRequested();
        var relay = new KmsRelay(target, name, Listen(new IPEndPoint(IPAddress.Loopback, 0)));
        lock (relay._sync) relay.StartAcceptLoop(relay._listener!);
        relay.Write($"listening on {relay.Endpoint}, relaying to {target}");
        return Task.FromResult(relay);
    }

    public string Name { get; }

    /// <summary>What clients connect to; the same port across <see cref="Refuse"/>, <see cref="Stall"/> and <see cref="Restore"/>.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The KMS server the relay forwards to.</summary>
    public IPEndPoint Target { get; }

    public RelayMode Mode => _mode;

    /// <summary>Client connections accepted since start (in <see cref="RelayMode.Pass"/> and <see cref="RelayMode.Stall"/>).</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>Bytes delivered to either side, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

    /// <summary>Relayed connections not yet closed or reset.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>One line per notable event, starting with <see cref="Name"/>: "kms-prod/1: accepted connection #3 from 127.0.0.1:40312".
    /// Raised on the relay's own threads; a handler that throws is ignored.</summary>
    public event Action<string>? Log;

    /// <summary>
    /// The KMS becomes unreachable: the relay stops listening (new connects are refused with ECONNREFUSED) and resets the
    /// relayed connections that are open, so their next request fails. No effect when already refusing.
    /// </summary>
    public void Refuse()
    {
        RelayedConnection[] dropped;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_mode == RelayMode.Refuse) return;
            CloseGate();
            _mode = RelayMode.Refuse;
            StopListening();
            dropped = [.. _connections.Values];
        }
        foreach (var connection in dropped) connection.Reset("the KMS became unreachable");
        Write($"refusing connections: stopped listening on {Endpoint}; reset {dropped.Length} open connection(s)");
    }

    /// <summary>
    /// The KMS hangs: connections are still accepted, but nothing is forwarded either way, on new and on open connections,
    /// until <see cref="Restore"/> (or <see cref="Refuse"/>). No effect when already stalling.
    /// </summary>
    /// <exception cref="InvalidOperationException">coming from <see cref="RelayMode.Refuse"/>, the port could not be listened on again.</exception>
    public void Stall()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_mode == RelayMode.Stall) return;
            ListenAgain();
            CloseGate();
            _mode = RelayMode.Stall;
        }
        Write($"stalling: accepting connections on {Endpoint} but forwarding nothing ({OpenConnections} open connection(s) held)");
    }

    /// <summary>Back to <see cref="RelayMode.Pass"/> on the same <see cref="Endpoint"/>; bytes held while stalled are delivered.</summary>
    /// <exception cref="InvalidOperationException">the port could not be listened on again.</exception>
    public void Restore()
    {
        TaskCompletionSource gate;
        RelayMode was;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            was = _mode;
            if (was == RelayMode.Pass) return;
            ListenAgain();
            _mode = RelayMode.Pass;
            gate = _passing;
        }
        gate.TrySetResult();
        Write($"restored (was {was}): relaying {Endpoint} to {Target}");
    }

    /// <summary>Stops listening, resets every relayed connection and waits (at most <see cref="DisposeTimeout"/>) for them to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        RelayedConnection[] open;
        Task[] loops;
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            StopListening();
            _portReservation?.Dispose();
            _portReservation = null;
            open = [.. _connections.Values];
            loops = [.. _acceptLoops];
        }
        _stopping.Cancel();
        foreach (var connection in open) connection.Reset("the relay stopped");
        try
        {
            await Task.WhenAll(loops.Concat(open.Select(c => c.Completion))).WaitAsync(DisposeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Write($"stopped without waiting for everything: still busy after {DisposeTimeout.TotalSeconds:0} s");
        }
        catch (Exception)
        {
            // The loops and connections report their own failures; disposal only waits for them.
        }
        Write("stopped");
    }

    public override string ToString() => $"{Name} {Endpoint} → {Target} ({Mode})";

    // --- used by RelayedConnection ---

    internal bool IsPassing => _mode == RelayMode.Pass;

    /// <summary>Completes when the relay passes again; replaced by a new one each time it stops passing.</summary>
    internal Task PassingGate => _passing.Task;

    internal void AddForwarded(int count) => Interlocked.Add(ref _bytesForwarded, count);

    internal void Closed(RelayedConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
    }

    internal void Write(string line)
    {
        var log = Log;
        if (log is null) return;
        try { log($"{Name}: {line}"); }
        catch (Exception) { /* a failing log handler must not break relaying */ }
    }

    // --- listening ---

    private static Socket Listen(IPEndPoint at)
    {
        var socket = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Lets the port be listened on again while earlier connections on it linger in TIME_WAIT, and alongside
            // the (non-listening) port reservation.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(at);
            socket.Listen(ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket bound to the port but not listening: SYNs to the port still get RST, and no other socket
    /// (an outgoing connection's ephemeral port included) can take the port before the relay listens on it again.</summary>
    private static Socket? Reserve(IPEndPoint at)
    {
        var socket = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(at);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null; // not reserved: listening again may still succeed
        }
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
    private void StopListening()
    {
        if (_listener is not { } listener) return;
        _listener = null;
        listener.Dispose();
        if (!_disposed) _portReservation = Reserve(Endpoint);
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
    private void ListenAgain()
    {
        if (_listener is not null) return;
        Socket listener;
        try
        {
            listener = Listen(Endpoint);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"{Name}: cannot listen on {Endpoint} again: {e.Message} ({e.SocketErrorCode})", e);
        }
        _portReservation?.Dispose();
        _portReservation = null;
        _listener = listener;
        StartAcceptLoop(listener);
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
    private void StartAcceptLoop(Socket listener)
    {
        _acceptLoops.RemoveAll(t => t.IsCompleted);
        _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener)));
    }

    /// <summary>Under <see cref="_sync"/>: a new closed gate, unless the current one is already closed.</summary>
    private void CloseGate()
    {
        if (_passing.Task.IsCompleted) _passing = NewGate(open: false);
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open) gate.SetResult();
        return gate;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (!ReferenceEquals(Volatile.Read(ref _listener), listener) || _stopping.IsCancellationRequested) return;
                if (e is SocketException { SocketErrorCode: SocketError.ConnectionAborted or SocketError.ConnectionReset }) continue;
                Write($"accepting on {Endpoint} failed: {e.Message}; retrying");
                try { await Task.Delay(TimeSpan.FromMilliseconds(50), _stopping.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            Accept(client);
        }
    }

    private void Accept(Socket client)
    {
        long id = Interlocked.Increment(ref _connectionsAccepted);
        var peer = client.RemoteEndPoint?.ToString() ?? "?";
        RelayMode mode;
        bool taken = false;
        lock (_sync)
        {
            mode = _mode;
            if (!_disposed && mode != RelayMode.Refuse)
            {
                var connection = new RelayedConnection(this, id, client, peer);
                _connections[id] = connection;
                connection.Start();
                taken = true;
            }
        }
        if (taken)
        {
            Write($"accepted connection #{id} from {peer}{(mode == RelayMode.Stall ? " (stalled: nothing is forwarded)" : "")}");
            return;
        }
        // Accepted just as the relay stopped listening.
        RelayedConnection.ResetSocket(client);
        Write($"refused connection from {peer}");
    }
}
