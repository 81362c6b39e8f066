using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// One client connection: the TLS handshake (client certificate required), then request/response messages in turn.
/// Framing apart from decoding: a message whose header cannot be trusted (not a structure, or longer than the limit)
/// closes the connection; a well-framed message with bad contents gets an Invalid Message response and the connection
/// goes on. A response is written only after the changes it reports are durable.
/// </summary>
internal sealed class KmipConnection(KmsState kms, MessageProcessor processor, ClientCertificateValidator validator, Socket socket)
{
    private readonly string _peer = socket.RemoteEndPoint?.ToString() ?? "?";

    public async Task RunAsync(CancellationToken stop)
    {
        socket.NoDelay = true;
        await using var network = new NetworkStream(socket, ownsSocket: true);
        await using var tls = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            // A store shared with other KMS nodes: the clients they allowed or revoked, before the handshake checks this
            // one's certificate (here: the check itself may run on a socket event thread, which must not wait for the database).
            await kms.CatchUpAsync(stop).ConfigureAwait(false);
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                handshake.CancelAfter(kms.Options.HandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = kms.ServerCertificateContext,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, cert, _, _) => validator.Validate(cert, _peer),
                }, handshake.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException)
        {
            if (ex is OperationCanceledException && !stop.IsCancellationRequested)
            {
                if (kms.RequestLog.Allow()) kms.Log.LogWarning("TLS handshake with {Peer} did not finish within {Timeout}", _peer, kms.Options.HandshakeTimeout);
            }
            else if (ex is not AuthenticationException || !ex.Message.Contains("RemoteCertificateValidationCallback"))
                kms.Log.LogDebug("TLS handshake with {Peer} failed: {Message}", _peer, LogText.Of(ex.Message));
            return;
        }

        using var cert = new X509Certificate2(tls.RemoteCertificate!);
        var client = kms.Clients.Effective(ClientIdentity.FromCertificate(cert));
        kms.Log.LogDebug("client {Client} connected from {Peer} ({Protocol})", client, _peer, tls.SslProtocol);
        if (!kms.TryEnterConnection(client.Id))
        {
            kms.Log.LogWarning("closed a new connection of {Client} from {Peer}: it has {Max} open already (MaxConnectionsPerClient)",
                LogText.Of(client.Subject), _peer, kms.Options.MaxConnectionsPerClient);
            return;
        }
        var limits = new TtlvLimits(kms.Options.MaxMessageLength, kms.Options.MaxDepth);
        var header = new byte[8];
        var deadline = new MessageDeadline(stop, kms.Options.IdleTimeout, kms.Options.ReadTimeout);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                deadline.AwaitMessage();
                int first;
                // Idle: waiting for a message to begin (its header usually arrives whole, in one TLS record).
                try { first = await deadline.ReadAsync(tls, header).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    if (kms.RequestLog.Allow()) kms.Log.LogInformation("closed the idle connection of {Client} from {Peer}: no request for {Timeout}", LogText.Of(client.Subject), _peer, kms.Options.IdleTimeout);
                    return;
                }
                if (first == 0) return; // peer closed between messages
                deadline.MessageBegun();
                try
                {
                    if (first < header.Length && !await ReadFullyAsync(deadline, tls, header.AsMemory(first)).ConfigureAwait(false))
                    {
                        if (kms.RequestLog.Allow()) kms.Log.LogWarning("connection of {Client} from {Peer} closed in the middle of a message header", LogText.Of(client.Subject), _peer);
                        return;
                    }
                    int total;
                    try { TtlvReader.TryGetMessageLength(header, limits, out total); }
                    catch (KmipException ex)
                    {
                        if (kms.RequestLog.Allow()) kms.Log.LogWarning("closed the connection of {Client} from {Peer}: framing lost: {Message}", LogText.Of(client.Subject), _peer, LogText.Of(ex.Message));
                        return;
                    }
                    using var message = await MessageBuffer.ReadAsync(deadline, tls, header, total).ConfigureAwait(false);
                    if (message is null)
                    {
                        if (kms.RequestLog.Allow()) kms.Log.LogWarning("connection of {Client} from {Peer} closed in the middle of a {Length}-byte message", LogText.Of(client.Subject), _peer, total);
                        return;
                    }
                    TtlvNode response;
                    Notifications.ServerToClientChannel? takesClientRole = null;
                    try
                    {
                        var request = TtlvReader.Decode(message.Span, limits);
                        response = await DurableResponse.ForAsync(kms, processor, request, total, client, processed =>
                        {
                            // The channel opens before the answer goes out: a change made right after it is sent on it.
                            if (processed.ServerTakesClientRole) takesClientRole = kms.Notifications.Open(client.Id, processed.Version);
                        }).ConfigureAwait(false);
                    }
                    catch (TtlvFormatException ex)
                    {
                        if (kms.RequestLog.Allow()) kms.Log.LogWarning("invalid message from {Client} at {Peer}: {Message}", LogText.Of(client.Subject), _peer, LogText.Of(ex.Message));
                        response = processor.FailureResponse(ResultReason.InvalidMessage, ex.Message);
                    }
                    try { await tls.WriteAsync(TtlvWriter.Encode(response), stop).ConfigureAwait(false); }
                    catch when (takesClientRole is not null)
                    {
                        kms.Notifications.Close(takesClientRole);
                        throw;
                    }
                    if (takesClientRole is { } channel)
                    {
                        await SendToClientAsync(tls, client, channel, limits, stop).ConfigureAwait(false);
                        return;
                    }
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    if (kms.RequestLog.Allow()) kms.Log.LogWarning("closed the connection of {Client} from {Peer}: a message was not complete within {Timeout}", LogText.Of(client.Subject), _peer, kms.Options.ReadTimeout);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            kms.Log.LogDebug("connection of {Client} from {Peer} ended: {Message}", LogText.Of(client.Subject), _peer, LogText.Of(ex.Message));
        }
        catch (Exception ex)
        {
            kms.Log.LogError(ex, "closed the connection of {Client} from {Peer} after an unexpected error: {Message}", LogText.Of(client.Subject), _peer, LogText.Of(ex.Message));
        }
        finally
        {
            deadline.Dispose();
            kms.LeaveConnection(client.Id);
        }
    }

    /// <summary>
    /// The server in the client role (after Set Endpoint Role): sends the client's Put and Notify messages in turn and
    /// reads its answer to each, until the client closes the connection or the server stops.
    /// </summary>
    private async Task SendToClientAsync(Stream tls, ClientIdentity client, Notifications.ServerToClientChannel channel, TtlvLimits limits, CancellationToken stop)
    {
        kms.Log.LogInformation("client {Client} from {Peer} takes the server role: Put and Notify go to it on this connection", LogText.Of(client.Subject), _peer);
        try
        {
            await foreach (var message in channel.Messages.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try { kms.Notifications.Answered(channel, await NotificationSender.ExchangeAsync(kms, tls, message, limits, stop).ConfigureAwait(false)); }
                catch (Exception ex) when (ex is KmipException or TtlvFormatException)
                {
                    kms.Log.LogWarning("closed the server-to-client connection of {Client} from {Peer}: its answer is not a KMIP message: {Message}", LogText.Of(client.Subject), _peer, LogText.Of(ex.Message));
                    return;
                }
            }
        }
        finally { kms.Notifications.Close(channel); }
    }

    internal static async ValueTask<bool> ReadFullyAsync(MessageDeadline deadline, Stream s, Memory<byte> into)
    {
        int read = 0;
        while (read < into.Length)
        {
            int n = await deadline.ReadAsync(s, into[read..]).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }
}

