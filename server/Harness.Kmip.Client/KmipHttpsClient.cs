using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Client;

/// <summary>
/// A KMIP client on the HTTPS binding (KMIP Additional Message Encodings v1.0 §2.4): each Request Message is POSTed to
/// <see cref="KmipClientOptions.HttpsPath"/> over HTTP/1.1 on mutual TLS, in <see cref="KmipClientOptions.Encoding"/>
/// (Content-Type application/octet-stream, text/xml or application/json, Cache-Control no-cache), and the answer, 200 in
/// the same encoding, is decoded back to TTLV nodes. The server certificate is checked as <see cref="KmipClient"/> checks
/// it. One connection at a time (concurrent callers queue for it), made at the first request and kept alive; the
/// handler makes a new one when the server closed it. Errors are the same exceptions as <see cref="KmipClient"/>'s:
/// another HTTP status or Content-Type is a <see cref="KmipProtocolException"/> with the status and the server's reason.
/// </summary>
public sealed class KmipHttpsClient : IKmipMessageClient
{
    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly ServerCertificateCheck _check;
    private readonly TtlvLimits _limits;

    private KmipHttpsClient(KmipClientOptions options, HttpClient http, Uri uri, ServerCertificateCheck check)
    {
        Options = options;
        _http = http;
        _uri = uri;
        _check = check;
        _limits = new TtlvLimits(MaxMessageLength: options.MaxResponseLength);
    }

    public KmipClientOptions Options { get; }

    /// <summary>Where requests go: https://HOST:PORT/kmip.</summary>
    public Uri RequestUri => _uri;

    /// <summary>A client for the options (their <see cref="KmipClientOptions.Transport"/> must be HTTPS); the connection is made by the first request.</summary>
    public static KmipHttpsClient Create(KmipClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Transport != KmipTransport.Https)
            throw new ArgumentException($"KmipHttpsClient speaks the HTTPS binding; for the {options.Transport} transport use KmipTransports.ConnectAsync", nameof(options));
        var check = new ServerCertificateCheck(options);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            MaxConnectionsPerServer = 1,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = 64,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = options.TargetHost ?? options.Host,
                EnabledSslProtocols = options.SslProtocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = check.Validate,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                // Sent whatever CA names the server lists, as KmipClient does.
                ClientCertificateContext = options.ClientCertificate is { } cert
                    ? SslStreamCertificateContext.Create(cert, additionalCertificates: null, offline: true)
                    : null,
            },
        };
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = options.MaxResponseLength };
        var uri = new UriBuilder(Uri.UriSchemeHttps, options.Host, options.Port, options.HttpsPath).Uri;
        return new KmipHttpsClient(options, http, uri, check);
    }

    /// <inheritdoc/>
    /// <exception cref="KmipException">the response is not a KMIP message in the encoding (Result Reason Invalid Message).</exception>
    public async Task<TtlvNode> SendAsync(TtlvNode requestMessage, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requestMessage);
        var (encoding, body) = await SendRawAsync(MessageEncodings.Encode(requestMessage, Options.Encoding), Options.Encoding, ct).ConfigureAwait(false);
        if (encoding != Options.Encoding)
            throw new KmipProtocolException($"{_uri} answered a {Options.Encoding} request in {encoding} ({MessageEncodings.ContentType(encoding)})");
        return MessageEncodings.Decode(body, encoding, _limits);
    }

    /// <summary>
    /// POSTs any body (well-formed or not) with the Content-Type of <paramref name="encoding"/> and returns the 200
    /// response's encoding (by its Content-Type) and body.
    /// </summary>
    public async Task<(MessageEncoding Encoding, byte[] Body)> SendRawAsync(byte[] body, MessageEncoding encoding, CancellationToken ct = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(Options.ConnectTimeout + Options.ReceiveTimeout);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(MessageEncodings.ContentType(encoding));
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Content = content,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > Options.MaxResponseLength)
                throw new KmipResponseTooLargeException(response.Content.Headers.ContentLength.Value, Options.MaxResponseLength);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var reason = (await ReadBoundedAsync(response, 1024, bound.Token).ConfigureAwait(false)).Trim();
                throw new KmipProtocolException($"{_uri} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}" +
                                                (reason.Length > 0 ? $": {reason}" : ""));
            }
            var contentType = response.Content.Headers.ContentType?.ToString();
            if (!MessageEncodings.TryFromContentType(contentType, out var answered))
                throw new KmipProtocolException($"{_uri} answered with Content-Type {contentType ?? "(none)"}, not a KMIP encoding");
            return (answered, await response.Content.ReadAsByteArrayAsync(bound.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new KmipTimeoutException($"no complete response from {_uri} within {(Options.ConnectTimeout + Options.ReceiveTimeout).TotalMilliseconds:0} ms (ConnectTimeout + ReceiveTimeout)",
                KmipTimeoutPhase.Receive, Options.ReceiveTimeout, e);
        }
        catch (HttpRequestException e)
        {
            throw e switch
            {
                _ when _check.RefusalReason is { } refused => new KmipTlsException($"TLS handshake with {Options.Endpoint} refused: {refused}", e),
                { HttpRequestError: HttpRequestError.SecureConnectionError } => new KmipTlsException($"TLS handshake with {Options.Endpoint} failed: {KmipClient.Describe(e)}", e),
                { InnerException: AuthenticationException } => new KmipTlsException($"TLS handshake with {Options.Endpoint} failed: {KmipClient.Describe(e)}", e),
                { HttpRequestError: HttpRequestError.ConnectionError, InnerException: SocketException s } =>
                    new KmipConnectionException($"cannot connect to {Options.Endpoint}: {s.Message} ({s.SocketErrorCode})", e),
                { HttpRequestError: HttpRequestError.ResponseEnded } => new KmipConnectionClosedException(
                    $"{Options.Endpoint} closed the connection without answering the request (with TLS 1.3 a server that refuses the client certificate closes it here): {KmipClient.Describe(e)}", 0, e),
                _ => new KmipConnectionException($"the request to {_uri} failed: {KmipClient.Describe(e)}", e),
            };
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[max];
        int read = 0, n;
        while (read < max && (n = await stream.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false)) > 0) read += n;
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
