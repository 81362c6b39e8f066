using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Kmip.Client;

/// <summary>
/// A KMIP client over mutual TLS (KMIP 1.4 §10 Transport: TTLV over TLS, port 5696). One request is in flight at a
/// time; concurrent callers queue. Every wait is bounded by <see cref="KmipClientOptions.ConnectTimeout"/> or
/// <see cref="KmipClientOptions.ReceiveTimeout"/>. Once the connection fails (closed, timed out, framing lost) every
/// later call throws <see cref="KmipConnectionClosedException"/>: reconnect with a new client.
/// </summary>
public sealed class KmipClient : IKmipMessageClient
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TtlvLimits _limits;
    private volatile string? _brokenBecause;
    private volatile bool _disposed;
    private int _responsesRead;

    private KmipClient(KmipClientOptions options, TcpClient tcp, SslStream ssl)
    {
        Options = options;
        _tcp = tcp;
        _ssl = ssl;
        _limits = new TtlvLimits(MaxMessageLength: options.MaxResponseLength);
        ServerCertificate = ssl.RemoteCertificate is { } remote ? X509CertificateLoader.LoadCertificate(remote.GetRawCertData()) : null;
    }

    public KmipClientOptions Options { get; }

    /// <summary>The certificate the server presented.</summary>
    public X509Certificate2? ServerCertificate { get; }

    public SslProtocols NegotiatedProtocol => _ssl.SslProtocol;
    public TlsCipherSuite NegotiatedCipherSuite => _ssl.NegotiatedCipherSuite;

    /// <summary>False once the connection has failed or the client is disposed.</summary>
    public bool IsConnected => !_disposed && _brokenBecause is null;

    /// <summary>Connects and completes the TLS handshake within <see cref="KmipClientOptions.ConnectTimeout"/>.</summary>
    /// <exception cref="KmipTimeoutException">the connect or the handshake took too long.</exception>
    /// <exception cref="KmipTlsException">the handshake failed; the message says why.</exception>
    /// <exception cref="KmipConnectionException">the server cannot be reached.</exception>
    public static async Task<KmipClient> ConnectAsync(KmipClientOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Transport != KmipTransport.Tls)
            throw new ArgumentException($"KmipClient speaks TTLV over TLS; for the {options.Transport} transport use KmipTransports.ConnectAsync", nameof(options));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(options.ConnectTimeout);

        var tcp = new TcpClient { NoDelay = true };
        SslStream? ssl = null;
        var check = new ServerCertificateCheck(options);
        try
        {
            await tcp.ConnectAsync(options.Host, options.Port, bound.Token).ConfigureAwait(false);
            ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var tls = new SslClientAuthenticationOptions
            {
                TargetHost = options.TargetHost ?? options.Host,
                EnabledSslProtocols = options.SslProtocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = check.Validate,
                // A certificate context is sent whatever CA names the server lists, so a refused client certificate is
                // refused by the server, not silently left out by the client.
                ClientCertificateContext = options.ClientCertificate is { } cert
                    ? SslStreamCertificateContext.Create(cert, additionalCertificates: null, offline: true)
                    : null,
            };
            await ssl.AuthenticateAsClientAsync(tls, bound.Token).ConfigureAwait(false);
            return new KmipClient(options, tcp, ssl);
        }
        catch (Exception e)
        {
            ssl?.Dispose();
            tcp.Dispose();
            throw e switch
            {
                OperationCanceledException when !ct.IsCancellationRequested => new KmipTimeoutException(
                    $"connecting to {options.Endpoint} (TCP and TLS handshake) did not finish within {options.ConnectTimeout.TotalMilliseconds:0} ms",
                    KmipTimeoutPhase.Connect, options.ConnectTimeout, e),
                OperationCanceledException => e,
                _ when check.RefusalReason is { } reason => new KmipTlsException($"TLS handshake with {options.Endpoint} refused: {reason}", e),
                AuthenticationException => new KmipTlsException($"TLS handshake with {options.Endpoint} failed: {Describe(e)}", e),
                SocketException s => new KmipConnectionException($"cannot connect to {options.Endpoint}: {s.Message} ({s.SocketErrorCode})", e),
                IOException when ssl is not null => new KmipTlsException(
                    $"the connection to {options.Endpoint} was closed during the TLS handshake (the server may have refused the client certificate): {Describe(e)}", e),
                IOException => new KmipConnectionException($"cannot connect to {options.Endpoint}: {Describe(e)}", e),
                _ => e,
            };
        }
    }

    /// <summary>Sends a Request Message and returns the decoded Response Message.</summary>
    /// <exception cref="TtlvFormatException">the response was framed correctly but its content is not valid TTLV.</exception>
    public async Task<TtlvNode> SendAsync(TtlvNode requestMessage, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requestMessage);
        var response = await SendRawAsync(TtlvWriter.Encode(requestMessage), ct).ConfigureAwait(false);
        return TtlvReader.Decode(response, _limits);
    }

    /// <summary>Sends a Request Message and parses the response (without checking the batch items' status).</summary>
    public async Task<KmipResponse> SendMessageAsync(TtlvNode requestMessage, CancellationToken ct = default) =>
        KmipResponse.Parse(await SendAsync(requestMessage, ct).ConfigureAwait(false));

    /// <summary>
    /// Writes any bytes (well-formed or not) and returns exactly one framed response: 8 header bytes, then the length
    /// they announce.
    /// </summary>
    /// <exception cref="KmipConnectionClosedException">the server closed the connection before or while answering.</exception>
    public async Task<byte[]> SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default) =>
        await ExchangeAsync(bytes, write: true, read: true, ct).ConfigureAwait(false)
        ?? throw Broken(new KmipConnectionClosedException(
            $"{Options.Endpoint} closed the connection without answering the request" +
            (Volatile.Read(ref _responsesRead) == 0
                ? " (it was the first request on this connection: with TLS 1.3 a server that refuses the client certificate closes the connection here)"
                : "")));

    /// <summary>Writes bytes without waiting for an answer (pair with <see cref="ReadRawResponseAsync"/>).</summary>
    public Task WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default) =>
        ExchangeAsync(bytes, write: true, read: false, ct);

    /// <summary>
    /// Reads the next framed response. Returns null when the server closed the connection cleanly before sending any
    /// byte of one; throws <see cref="KmipConnectionClosedException"/> when it closed part-way through.
    /// </summary>
    public Task<byte[]?> ReadRawResponseAsync(CancellationToken ct = default) =>
        ExchangeAsync(ReadOnlyMemory<byte>.Empty, write: false, read: true, ct);

    /// <summary>
    /// After Set Endpoint Role gave this client the server role on the connection: the next request the server sends
    /// (Put, Notify), or null when it closed the connection.
    /// </summary>
    public async Task<TtlvNode?> ReceiveServerRequestAsync(CancellationToken ct = default) =>
        await ReadRawResponseAsync(ct).ConfigureAwait(false) is { } bytes ? TtlvReader.Decode(bytes) : null;

    /// <summary>Answers a request the server sent with success and no payload, as a client SHALL answer Put and Notify (KMIP 2.1 §6.2).</summary>
    public Task AcknowledgeServerRequestAsync(TtlvNode request, CancellationToken ct = default)
    {
        var version = request.Required(Tag.RequestHeader).Required(Tag.ProtocolVersion);
        var items = request.ChildrenOf(Tag.BatchItem).Select(i => TtlvNode.Structure(Tag.BatchItem,
            i.Child(Tag.Operation), i.Child(Tag.UniqueBatchItemID), TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.Success))).ToList();
        var response = TtlvNode.Structure(Tag.ResponseMessage, items.Prepend(TtlvNode.Structure(Tag.ResponseHeader,
            version, TtlvNode.DateTime(Tag.TimeStamp, DateTimeOffset.UtcNow), TtlvNode.Integer(Tag.BatchCount, items.Count))));
        return WriteRawAsync(TtlvWriter.Encode(response), ct);
    }

    private async Task<byte[]?> ExchangeAsync(ReadOnlyMemory<byte> request, bool write, bool read, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_brokenBecause is { } reason)
                throw new KmipConnectionClosedException($"the connection to {Options.Endpoint} is no longer usable: {reason}");
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(Options.ReceiveTimeout);
            try
            {
                if (write)
                {
                    await _ssl.WriteAsync(request, bound.Token).ConfigureAwait(false);
                    await _ssl.FlushAsync(bound.Token).ConfigureAwait(false);
                }
                if (!read) return null;
                var response = await ReadMessageAsync(bound.Token).ConfigureAwait(false);
                if (response is null) MarkBroken($"{Options.Endpoint} closed the connection");
                else Interlocked.Increment(ref _responsesRead);
                return response;
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw Broken(new KmipTimeoutException(
                    $"no complete response from {Options.Endpoint} within {Options.ReceiveTimeout.TotalMilliseconds:0} ms (ReceiveTimeout)",
                    KmipTimeoutPhase.Receive, Options.ReceiveTimeout, e));
            }
            catch (OperationCanceledException)
            {
                MarkBroken("a request was cancelled before its response arrived");
                throw;
            }
            catch (KmipConnectionException e)
            {
                throw Broken(e);
            }
            catch (AuthenticationException e)
            {
                throw Broken(new KmipTlsException($"{Options.Endpoint} ended the TLS session: {Describe(e)} " +
                                                  "(with TLS 1.3 a refused client certificate shows up here, after the handshake)", e));
            }
            catch (IOException e) when (!_disposed)
            {
                throw Broken(e.InnerException is AuthenticationException
                    ? new KmipTlsException($"{Options.Endpoint} ended the TLS session: {Describe(e)}", e)
                    : new KmipConnectionClosedException($"the connection to {Options.Endpoint} was lost: {Describe(e)}", 0, e));
            }
            catch (Exception e) when (_disposed && e is IOException or ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(KmipClient), "the client was disposed during the request");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One framed message, or null on a clean close before its first byte.</summary>
    private async Task<byte[]?> ReadMessageAsync(CancellationToken ct)
    {
        var header = new byte[8];
        int got = await ReadUpToAsync(header, ct).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < header.Length)
            throw new KmipConnectionClosedException(
                $"{Options.Endpoint} closed the connection after {got} of the 8 header bytes of a response", got);
        int total;
        try
        {
            TtlvReader.TryGetMessageLength(header, _limits, out total);
        }
        catch (MessageTooLongException e)
        {
            throw new KmipResponseTooLargeException(e.Length, Options.MaxResponseLength);
        }
        catch (TtlvFormatException e)
        {
            throw new KmipProtocolException($"the response from {Options.Endpoint} does not start a KMIP message " +
                                            $"(header {Convert.ToHexString(header)}): {e.Message}", e);
        }
        var message = new byte[total];
        header.CopyTo(message, 0);
        got = await ReadUpToAsync(message.AsMemory(8), ct).ConfigureAwait(false);
        if (got < total - 8)
            throw new KmipConnectionClosedException(
                $"{Options.Endpoint} closed the connection after {8 + got} of the {total} bytes of a response", 8 + got);
        return message;
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the count read.</summary>
    private async Task<int> ReadUpToAsync(Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await _ssl.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private void MarkBroken(string reason)
    {
        _brokenBecause ??= reason;
        try { _tcp.Client.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already closed */ }
    }

    private Exception Broken(Exception e)
    {
        MarkBroken(e.Message);
        return e;
    }

    internal static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
            if (parts.Count == 0 || !parts[^1].Contains(x.Message, StringComparison.Ordinal)) parts.Add(x.Message);
        return string.Join(" → ", parts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_brokenBecause is null)
        {
            try { await _ssl.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false); }
            catch (Exception) { /* best effort close_notify */ }
        }
        await _ssl.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
        // ServerCertificate stays usable after disposal (reports read it once the connection is closed).
    }
}
