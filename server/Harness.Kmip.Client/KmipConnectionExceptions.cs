namespace Harness.Kmip.Client;

/// <summary>The connection to the KMIP server failed: it could not be made, the TLS handshake failed, it was lost, it
/// timed out, or the server broke the framing. After one of these the client cannot be used again.</summary>
public class KmipConnectionException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>The server closed the connection (before answering, or part-way through a response).</summary>
public sealed class KmipConnectionClosedException(string message, int bytesReceived = 0, Exception? inner = null)
    : KmipConnectionException(message, inner)
{
    /// <summary>How many bytes of the response had arrived when the connection closed.</summary>
    public int BytesReceived { get; } = bytesReceived;
}

/// <summary>Which bound was exceeded.</summary>
public enum KmipTimeoutPhase
{
    /// <summary>TCP connect and TLS handshake (<see cref="KmipClientOptions.ConnectTimeout"/>).</summary>
    Connect,
    /// <summary>Sending a request and receiving its response (<see cref="KmipClientOptions.ReceiveTimeout"/>).</summary>
    Receive,
}

public sealed class KmipTimeoutException(string message, KmipTimeoutPhase phase, TimeSpan timeout, Exception? inner = null)
    : KmipConnectionException(message, inner)
{
    public KmipTimeoutPhase Phase { get; } = phase;
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>The TLS handshake failed or the server refused the session; <see cref="Exception.Message"/> says why
/// (thumbprint mismatch, untrusted chain, name mismatch, refused client certificate, …).</summary>
public sealed class KmipTlsException(string message, Exception? inner = null) : KmipConnectionException(message, inner);

/// <summary>The server's bytes cannot be framed as a KMIP message, so the connection cannot continue.</summary>
public class KmipProtocolException(string message, Exception? inner = null) : KmipConnectionException(message, inner);

/// <summary>A response header announced more bytes than <see cref="KmipClientOptions.MaxResponseLength"/> allows.</summary>
public sealed class KmipResponseTooLargeException(long announcedLength, int limit)
    : KmipProtocolException($"the server announced a response of {announcedLength} bytes, over the client's limit of {limit} bytes " +
                            "(MaxResponseLength); the connection was closed without reading it")
{
    public long AnnouncedLength { get; } = announcedLength;
    public int Limit { get; } = limit;
}
