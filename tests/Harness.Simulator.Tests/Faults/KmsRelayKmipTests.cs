using System.Net.Sockets;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Simulator.Faults;

namespace Harness.Simulator.Tests.Faults;

/// <summary>The relay in front of a real Harness KMS, with the real KMIP client over mutual TLS going through it.</summary>
public class KmsRelayKmipTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KmipExchange_InPassMode_ReachesTheKmsOverMutualTls()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        await using var client = await kms.ConnectAsync();

        var key = await KmsBehindRelay.CreateAndGetKeyAsync(client);

        key.Should().HaveCount(32);
        client.ServerCertificate!.Thumbprint.Should().Be(kms.Pki.Server.Thumbprint, "the TLS session runs end to end with the KMS");
        kms.Relay.Mode.Should().Be(RelayMode.Pass);
        kms.Relay.ConnectionsAccepted.Should().Be(1);
        kms.Relay.OpenConnections.Should().Be(1);
        kms.Relay.BytesForwarded.Should().BeGreaterThan(0);
        kms.Relay.Endpoint.Address.ToString().Should().Be("127.0.0.1");
        kms.Relay.Endpoint.Port.Should().NotBe(kms.Server.Endpoint.Port);
        kms.Relay.Target.Should().Be(kms.Server.Endpoint);
    }

    [Fact]
    public async Task ConnectAsync_AfterRefuse_FailsFastWithConnectionRefused()
    {
        await using var kms = await KmsBehindRelay.StartAsync();

        kms.Relay.Refuse();
        var connecting = () => kms.ConnectAsync(connectTimeout: Bounds.LongRequest);

        var failure = await connecting.Should().ThrowAsync<KmipConnectionException>();
        failure.Which.Should().NotBeOfType<KmipTimeoutException>();
        failure.Which.InnerException.Should().BeOfType<SocketException>()
            .Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        kms.Relay.Mode.Should().Be(RelayMode.Refuse);
        kms.Relay.ConnectionsAccepted.Should().Be(0);
    }

    [Fact]
    public async Task SendAsync_OnOpenConnectionAfterRefuse_FailsAsConnectionLost()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        await using var client = await kms.ConnectAsync(receiveTimeout: Bounds.LongRequest);
        await KmsBehindRelay.CreateAndGetKeyAsync(client);

        kms.Relay.Refuse();
        var request = () => new KmipOperations(client, ProtocolVersion.V1_1).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

        var failure = await request.Should().ThrowAsync<KmipConnectionException>();
        failure.Which.Should().NotBeOfType<KmipTimeoutException>("a dropped connection fails at once, it does not hang");
        client.IsConnected.Should().BeFalse();
        kms.Relay.OpenConnections.Should().Be(0);
        (await kms.Log.WaitForAsync("reset 1 open connection")).Should().StartWith("kms-test/1: refusing connections");
    }

    [Fact]
    public async Task SendAsync_WhileStalled_TimesOutAtTheReceiveTimeout()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        await using var client = await kms.ConnectAsync(receiveTimeout: TimeSpan.FromMilliseconds(300));
        await new KmipOperations(client, ProtocolVersion.V1_1).DiscoverVersionsAsync(ct: Ct);

        kms.Relay.Stall();
        var request = () => new KmipOperations(client, ProtocolVersion.V1_1).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

        var failure = await request.Should().ThrowAsync<KmipTimeoutException>();
        failure.Which.Phase.Should().Be(KmipTimeoutPhase.Receive);
        kms.Relay.Mode.Should().Be(RelayMode.Stall);
        await kms.Log.WaitForAsync("holding bytes from the client");
        // The client gives up and closes; the relay notices although it forwards nothing.
        await kms.Log.WaitForAsync("the client closed its side while the KMS was stalled");
        kms.Relay.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task ConnectAsync_WhileStalled_IsAcceptedButTheHandshakeTimesOut()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        kms.Relay.Stall();

        var connecting = () => kms.ConnectAsync(connectTimeout: TimeSpan.FromMilliseconds(300));

        var failure = await connecting.Should().ThrowAsync<KmipTimeoutException>();
        failure.Which.Phase.Should().Be(KmipTimeoutPhase.Connect);
        await kms.Log.WaitForAsync("holding bytes from the client");
        kms.Relay.ConnectionsAccepted.Should().Be(1, "a stalled KMS still completes the TCP handshake");
    }

    [Fact]
    public async Task Restore_AfterStall_DeliversTheHeldRequest()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        await using var client = await kms.ConnectAsync(receiveTimeout: Bounds.LongRequest);
        var ops = new KmipOperations(client, ProtocolVersion.V1_1);
        await ops.DiscoverVersionsAsync(ct: Ct);

        kms.Relay.Stall();
        var creating = ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt, Ct);
        await kms.Log.WaitForAsync("holding bytes from the client");
        creating.IsCompleted.Should().BeFalse("the request is held by the relay");
        kms.Relay.Restore();

        var id = await creating.WaitAsync(Bounds.LongRequest, Ct);
        (await ops.GetAsync(id, ct: Ct)).KeyMaterial.Should().HaveCount(32);
        kms.Relay.Mode.Should().Be(RelayMode.Pass);
        kms.Relay.ConnectionsAccepted.Should().Be(1);
    }

    [Fact]
    public async Task Restore_AfterRefuse_RelaysAgainOnTheSameEndpoint()
    {
        await using var kms = await KmsBehindRelay.StartAsync();
        var endpoint = kms.Relay.Endpoint;
        await using (var before = await kms.ConnectAsync())
            await KmsBehindRelay.CreateAndGetKeyAsync(before);

        kms.Relay.Refuse();
        await FluentActions.Awaiting(() => kms.ConnectAsync()).Should().ThrowAsync<KmipConnectionException>();
        kms.Relay.Restore();

        kms.Relay.Endpoint.Should().Be(endpoint);
        kms.Relay.Mode.Should().Be(RelayMode.Pass);
        await using var after = await kms.ConnectAsync();
        (await KmsBehindRelay.CreateAndGetKeyAsync(after)).Should().HaveCount(32);
        after.Options.Port.Should().Be(endpoint.Port);
    }

    [Fact]
    public async Task Restore_AfterRefuseThenStall_RelaysAgain()
    {
        await using var kms = await KmsBehindRelay.StartAsync();

        kms.Relay.Refuse();
        kms.Relay.Stall();
        kms.Relay.Mode.Should().Be(RelayMode.Stall);
        kms.Relay.Restore();

        await using var client = await kms.ConnectAsync();
        (await KmsBehindRelay.CreateAndGetKeyAsync(client)).Should().HaveCount(32);
    }

    [Fact]
    public async Task Relay_ManyClientsAtOnce_AllCompleteTheirExchange()
    {
        await using var kms = await KmsBehindRelay.StartAsync();

        var keys = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            await using var client = await kms.ConnectAsync();
            return await KmsBehindRelay.CreateAndGetKeyAsync(client);
        })).WaitAsync(Bounds.LongRequest, Ct);

        keys.Should().HaveCount(16).And.OnlyContain(k => k.Length == 32);
        kms.Relay.ConnectionsAccepted.Should().Be(16);
    }

    [Fact]
    public async Task DisposeAsync_WithOpenAndStalledConnections_Finishes()
    {
        var kms = await KmsBehindRelay.StartAsync();
        try
        {
            var idle = await kms.ConnectAsync();
            var stalled = await kms.ConnectAsync(receiveTimeout: Bounds.LongRequest);
            kms.Relay.Stall();
            var held = new KmipOperations(stalled, ProtocolVersion.V1_1).DiscoverVersionsAsync(ct: Ct);
            await kms.Log.WaitForAsync("holding bytes from the client");
            kms.Relay.OpenConnections.Should().Be(2);

            await kms.Relay.DisposeAsync().AsTask().WaitAsync(Bounds.Wait, Ct);

            kms.Relay.OpenConnections.Should().Be(0);
            var failure = await FluentActions.Awaiting(() => held.WaitAsync(Bounds.LongRequest)).Should().ThrowAsync<KmipConnectionException>();
            failure.Which.Should().NotBeOfType<KmipTimeoutException>();
            await FluentActions.Awaiting(() => new KmipOperations(idle, ProtocolVersion.V1_1).DiscoverVersionsAsync(ct: Ct))
                .Should().ThrowAsync<KmipConnectionException>();
            await FluentActions.Awaiting(() => kms.ConnectAsync()).Should().ThrowAsync<KmipConnectionException>();
            FluentActions.Invoking(() => kms.Relay.Restore()).Should().Throw<ObjectDisposedException>();
            await idle.DisposeAsync();
            await stalled.DisposeAsync();
            (await kms.Log.WaitForAsync("kms-test/1: stopped")).Should().Be("kms-test/1: stopped");
        }
        finally
        {
            await kms.DisposeAsync();
        }
    }
}
