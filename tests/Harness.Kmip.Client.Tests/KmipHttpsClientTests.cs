using System.Net;
using System.Net.Sockets;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Client.Tests;

/// <summary>The client side of the HTTPS binding without a server: its options and its errors (the round trips are in the server tests).</summary>
public sealed class KmipHttpsClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static KmipClientOptions Options(KmipTransport transport, MessageEncoding encoding, int port = 5697) => new()
    {
        Host = "127.0.0.1", Port = port, AcceptAnyServerCertificate = true, Transport = transport, Encoding = encoding,
    };

    [Theory]
    [InlineData(MessageEncoding.Xml)]
    [InlineData(MessageEncoding.Json)]
    public async Task ConnectAsync_XmlOrJsonOverTls_ThrowsArgumentException_TtlvOnly(MessageEncoding encoding)
    {
        var act = () => KmipTransports.ConnectAsync(Options(KmipTransport.Tls, encoding), Ct);

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*KMIP over TLS carries TTLV only*HTTPS transport*");
    }

    [Fact]
    public async Task KmipClient_HttpsOptions_ThrowsArgumentException_PointingToKmipTransports()
    {
        var act = () => KmipClient.ConnectAsync(Options(KmipTransport.Https, MessageEncoding.Ttlv), Ct);

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*KmipTransports.ConnectAsync*");
    }

    [Fact]
    public void Create_TlsOptions_ThrowsArgumentException()
    {
        var act = () => KmipHttpsClient.Create(Options(KmipTransport.Tls, MessageEncoding.Ttlv));

        act.Should().Throw<ArgumentException>().WithMessage("*KmipHttpsClient speaks the HTTPS binding*");
    }

    [Fact]
    public void Create_PathWithoutLeadingSlash_ThrowsArgumentException()
    {
        var act = () => KmipHttpsClient.Create(Options(KmipTransport.Https, MessageEncoding.Json) with { HttpsPath = "kmip" });

        act.Should().Throw<ArgumentException>().WithMessage("*HttpsPath*");
    }

    [Fact]
    public async Task ConnectAsync_Https_GivesAClientForTheKmipUri_WithoutConnecting()
    {
        await using var client = await KmipTransports.ConnectAsync(Options(KmipTransport.Https, MessageEncoding.Xml), Ct);

        client.Should().BeOfType<KmipHttpsClient>().Which.RequestUri.Should().Be(new Uri("https://127.0.0.1:5697/kmip"));
    }

    [Fact]
    public async Task SendAsync_NothingListens_ThrowsKmipConnectionException_NamingTheEndpoint()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var client = KmipHttpsClient.Create(Options(KmipTransport.Https, MessageEncoding.Ttlv, port));

        var act = () => client.SendAsync(TtlvNode.Structure(Tag.RequestMessage), Ct);

        (await act.Should().ThrowAsync<KmipConnectionException>()).WithMessage($"*cannot connect to 127.0.0.1:{port}*");
    }
}
