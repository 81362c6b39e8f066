using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Encodings;
using Harness.Kmip.Server.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// The KMIP HTTPS binding (KMIP Additional Message Encodings v1.0 §2, the HTTPS profile): KMIP messages POSTed to
/// <see cref="Path"/> over HTTP/1.0 or 1.1 on TLS, with the same server certificate, the same client certificate check,
/// the same client identity and the same limits as the TTLV port. The Content-Type chooses the encoding
/// ("application/octet-stream" TTLV, "text/xml" or "application/xml" XML, "application/json" JSON, §2.4) and the response
/// comes back in it, 200 with Cache-Control no-cache (§2.5), once the changes it reports are durable.
/// <list type="bullet">
/// <item>Not a KMIP request in that encoding (bad bytes, bad XML or JSON, too deep, not a Request Message): 200 with a
/// KMIP response whose Result Reason is Invalid Message, as the TTLV port answers a well-framed message with bad contents.</item>
/// <item>Another path: 404; another method: 405 (Allow: POST); another Content-Type or none: 415; a body longer than
/// <see cref="KmipServerOptions.MaxMessageLength"/>: 413, before it is read. Each with a one-line text/plain reason.</item>
/// <item>A client identity with <see cref="KmipServerOptions.MaxConnectionsPerClient"/> connections open (on either
/// port) has a new one closed after the handshake; <see cref="KmipServerOptions.MaxConnections"/> bounds this port's
/// connections; the idle timeout bounds keep-alive, the read timeout a request's headers and body.</item>
/// </list>
/// </summary>
internal sealed class KmipHttpsBinding : IAsyncDisposable
{
    /// <summary>The request URI (§2.3: "KMIP servers conformant to this profile SHOULD support the value /kmip").</summary>
    public const string Path = "/kmip";

    private readonly WebApplication _app;

