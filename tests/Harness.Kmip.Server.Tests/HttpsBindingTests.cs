using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Harness.Kmip.Client;
using Harness.Kmip.Encodings;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// The KMIP HTTPS binding (KMIP Additional Message Encodings v1.0 §2): POST /kmip over mutual TLS, the body in TTLV, XML
/// or JSON by its Content-Type, answered in the same; the same client identities and limits as the TTLV port; every
/// error with its own status, or a KMIP Invalid Message response when the body is not a KMIP request.
/// </summary>
public class HttpsBindingTests
{
    private static Task<KmsFixture> StartAsync(Action<KmipServerOptions>? configure = null) => KmsFixture.StartAsync(o =>
    {
        o.HttpsEndpoint = new IPEndPoint(IPAddress.Loopback, 0);
        configure?.Invoke(o);
    });

    private static KmipClientOptions HttpsOptions(KmsFixture kms, MessageEncoding encoding, X509Certificate2? certificate = null) =>
        kms.ClientOptions(certificate) with { Port = kms.Server.HttpsEndpoint!.Port, Transport = KmipTransport.Https, Encoding = encoding };

    /// <summary>An HTTP client with the test client certificate (or none), trusting the test CA, for requests the KMIP client would not make.</summary>
    private static HttpClient RawClient(KmsFixture kms, X509Certificate2? certificate = null)
    {
        var ca = kms.Pki.Ca.PublicCertificate;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = SslStreamCertificateContext.Create(certificate ?? kms.Pki.Client, null, offline: true),
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return cert is not null && chain.Build(new X509Certificate2(cert));
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{kms.Server.HttpsEndpoint!.Port}") };
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string contentType, byte[] body, string path = "/kmip")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await http.PostAsync(path, content, Ct);
    }

    private static TtlvNode QueryRequest() => KmipRequests.Message(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));

    [Fact]
    public async Task SetEndpointRoleClient_IsFeatureNotSupportedOverHttps_WhereEachRequestIsItsOwnExchange()
    {
        await using var kms = await StartAsync();
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, MessageEncoding.Ttlv));

        var item = KmipResponse.Parse(await https.SendAsync(KmipRequests.Message(V21, KmipBatchItems.SetEndpointRole(EndpointRole.Client)), Ct)).BatchItems.Single();

        item.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        item.ResultMessage.Should().Contain("use the KMIP port (TLS)");
        KmipResponse.Parse(await https.SendAsync(KmipRequests.Message(V21, KmipBatchItems.SetEndpointRole(EndpointRole.Server)), Ct)).BatchItems.Single().EnsureSuccess();
    }

    [Theory]
    [InlineData(MessageEncoding.Ttlv)]
    [InlineData(MessageEncoding.Xml)]
    [InlineData(MessageEncoding.Json)]
    public async Task Encoding_CreateThenGet_RoundTripsAndTheKeyIsTheSameClientsOverTls(MessageEncoding encoding)
    {
        await using var kms = await StartAsync();
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, encoding));

        var created = KmipResponse.Parse(await https.SendAsync(KmipRequests.Message(V14,
            KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt)), Ct));
        var id = IdOf(created.BatchItems.Should().ContainSingle().Subject);
        var got = KmipResponse.Parse(await https.SendAsync(KmipRequests.Message(V14, KmipBatchItems.Get(id)), Ct));
        KmipManagedObject.Parse(got.BatchItems[0].EnsureSuccess().RequiredPayload).KeyMaterial.Should().HaveCount(32);

        // One identity on both ports: the same certificate reads it over TLS, another client does not see it.
        await using var tls = await kms.ConnectAsync();
        (await tls.GetKeyBytesAsync(id)).Should().HaveCount(32);
        await using var stranger = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Stranger"));
        (await stranger.OneAsync(V14, KmipBatchItems.Get(id))).IsSuccess.Should().BeFalse();
    }

    [Theory]
    [InlineData("application/octet-stream", "application/octet-stream")]
    [InlineData("text/xml", "text/xml")]
    [InlineData("application/xml", "application/xml")]
    [InlineData("text/xml; charset=utf-8", "text/xml")]
    [InlineData("application/json", "application/json")]
    [InlineData("Application/JSON", "application/json")]
    public async Task ContentType_IsAnsweredInTheSameEncodingWithNoCache(string sent, string answered)
    {
        await using var kms = await StartAsync();
        using var http = RawClient(kms);
        MessageEncodings.TryFromContentType(sent, out var encoding).Should().BeTrue();

        using var response = await PostAsync(http, sent, MessageEncodings.Encode(QueryRequest(), encoding));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be(answered);
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        var body = await response.Content.ReadAsByteArrayAsync(Ct);
        response.Content.Headers.ContentLength.Should().Be(body.Length);
        KmipResponse.Parse(MessageEncodings.Decode(body, encoding, TtlvLimits.Default)).BatchItems[0].IsSuccess.Should().BeTrue();
    }

    [Fact]
    public async Task Get_Is405WithAllowPost()
    {
        await using var kms = await StartAsync();
        using var http = RawClient(kms);

        using var response = await http.GetAsync("/kmip", Ct);

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.Should().Equal("POST");
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("POSTed to /kmip");
    }

    [Fact]
    public async Task AnotherPath_Is404()
    {
        await using var kms = await StartAsync();
        using var http = RawClient(kms);

        using var response = await PostAsync(http, "application/octet-stream", TtlvWriter.Encode(QueryRequest()), "/");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("/kmip");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task UnsupportedContentType_Is415NamingTheThreeEncodings(string? contentType)
    {
        await using var kms = await StartAsync();
        using var http = RawClient(kms);
        var content = new ByteArrayContent(TtlvWriter.Encode(QueryRequest()));
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using var response = await http.PostAsync("/kmip", content, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("application/octet-stream").And.Contain("text/xml").And.Contain("application/json");
    }

    [Fact]
    public async Task BodyOverMaxMessageLength_Is413_AndTheClientIsServedAfterwards()
    {
        await using var kms = await StartAsync(o => o.MaxMessageLength = 4096);
        using var http = RawClient(kms);

        using (var response = await PostAsync(http, "text/xml", Encoding.UTF8.GetBytes("<RequestMessage>" + new string(' ', 5000) + "</RequestMessage>")))
        {
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("4,096 bytes");
        }
        using (var response = await PostAsync(http, "application/octet-stream", TtlvWriter.Encode(QueryRequest())))
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        await kms.Log.WaitForLineAsync(l => l.Contains("longer than the largest message accepted, 4096 bytes"));
    }

    [Fact]
    public async Task ChunkedBodyOverMaxMessageLength_Is413()
    {
        await using var kms = await StartAsync(o => o.MaxMessageLength = 4096);
        using var http = RawClient(kms);
        // A stream of unknown length goes chunked: the limit is found while reading.
        var content = new StreamContent(new MemoryStream(new byte[10_000]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, "/kmip") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    public static TheoryData<MessageEncoding, string, string> BadBodies => new()
    {
        { MessageEncoding.Ttlv, "42007801000000FF", "claims 255 bytes" },
        { MessageEncoding.Xml, "<RequestMessage><RequestHeader>", "not well-formed XML" },
        { MessageEncoding.Xml, "<NoSuchTag/>", "unknown tag name" },
        { MessageEncoding.Xml, "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><RequestMessage/>", "DTD" },
        { MessageEncoding.Xml, "<RequestMessage><RequestHeader><MaximumResponseSize type=\"Integer\" value=\"$SIZE\"/></RequestHeader></RequestMessage>", "placeholder" },
        { MessageEncoding.Xml, string.Concat(Enumerable.Repeat("<RequestMessage>", 10_000)) + string.Concat(Enumerable.Repeat("</RequestMessage>", 10_000)), "nested deeper than 32" },
        { MessageEncoding.Json, "{\"tag\": \"RequestMessage\", \"value\": [", "not well-formed JSON" },
        { MessageEncoding.Json, string.Concat(Enumerable.Repeat("{\"tag\":\"RequestMessage\",\"value\":[", 40)) + "]}", "nested deeper than 32" },
        { MessageEncoding.Json, "{\"tag\": \"BatchCount\", \"type\": \"Integer\", \"value\": \"many\"}", "BatchCount" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BodyThatIsNotAKmipMessage_GetsInvalidMessageInTheSameEncoding(MessageEncoding encoding, string body, string why)
    {
        await using var kms = await StartAsync();
        using var http = RawClient(kms);
        var bytes = encoding == MessageEncoding.Ttlv ? Convert.FromHexString(body) : Encoding.UTF8.GetBytes(body);

        using var response = await PostAsync(http, MessageEncodings.ContentType(encoding), bytes);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a KMIP response is available (§2.5)");
        response.Content.Headers.ContentType!.MediaType.Should().Be(MessageEncodings.ContentType(encoding));
        var answer = KmipResponse.Parse(MessageEncodings.Decode(await response.Content.ReadAsByteArrayAsync(Ct), encoding, TtlvLimits.Default));
        var item = answer.BatchItems.Should().ContainSingle().Subject;
        item.ResultReason.Should().Be(ResultReason.InvalidMessage);
        item.ResultMessage.Should().ContainEquivalentOf(why);
        await kms.Log.WaitForLineAsync(l => l.Contains("invalid message from") && l.Contains($"HTTPS, {encoding}"));
    }

    [Theory]
    [InlineData(MessageEncoding.Xml)]
    [InlineData(MessageEncoding.Json)]
    public async Task ResponseMessageInsteadOfARequest_GetsInvalidMessage(MessageEncoding encoding)
    {
        await using var kms = await StartAsync();
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, encoding));
        var notARequest = TtlvNode.Structure(Tag.ResponseMessage, TtlvNode.Structure(Tag.ResponseHeader, V14.ToNode()));

        var item = KmipResponse.Parse(await https.SendAsync(notARequest, Ct)).BatchItems.Should().ContainSingle().Subject;

        item.ResultReason.Should().Be(ResultReason.InvalidMessage);
        item.ResultMessage.Should().Contain("expected a RequestMessage");
    }

    [Fact]
    public async Task ClientWithoutCertificate_IsRefusedAtTheHandshake()
    {
        await using var kms = await StartAsync();
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, MessageEncoding.Ttlv) with { ClientCertificate = null });

        var send = () => https.SendAsync(QueryRequest(), Ct);

        await send.Should().ThrowAsync<KmipConnectionException>();
        await kms.Log.WaitForLineAsync(l => l.Contains("presented no client certificate"));
    }

    [Fact]
    public async Task CertificateOfAnotherCa_IsRefusedAtTheHandshake_WithALogLineNamingIt()
    {
        await using var kms = await StartAsync();
        using var otherPki = Harness.Pki.TestPki.CreateInMemory();
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, MessageEncoding.Json, otherPki.Client));

        var send = () => https.SendAsync(QueryRequest(), Ct);

        await send.Should().ThrowAsync<KmipConnectionException>();
        await kms.Log.WaitForLineAsync(l => l.Contains("refused client certificate") && l.Contains("not issued by the configured CA"));
    }

    [Fact]
    public async Task ConnectionsPerClient_CountBothPorts_TheOneOverTheLimitIsClosed()
    {
        await using var kms = await StartAsync(o => o.MaxConnectionsPerClient = 1);
        await using var tls = await kms.ConnectAsync();
        await tls.ShouldStillWorkAsync(); // the server has counted it
        await using var https = KmipHttpsClient.Create(HttpsOptions(kms, MessageEncoding.Xml));

        var send = () => https.SendAsync(QueryRequest(), Ct);

        await send.Should().ThrowAsync<KmipConnectionException>();
        await kms.Log.WaitForLineAsync(l => l.Contains("closed a new HTTPS connection") && l.Contains("MaxConnectionsPerClient"));
        // The limit is the client's own: another client is served over HTTPS meanwhile.
        await using var other = KmipHttpsClient.Create(HttpsOptions(kms, MessageEncoding.Xml, kms.Pki.Ca.IssueClient("Other")));
        KmipResponse.Parse(await other.SendAsync(QueryRequest(), Ct)).BatchItems[0].IsSuccess.Should().BeTrue();
    }

    [Fact]
    public async Task Start_WithoutHttpsEndpoint_HasNoBinding()
    {
        await using var kms = await KmsFixture.StartAsync();
        kms.Server.HttpsEndpoint.Should().BeNull();
    }
}
