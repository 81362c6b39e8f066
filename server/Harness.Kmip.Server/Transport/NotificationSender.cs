using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// KMIP 1.x server-to-client delivery (1.4 §5: "sent by a server to a client via means outside of the normal client
/// request/response protocol, using information known to the server via … administrative mechanisms"): for a client
/// the administrator registered with an endpoint, the server connects to it over mutual TLS (the server's own
/// certificate as its client certificate; the client's endpoint must present a certificate of the clients' CA) and
/// sends its Put and Notify messages in turn, reading the answer to each. A message that cannot be delivered is logged
/// and dropped; the next one connects again.
/// </summary>
internal sealed class NotificationSender(KmsState kms, Notifications.ServerToClientChannel channel, DnsEndPoint endpoint)
{
    public async Task RunAsync(CancellationToken stop)
    {
        SslStream? tls = null;
        var limits = new TtlvLimits(kms.Options.MaxMessageLength, kms.Options.MaxDepth);
        try
        {
            await foreach (var message in channel.Messages.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    tls ??= await ConnectAsync(stop).ConfigureAwait(false);
                    kms.Notifications.Answered(channel, await ExchangeAsync(kms, tls, message, limits, stop).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or KmipException or TtlvFormatException
                                               or OperationCanceledException && !stop.IsCancellationRequested)
                {
                    kms.Log.LogWarning("could not deliver a {Operation} to client {Client} at {Endpoint}: {Message}",
                        message.Child(Tag.BatchItem)?.Child(Tag.Operation)?.ValueText(), channel.ClientId, $"{endpoint.Host}:{endpoint.Port}", LogText.Of(ex.Message));
                    if (tls is not null) await tls.DisposeAsync().ConfigureAwait(false);
                    tls = null;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        finally
        {
            if (tls is not null) await tls.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends one request to a client in the server role and reads its answer (within the read timeout), on either kind
    /// of channel. IOException when the client closes the connection instead of answering.
    /// </summary>
    internal static async Task<TtlvNode> ExchangeAsync(KmsState kms, Stream tls, TtlvNode message, TtlvLimits limits, CancellationToken stop)
    {
        await tls.WriteAsync(TtlvWriter.Encode(message), stop).ConfigureAwait(false);
        using var deadline = new MessageDeadline(stop, kms.Options.ReadTimeout, kms.Options.ReadTimeout);
        deadline.AwaitMessage();
        var header = new byte[8];
        if (!await KmipConnection.ReadFullyAsync(deadline, tls, header).ConfigureAwait(false)) throw new IOException("the client closed the connection without answering");
        TtlvReader.TryGetMessageLength(header, limits, out int total);
        using var answer = await MessageBuffer.ReadAsync(deadline, tls, header, total).ConfigureAwait(false)
                           ?? throw new IOException("the client closed the connection in the middle of its answer");
        return TtlvReader.Decode(answer.Span, limits);
    }

    private async Task<SslStream> ConnectAsync(CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(kms.Options.HandshakeTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                ClientCertificateContext = kms.ServerCertificateContext,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && ChainsToClientCa(cert),
            }, timeout.Token).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool ChainsToClientCa(X509Certificate presented)
    {
        using var cert = new X509Certificate2(presented);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(kms.Options.ClientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }
}