/// <summary>
/// A connection's two timeouts on one timer: the idle timeout while it waits for a message to begin, then the read
/// timeout for the rest of the message, started by the first read that has to wait for the peer. A message that arrives
/// whole (the usual case: one TLS record) costs one timer change; a linked source and timer per message, or two changes,
/// cost more than a Get's own processing at tens of thousands of messages a second.
/// </summary>
internal sealed class MessageDeadline(CancellationToken stop, TimeSpan idle, TimeSpan read) : IDisposable
{
    private CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(stop);
    private bool _midMessage, _readClockStarted;

    /// <summary>Waiting for the next message: the idle timeout runs.</summary>
    public void AwaitMessage()
    {
        if (_source.IsCancellationRequested)
        {
            _source.Dispose();
            _source = CancellationTokenSource.CreateLinkedTokenSource(stop);
        }
        _midMessage = _readClockStarted = false;
        _source.CancelAfter(idle);
    }

    /// <summary>The first bytes of a message arrived: a read that has to wait from now on starts the read timeout.</summary>
    public void MessageBegun() => _midMessage = true;

    public ValueTask<int> ReadAsync(Stream stream, Memory<byte> into)
    {
        var pending = stream.ReadAsync(into, _source.Token);
        if (_midMessage && !_readClockStarted && !pending.IsCompleted)
        {
            _readClockStarted = true;
            _source.CancelAfter(read);
        }
        return pending;
    }

    public void Dispose() => _source.Dispose();
}

/// <summary>
/// A message's bytes as they arrive, in pooled buffers that grow with what the peer actually sent (doubling up to the
/// length its header claims): a peer that claims 1 MiB and stalls after a few bytes holds a few kilobytes, not 1 MiB.
/// </summary>
internal sealed class MessageBuffer : IDisposable
{
    private const int FirstSize = 16 * 1024;
    private byte[] _buffer;
    private readonly int _length;

    private MessageBuffer(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    /// <summary>Reads the rest of a <paramref name="total"/>-byte message whose 8-byte header was read; null if the peer closed.</summary>
    public static async ValueTask<MessageBuffer?> ReadAsync(MessageDeadline deadline, Stream stream, byte[] header, int total)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(total, FirstSize));
        header.CopyTo(buffer, 0);
        int read = header.Length;
        try
        {
            while (read < total)
            {
                if (read == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(total, buffer.Length * 2));
                    buffer.AsSpan(0, read).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n = await deadline.ReadAsync(stream, buffer.AsMemory(read, Math.Min(buffer.Length, total) - read)).ConfigureAwait(false);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
                read += n;
            }
            return new MessageBuffer(buffer, total);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