    private KmipHttpsBinding(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static KmipHttpsBinding Start(KmsState kms, MessageProcessor processor, ClientCertificateValidator validator, IPEndPoint endpoint, ILoggerFactory logs)
    {
        var options = kms.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [AdminApi.NoConfigReload] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, AdminApi.EmbeddedLifetime>();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = 0;
            k.Limits.MaxRequestBodySize = options.MaxMessageLength;
            k.Limits.KeepAliveTimeout = options.IdleTimeout;
            k.Limits.RequestHeadersTimeout = options.ReadTimeout;
            k.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    HandshakeTimeout = options.HandshakeTimeout,
                    OnConnection = async tls =>
                    {
                        var peer = tls.Connection.RemoteEndPoint?.ToString() ?? "?";
                        await kms.CatchUpAsync(tls.CancellationToken); // a store shared with other KMS nodes: the clients they allowed or revoked
                        return new SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = kms.ServerCertificateContext,
                            ClientCertificateRequired = true,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                            ApplicationProtocols = [SslApplicationProtocol.Http11],
                            RemoteCertificateValidationCallback = (_, cert, _, _) => validator.Validate(cert, peer),
                        };
                    },
                });
                listen.Use(next => connection => AdmitAsync(kms, connection, next));
            });
        });
        var app = builder.Build();
        var binding = new Exchange(kms, processor);
        app.Run(binding.AnswerAsync);
        app.StartAsync().GetAwaiter().GetResult();
        var address = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return new KmipHttpsBinding(app, new IPEndPoint(endpoint.Address, address.Port));
    }

    /// <summary>After the handshake: the client identity of the certificate, within its connection limit.</summary>
    private static async Task AdmitAsync(KmsState kms, ConnectionContext connection, ConnectionDelegate next)
    {
        var cert = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        if (cert is null) return; // the handshake requires one; nothing to serve without it
        var client = kms.Clients.Effective(ClientIdentity.FromCertificate(cert));
        var peer = connection.RemoteEndPoint?.ToString() ?? "?";
        if (!kms.TryEnterConnection(client.Id))
        {
            kms.Log.LogWarning("closed a new HTTPS connection of {Client} from {Peer}: it has {Max} open already (MaxConnectionsPerClient)",
                LogText.Of(client.Subject), peer, kms.Options.MaxConnectionsPerClient);
            return;
        }
        kms.Log.LogDebug("client {Client} connected over HTTPS from {Peer}", client, peer);
        connection.Features.Set(new KmipClientFeature(client));
        try { await next(connection).ConfigureAwait(false); }
        finally { kms.LeaveConnection(client.Id); }
    }

    /// <summary>The client identity of a connection, for its requests.</summary>
    private sealed record KmipClientFeature(ClientIdentity Client);

    /// <summary>One request, one KMIP message exchange.</summary>
    private sealed class Exchange(KmsState kms, MessageProcessor processor)
    {
        private readonly TtlvLimits _limits = new(kms.Options.MaxMessageLength, kms.Options.MaxDepth);

        public async Task AnswerAsync(HttpContext http)
        {
            var request = http.Request;
            http.Response.Headers.CacheControl = "no-cache";
            if (request.Path != Path)
            {
                await RefuseAsync(http, StatusCodes.Status404NotFound, $"KMIP requests are POSTed to {Path}, not {request.Path}");
                return;
            }
            if (!HttpMethods.IsPost(request.Method))
            {
                http.Response.Headers.Allow = "POST";
                await RefuseAsync(http, StatusCodes.Status405MethodNotAllowed, $"KMIP requests are POSTed to {Path}; {request.Method} is not accepted");
                return;
            }
            if (!MessageEncodings.TryFromContentType(request.ContentType, out var encoding))
            {
                await RefuseAsync(http, StatusCodes.Status415UnsupportedMediaType,
                    $"Content-Type {(request.ContentType is { } given ? $"\"{given}\"" : "(none)")} is not a KMIP encoding: use " +
                    $"{MessageEncodings.TtlvContentType} (TTLV), {MessageEncodings.XmlContentType} (XML) or {MessageEncodings.JsonContentType} (JSON)");
                return;
            }
            if (request.ContentLength > _limits.MaxMessageLength)
            {
                await TooLargeAsync(http, request.ContentLength.Value);
                return;
            }
            var client = http.Features.GetRequiredFeature<KmipClientFeature>().Client;
            var peer = $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";

            using var bound = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            bound.CancelAfter(kms.Options.ReadTimeout);
            byte[] body;
            int length;
            try
            {
                (body, length) = await ReadBodyAsync(request.Body, request.ContentLength, bound.Token);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                if (kms.RequestLog.Allow()) kms.Log.LogWarning("closed the HTTPS connection of {Client} from {Peer}: a request body was not complete within {Timeout}", LogText.Of(client.Subject), peer, kms.Options.ReadTimeout);
                http.Abort();
                return;
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await TooLargeAsync(http, null);
                return;
            }
            TtlvNode response;
            try
            {
                TtlvNode message;
                try { message = MessageEncodings.Decode(body.AsSpan(0, length), encoding, _limits); }
                finally { ArrayPool<byte>.Shared.Return(body); }
                response = await DurableResponse.ForAsync(kms, processor, message, length, client);
            }
            catch (KmipException ex) when (ex.Reason == ResultReason.InvalidMessage)
            {
                if (kms.RequestLog.Allow()) kms.Log.LogWarning("invalid message from {Client} at {Peer} (HTTPS, {Encoding}): {Message}", LogText.Of(client.Subject), peer, encoding, LogText.Of(ex.Message));
                response = processor.FailureResponse(ResultReason.InvalidMessage, ex.Message);
            }
            var bytes = MessageEncodings.Encode(response, encoding);
            http.Response.StatusCode = StatusCodes.Status200OK;
            // The media type the client used (text/xml or application/xml), without its parameters.
            http.Response.ContentType = encoding == MessageEncoding.Xml ? request.ContentType!.Split(';')[0].Trim().ToLowerInvariant() : MessageEncodings.ContentType(encoding);
            http.Response.ContentLength = bytes.Length;
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        }

        /// <summary>The body in a pooled buffer (the caller returns it) and its length; grows with what arrives, up to the limit.</summary>
        private async Task<(byte[] Body, int Length)> ReadBodyAsync(Stream body, long? announced, CancellationToken ct)
        {
            int max = _limits.MaxMessageLength;
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(announced ?? 16 * 1024, max) + 1);
            int read = 0;
            try
            {
                while (true)
                {
                    if (read == buffer.Length)
                    {
                        if (read > max) throw new BadHttpRequestException("body over the limit", StatusCodes.Status413PayloadTooLarge);
                        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, max + 1L));
                        buffer.AsSpan(0, read).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    int n = await body.ReadAsync(buffer.AsMemory(read), ct);
                    if (n == 0) break;
                    read += n;
                    if (read > max) throw new BadHttpRequestException("body over the limit", StatusCodes.Status413PayloadTooLarge);
                }
                return (buffer, read);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        private Task TooLargeAsync(HttpContext http, long? length)
        {
            var client = http.Features.Get<KmipClientFeature>()?.Client;
            if (kms.RequestLog.Allow()) kms.Log.LogWarning("refused a request of {Client} over HTTPS: its body{Length} is longer than the largest message accepted, {Max} bytes",
                LogText.Of(client?.Subject ?? "?"), length is { } l ? $" of {l} bytes" : "", _limits.MaxMessageLength);
            // The rest of the body is not read: the connection cannot carry another request.
            http.Response.Headers.Connection = "close";
            return RefuseAsync(http, StatusCodes.Status413PayloadTooLarge,
                $"the body{(length is { } n ? $" of {n:N0} bytes" : "")} is longer than the largest KMIP message this server accepts, {_limits.MaxMessageLength:N0} bytes");
        }

        private static Task RefuseAsync(HttpContext http, int status, string reason)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync(reason + "\n", http.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
