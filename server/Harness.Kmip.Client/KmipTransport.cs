namespace Harness.Kmip.Client;

/// <summary>How a KMIP client reaches the server.</summary>
public enum KmipTransport
{
    /// <summary>TTLV over mutual TLS, each message framed by its own header (KMIP 1.4 §10; port 5696).</summary>
    Tls,

    /// <summary>The HTTPS binding: each message POSTed over mutual TLS, in TTLV, XML or JSON (KMIP Additional Message Encodings v1.0 §2).</summary>
    Https,
}

/// <summary>A KMIP client on one of the transports: sends a Request Message, returns the Response Message.</summary>
public interface IKmipMessageClient : IAsyncDisposable
{
    KmipClientOptions Options { get; }

    /// <summary>Sends a Request Message and returns the decoded Response Message (its batch items' status unchecked).</summary>
    Task<TtlvNode> SendAsync(TtlvNode requestMessage, CancellationToken ct = default);
}

public static class KmipTransports
{
    /// <summary>A client on <see cref="KmipClientOptions.Transport"/>: a <see cref="KmipClient"/> (connected) or a <see cref="KmipHttpsClient"/>.</summary>
    public static async Task<IKmipMessageClient> ConnectAsync(KmipClientOptions options, CancellationToken ct = default) => options.Transport switch
    {
        KmipTransport.Tls => await KmipClient.ConnectAsync(options, ct).ConfigureAwait(false),
        KmipTransport.Https => KmipHttpsClient.Create(options),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Transport, "unknown transport"),
    };
}
