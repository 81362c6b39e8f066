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
                kms.Log.LogWarning("TLS handshake with {Peer} did not finish within {Timeout}", _peer, kms.Options.HandshakeTimeout);
            else if (ex is not AuthenticationException || !ex.Message.Contains("RemoteCertificateValidationCallback"))
                kms.Log.LogDebug("TLS handshake with {Peer} failed: {Message}", _peer, ex.Message);
            return;
        }

        using var cert = new X509Certificate2(tls.RemoteCertificate!);
        var client = kms.Clients.Effective(ClientIdentity.FromCertificate(cert));
        kms.Log.LogDebug("client {Client} connected from {Peer} ({Protocol})", client, _peer, tls.SslProtocol);
        var limits = new TtlvLimits(kms.Options.MaxMessageLength, kms.Options.MaxDepth);
        var header = new byte[8];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (!await ReadFullyAsync(tls, header, stop).ConfigureAwait(false)) return; // peer closed between messages
                int total;
                try { TtlvReader.TryGetMessageLength(header, limits, out total); }
                catch (KmipException ex)
                {
                    kms.Log.LogWarning("closed the connection of {Client} from {Peer}: framing lost: {Message}", client.Subject, _peer, ex.Message);
                    return;
                }
                var buffer = ArrayPool<byte>.Shared.Rent(total);
                try
                {
                    header.CopyTo(buffer, 0);
                    if (!await ReadFullyAsync(tls, buffer.AsMemory(8, total - 8), stop).ConfigureAwait(false))
                    {
                        kms.Log.LogWarning("connection of {Client} from {Peer} closed in the middle of a {Length}-byte message", client.Subject, _peer, total);
                        return;
                    }
                    TtlvNode response;
                    try
                    {
                        var request = TtlvReader.Decode(buffer.AsSpan(0, total), limits);
                        var processed = processor.Process(request, client);
                        response = processed.Response;
                        try { await processed.Durable.ConfigureAwait(false); }
                        catch (Exception ex)
                        {
                            kms.Log.LogError(ex, "storage failed; the request of {Client} is not acknowledged", client.Subject);
                            response = processor.FailureResponse(ResultReason.GeneralFailure, "the server could not store the change: " + ex.Message);
                        }
                    }
                    catch (TtlvFormatException ex)
                    {
                        kms.Log.LogWarning("invalid message from {Client} at {Peer}: {Message}", client.Subject, _peer, ex.Message);
                        response = processor.FailureResponse(ResultReason.InvalidMessage, ex.Message);
                    }
                    await tls.WriteAsync(TtlvWriter.Encode(response), stop).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            kms.Log.LogDebug("connection of {Client} from {Peer} ended: {Message}", client.Subject, _peer, ex.Message);
        }
        catch (Exception ex)
        {
            kms.Log.LogError(ex, "closed the connection of {Client} from {Peer} after an unexpected error: {Message}", client.Subject, _peer, ex.Message);
        }
    }

    private static async ValueTask<bool> ReadFullyAsync(Stream s, Memory<byte> into, CancellationToken ct)
    {
        int read = 0;
        while (read < into.Length)
        {
            int n = await s.ReadAsync(into[read..], ct).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }
}
