using System.Buffers;
using System.Net.Sockets;

namespace Harness.Simulator.Faults;

/// <summary>
/// One client connection of a <see cref="KmsRelay"/> and its connection to the KMS: two pumps, client → KMS and
/// KMS → client. A pump ends when its sender finishes (the FIN is passed on) or fails (both sides are reset).
/// </summary>
internal sealed class RelayedConnection
{
    private readonly KmsRelay _relay;
    private readonly Socket _client;
    private readonly Socket _server;
    private readonly CancellationTokenSource _reset = new();
    private int _resetOnce;
    private int _closedOnce;
    private long _toKms;
    private long _toClient;
    private Task _run = Task.CompletedTask;

    public RelayedConnection(KmsRelay relay, long id, Socket client, string peer)
    {
        _relay = relay;
        Id = id;
        Peer = peer;
        _client = client;
        _client.NoDelay = true;
        _server = new Socket(relay.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    public long Id { get; }
    public string Peer { get; }

    /// <summary>Completes when both pumps have finished and both sockets are closed.</summary>
    public Task Completion => _run;

    private string Label => $"connection #{Id} from {Peer}";

    /// <summary>Starts relaying on the thread pool (so that the accept loop never runs a pump inline).</summary>
    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>Resets both sides (RST) and stops both pumps; held bytes are dropped.</summary>
    public void Reset(string why)
    {
        if (Interlocked.Exchange(ref _resetOnce, 1) != 0) return;
        bool first = MarkClosed();
        try { _reset.Cancel(); } catch (ObjectDisposedException) { }
        ResetSocket(_client);
        ResetSocket(_server);
        if (first) _relay.Write($"{Label} reset: {why} ({_toKms} bytes to the KMS, {_toClient} to the client)");
    }

    /// <summary>Closes a socket abortively: the peer gets RST, not FIN.</summary>
    public static void ResetSocket(Socket socket)
    {
        try { socket.LingerState = new LingerOption(true, 0); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* not connected: nothing to reset */ }
        socket.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(_reset.Token))
            {
                bound.CancelAfter(KmsRelay.TargetConnectTimeout);
                try
                {
                    await _server.ConnectAsync(_relay.Target, bound.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    Reset(_reset.IsCancellationRequested ? "reset while connecting to the KMS"
                        : e is OperationCanceledException ? $"cannot reach the KMS at {_relay.Target}: no answer within {KmsRelay.TargetConnectTimeout.TotalSeconds:0} s"
                        : $"cannot reach the KMS at {_relay.Target}: {e.Message}");
                    return;
                }
            }
            await Task.WhenAll(
                PumpAsync(_client, _server, towardsKms: true),
                PumpAsync(_server, _client, towardsKms: false)).ConfigureAwait(false);
            if (MarkClosed())
                _relay.Write($"{Label} closed ({_toKms} bytes to the KMS, {_toClient} to the client)");
        }
        finally
        {
            _client.Dispose();
            _server.Dispose();
            _reset.Dispose();
        }
    }

    /// <summary>True the first time: the connection leaves the relay's open connections.</summary>
    private bool MarkClosed()
    {
        if (Interlocked.Exchange(ref _closedOnce, 1) != 0) return false;
        _relay.Closed(this);
        return true;
    }

    private async Task PumpAsync(Socket from, Socket to, bool towardsKms)
    {
        string sender = towardsKms ? "the client" : "the KMS";
        try
        {
            while (true)
            {
                // Wait for data before renting a buffer, so that an idle connection holds none.
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(KmsRelay.BufferSize);
                try
                {
                    int count = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                    if (count == 0)
                    {
                        if (!_relay.IsPassing)
                        {
                            Reset($"{sender} closed its side while the KMS was stalled");
                            return;
                        }
                        to.Shutdown(SocketShutdown.Send); // pass the FIN on; the other direction may still carry data
                        return;
                    }
                    if (!_relay.IsPassing)
                    {
                        var held = new List<(byte[] Buffer, int Count)>(4) { (buffer, count) };
                        buffer = null!; // owned by the list now
                        try
                        {
                            if (!await HoldAsync(from, held, sender).ConfigureAwait(false)) return;
                            foreach (var (chunk, n) in held) await SendAsync(to, chunk, n, towardsKms).ConfigureAwait(false);
                        }
                        finally
                        {
                            foreach (var (chunk, _) in held) ArrayPool<byte>.Shared.Return(chunk);
                        }
                        continue;
                    }
                    await SendAsync(to, buffer, count, towardsKms).ConfigureAwait(false);
                }
                finally
                {
                    if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Reset(e is SocketException s ? $"{sender} side failed: {s.SocketErrorCode}" : "stopped");
        }
    }

    /// <summary>
    /// While the KMS is stalled: keeps reading what <paramref name="from"/> sends (up to <see cref="KmsRelay.HoldLimit"/>)
    /// into <paramref name="held"/>, so that a sender that gives up and closes is noticed, until the relay passes again.
    /// False when the connection ended meanwhile.
    /// </summary>
    private async Task<bool> HoldAsync(Socket from, List<(byte[] Buffer, int Count)> held, string sender)
    {
        _relay.Write($"{Label}: holding bytes from {sender} (the KMS is stalled)");
        int total = held[0].Count;
        while (true)
        {
            Task gate = _relay.PassingGate;
            if (_relay.IsPassing && gate.IsCompleted) return true;
            if (total >= KmsRelay.HoldLimit)
            {
                // TCP flow control now holds the sender back.
                await gate.WaitAsync(_reset.Token).ConfigureAwait(false);
                continue;
            }
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(_reset.Token);
            var readable = from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, stopWaiting.Token).AsTask();
            if (await Task.WhenAny(gate, readable).ConfigureAwait(false) == gate)
            {
                stopWaiting.Cancel();
                try { await readable.ConfigureAwait(false); }
                catch (OperationCanceledException) when (!_reset.IsCancellationRequested) { /* the zero-byte wait consumed nothing */ }
                continue;
            }
            await readable.ConfigureAwait(false);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(KmsRelay.BufferSize);
            int count;
            try
            {
                count = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            if (count == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Reset($"{sender} closed its side while the KMS was stalled");
                return false;
            }
            held.Add((buffer, count));
            total += count;
        }
    }

    private async ValueTask SendAsync(Socket to, byte[] buffer, int count, bool towardsKms)
    {
        int sent = 0;
        while (sent < count)
            sent += await to.SendAsync(buffer.AsMemory(sent, count - sent), SocketFlags.None).ConfigureAwait(false);
        if (towardsKms) _toKms += count; else _toClient += count;
        _relay.AddForwarded(count);
    }
}
