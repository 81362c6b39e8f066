using System.Net;
using System.Net.Sockets;
using Harness.Kmip.Client.Tests.Support;
using Harness.Pki;

namespace Harness.Kmip.Client.Tests;

/// <summary>The client against a scripted fake peer over real TLS on 127.0.0.1.</summary>
public sealed class KmipClientTests
{
    /// <summary>A guard against hangs: generous, and never what a test asserts.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TtlvNode DiscoverVersionsRequest() =>
        KmipRequests.Message(ProtocolVersion.V1_4, KmipBatchItems.DiscoverVersions([ProtocolVersion.V1_4, ProtocolVersion.V1_1]));

    [Fact]
    public async Task SendAsync_DiscoverVersions_RoundTripsCannedResponse()
    {
        TtlvNode? seen = null;
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            seen = await c.ReadRequestNodeAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions, ct);
            await c.ReadRequestAsync(ct);
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);

        var response = KmipResponse.Parse(await client.SendAsync(DiscoverVersionsRequest(), Ct).WaitAsync(HangGuard, Ct));

        seen!.Tag.Should().Be(Tag.RequestMessage);
        seen.Required(Tag.BatchItem).Required(Tag.Operation).AsEnumOf<Operation>().Should().Be(Operation.DiscoverVersions);
        response.ProtocolVersion.Should().Be(ProtocolVersion.V1_4);
        response.TimeStamp.Should().Be(DateTimeOffset.FromUnixTimeSeconds(0x6553F100));
        response.BatchCount.Should().Be(1);
        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.Operation.Should().Be(Operation.DiscoverVersions);
        item.ResultStatus.Should().Be(ResultStatus.Success);
        item.ResponsePayload!.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.FromTtlv)
            .Should().Equal(ProtocolVersion.V1_4, ProtocolVersion.V1_1);
    }

    [Fact]
    public async Task ConnectAsync_MutualTls_PeerSeesTheClientCertificate()
    {
        var seenSubject = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            seenSubject.SetResult(c.ClientCertificate?.Subject);
        });

        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        await client.WriteRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct);

        (await seenSubject.Task.WaitAsync(HangGuard, Ct)).Should().Be("CN=Harness Client");
        client.ServerCertificate!.Subject.Should().Be("CN=Harness KMS");
        client.NegotiatedProtocol.Should().BeOneOf(System.Security.Authentication.SslProtocols.Tls12, System.Security.Authentication.SslProtocols.Tls13);
    }

    [Fact]
    public async Task SendRawAsync_ServerClosesMidResponse_ThrowsConnectionClosed()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions[..20], ct);
            c.Abort();
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);

        var act = () => client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct).WaitAsync(HangGuard, Ct);

        var thrown = await act.Should().ThrowAsync<KmipConnectionClosedException>();
        thrown.Which.BytesReceived.Should().Be(20);
        thrown.Which.Message.Should().Contain("after 20 of the 216 bytes");
        client.IsConnected.Should().BeFalse();
    }

    [Fact]
    public async Task SendRawAsync_ServerClosesInsideHeader_ThrowsConnectionClosed()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions[..3], ct);
            c.Abort();
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);

        var act = () => client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipConnectionClosedException>()).WithMessage("*after 3 of the 8 header bytes*");
    }

    [Fact]
    public async Task SendRawAsync_ServerClosesWithoutAnswering_ThrowsConnectionClosed()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            c.Abort();
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);

        var act = () => client.SendRawAsync(Hex.Parse("420078 | 01 | 00000000"), Ct).WaitAsync(HangGuard, Ct);

        await act.Should().ThrowAsync<KmipConnectionClosedException>();
    }

    [Fact]
    public async Task SendRawAsync_AfterConnectionLost_ThrowsConnectionClosedImmediately()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            c.Abort();
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var request = TtlvWriter.Encode(DiscoverVersionsRequest());
        await FluentActions.Awaiting(() => client.SendRawAsync(request, Ct).WaitAsync(HangGuard, Ct))
            .Should().ThrowAsync<KmipConnectionClosedException>();

        var again = () => client.SendRawAsync(request, Ct).WaitAsync(HangGuard, Ct);

        (await again.Should().ThrowAsync<KmipConnectionClosedException>()).WithMessage("*no longer usable*");
    }

    [Fact]
    public async Task ReadRawResponseAsync_ServerClosesCleanly_ReturnsNull()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.CloseAsync();
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        await client.WriteRawAsync(Hex.Parse("420078 | 01 | 00000000"), Ct);

        var response = await client.ReadRawResponseAsync(Ct).WaitAsync(HangGuard, Ct);

        response.Should().BeNull();
        client.IsConnected.Should().BeFalse();
    }

    [Fact]
    public async Task SendAsync_ServerSendsNothing_ThrowsReceiveTimeout()
    {
        var release = new TaskCompletionSource();
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await release.Task.WaitAsync(ct);
        });
        var options = peer.ClientOptions() with { ReceiveTimeout = TimeSpan.FromMilliseconds(500) };
        await using var client = await KmipClient.ConnectAsync(options, Ct);

        var act = () => client.SendAsync(DiscoverVersionsRequest(), Ct).WaitAsync(HangGuard, Ct);

        var thrown = await act.Should().ThrowAsync<KmipTimeoutException>();
        thrown.Which.Phase.Should().Be(KmipTimeoutPhase.Receive);
        thrown.Which.Message.Should().Contain("500 ms");
        client.IsConnected.Should().BeFalse();
        release.SetResult();
    }

    [Fact]
    public async Task SendAsync_ServerSendsPartOfResponseThenStalls_ThrowsReceiveTimeout()
    {
        var release = new TaskCompletionSource();
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions[..100], ct);
            await release.Task.WaitAsync(ct);
        });
        var options = peer.ClientOptions() with { ReceiveTimeout = TimeSpan.FromMilliseconds(500) };
        await using var client = await KmipClient.ConnectAsync(options, Ct);

        var act = () => client.SendAsync(DiscoverVersionsRequest(), Ct).WaitAsync(HangGuard, Ct);

        await act.Should().ThrowAsync<KmipTimeoutException>();
        release.SetResult();
    }

    [Fact]
    public async Task ConnectAsync_ServerNeverCompletesHandshake_ThrowsConnectTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new KmipClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            AcceptAnyServerCertificate = true,
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
        };

        var act = () => KmipClient.ConnectAsync(options, Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipTimeoutException>()).Which.Phase.Should().Be(KmipTimeoutPhase.Connect);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionException()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var options = new KmipClientOptions { Host = "127.0.0.1", Port = port, AcceptAnyServerCertificate = true };

        var act = () => KmipClient.ConnectAsync(options, Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipConnectionException>()).WithMessage($"cannot connect to 127.0.0.1:{port}*");
    }

    [Fact]
    public async Task ConnectAsync_PinnedThumbprintDoesNotMatch_RefusesNamingBothThumbprints()
    {
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct));
        using var other = CertificateAuthority.CreateSelfSigned("Other KMS");
        var pinned = Thumbprints.Sha1(other);
        var options = peer.ClientOptions() with { TrustedCa = null, ServerThumbprintSha1 = pinned };

        var act = () => KmipClient.ConnectAsync(options, Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipTlsException>())
            .WithMessage($"*{Thumbprints.Sha1(TestCertificates.Pki.Server)}*not the pinned {pinned}*");
    }

    [Fact]
    public async Task ConnectAsync_PinnedThumbprintMatchesInLowercase_Connects()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions, ct);
        });
        var pin = Thumbprints.Sha1(TestCertificates.Pki.Server).ToLowerInvariant();
        var options = peer.ClientOptions() with { TrustedCa = null, ServerThumbprintSha1 = pin };

        await using var client = await KmipClient.ConnectAsync(options, Ct);
        var response = await client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct).WaitAsync(HangGuard, Ct);

        response.Should().Equal(CannedResponses.DiscoverVersions);
    }

    [Fact]
    public async Task ConnectAsync_ServerCertificateFromAnotherCa_RefusesNamingTheTrustedCa()
    {
        using var stranger = CertificateAuthority.CreateSelfSigned("Rogue KMS");
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct), serverCertificate: stranger);

        var act = () => KmipClient.ConnectAsync(peer.ClientOptions(), Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipTlsException>())
            .WithMessage("*'CN=Rogue KMS'*does not validate against the trusted CA 'CN=Harness Test CA'*");
    }

    [Fact]
    public async Task ConnectAsync_ServerNameNotInCertificate_Refuses()
    {
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct));
        var options = peer.ClientOptions() with { TargetHost = "kms.elsewhere.example" };

        var act = () => KmipClient.ConnectAsync(options, Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipTlsException>()).WithMessage("*does not name 'kms.elsewhere.example'*");
    }

    [Fact]
    public async Task ConnectAsync_ServerNameNotCheckedWhenDisabled_Connects()
    {
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct));
        var options = peer.ClientOptions() with { TargetHost = "kms.elsewhere.example", VerifyServerName = false };

        await using var client = await KmipClient.ConnectAsync(options, Ct);

        client.IsConnected.Should().BeTrue();
    }

    [Fact]
    public async Task ConnectAsync_ServerRefusesUntrustedClientCertificate_FailsWithTlsException()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.DiscoverVersions, ct);
        });
        using var untrusted = CertificateAuthority.CreateSelfSigned("Unknown vCenter");
        var options = peer.ClientOptions() with { ClientCertificate = untrusted };

        // TLS 1.2 refuses during the handshake; TLS 1.3 completes the client's side first and the refusal arrives with
        // the first read. Either way the caller gets a TLS error, not a response.
        var act = async () =>
        {
            await using var client = await KmipClient.ConnectAsync(options, Ct);
            await client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct);
        };

        var thrown = await FluentActions.Awaiting(() => act().WaitAsync(HangGuard, Ct)).Should().ThrowAsync<KmipConnectionException>();
        TestContext.Current.TestOutputHelper?.WriteLine(thrown.Which.GetType().Name + ": " + thrown.Which.Message);
        peer.HandshakeFailures.Should().NotBeEmpty();
    }

    [Fact]
    public async Task SendRawAsync_ResponseLengthBeyondMaxResponseLength_ThrowsResponseTooLarge()
    {
        var release = new TaskCompletionSource();
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(Hex.Parse("42007B | 01 | 00100000"), ct);
            await release.Task.WaitAsync(ct);
        });
        var options = peer.ClientOptions() with { MaxResponseLength = 1024 };
        await using var client = await KmipClient.ConnectAsync(options, Ct);

        var act = () => client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct).WaitAsync(HangGuard, Ct);

        var thrown = await act.Should().ThrowAsync<KmipResponseTooLargeException>();
        thrown.Which.AnnouncedLength.Should().Be(0x100008);
        thrown.Which.Limit.Should().Be(1024);
        thrown.Which.Message.Should().Contain("MaxResponseLength");
        client.IsConnected.Should().BeFalse();
        release.SetResult();
    }

    [Fact]
    public async Task SendRawAsync_ResponseIsNotAStructure_ThrowsProtocolException()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.WriteAsync(Hex.Parse("42007B | 07 | 00000004 | 41424344 00000000"), ct);
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);

        var act = () => client.SendRawAsync(TtlvWriter.Encode(DiscoverVersionsRequest()), Ct).WaitAsync(HangGuard, Ct);

        (await act.Should().ThrowAsync<KmipProtocolException>()).WithMessage("*does not start a KMIP message*");
    }

    [Fact]
    public async Task SendRawAsync_MalformedRequest_ReturnsWhateverTheServerAnswers()
    {
        byte[]? seen = null;
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            seen = await c.ReadRequestAsync(ct);
            await c.WriteAsync(CannedResponses.Message(CannedResponses.Failure(Operation.DiscoverVersions, ResultReason.InvalidMessage, "bad")), ct);
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var malformed = Hex.Parse("420078 | 01 | 00000008 | 42000D 02 00000009");

        var raw = await client.SendRawAsync(malformed, Ct).WaitAsync(HangGuard, Ct);

        seen.Should().Equal(malformed);
        KmipResponse.Parse(TtlvReader.Decode(raw)).BatchItems[0].ResultReason.Should().Be(ResultReason.InvalidMessage);
    }

    [Fact]
    public async Task SendAsync_ConcurrentCallers_EachGetsTheResponseToItsOwnRequest()
    {
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            while (await c.ReadRequestNodeAsync(ct) is { } request)
            {
                var id = request.Required(Tag.BatchItem).Required(Tag.UniqueBatchItemID).AsBytes;
                await c.WriteAsync(CannedResponses.Message(CannedResponses.Success(Operation.DiscoverVersions,
                    TtlvNode.Structure(Tag.ResponsePayload), id)), ct);
            }
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        var assign = new KmipRequestOptions { AssignBatchItemIds = true };

        var exchanges = Enumerable.Range(0, 32).Select(async _ =>
        {
            var request = KmipRequests.Message(ProtocolVersion.V1_1, assign, KmipBatchItems.DiscoverVersions());
            var sentId = request.Required(Tag.BatchItem).Required(Tag.UniqueBatchItemID).AsBytes;
            var response = await client.SendMessageAsync(request, Ct);
            return (sentId, receivedId: response.BatchItems[0].UniqueBatchItemId!);
        });
        var results = await Task.WhenAll(exchanges).WaitAsync(HangGuard, Ct);

        results.Should().AllSatisfy(r => r.receivedId.Should().Equal(r.sentId));
        peer.ScriptFailures.Should().BeEmpty();
    }

    [Fact]
    public async Task SendAsync_CallerCancelsWhileWaiting_ThrowsOperationCanceled()
    {
        var release = new TaskCompletionSource();
        await using var peer = FakeKmipPeer.Start(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await release.Task.WaitAsync(ct);
        });
        await using var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

        var act = () => client.SendAsync(DiscoverVersionsRequest(), cancel.Token).WaitAsync(HangGuard, Ct);

        await act.Should().ThrowAsync<OperationCanceledException>();
        client.IsConnected.Should().BeFalse("a response may still arrive, so the connection cannot be reused");
        release.SetResult();
    }

    [Fact]
    public async Task SendAsync_DisposedClient_ThrowsObjectDisposed()
    {
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct));
        var client = await KmipClient.ConnectAsync(peer.ClientOptions(), Ct);
        await client.DisposeAsync();

        var act = () => client.SendAsync(DiscoverVersionsRequest(), Ct);

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task ConnectAsync_NoTrustChoice_ThrowsArgumentException()
    {
        var options = new KmipClientOptions { Host = "127.0.0.1", Port = 5696 };

        var act = () => KmipClient.ConnectAsync(options, Ct);

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*TrustedCa, ServerThumbprintSha1 or AcceptAnyServerCertificate*");
    }

    [Fact]
    public async Task ConnectAsync_AcceptAnyCombinedWithPin_ThrowsArgumentException()
    {
        var options = new KmipClientOptions { Host = "127.0.0.1", AcceptAnyServerCertificate = true, ServerThumbprintSha1 = "AB:CD" };

        var act = () => KmipClient.ConnectAsync(options, Ct);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task ConnectAsync_Tls12Only_NegotiatesTls12()
    {
        await using var peer = FakeKmipPeer.Start((c, ct) => c.ReadRequestAsync(ct));
        var options = peer.ClientOptions() with { SslProtocols = System.Security.Authentication.SslProtocols.Tls12 };

        await using var client = await KmipClient.ConnectAsync(options, Ct);

        client.NegotiatedProtocol.Should().Be(System.Security.Authentication.SslProtocols.Tls12);
    }
}
