using System.Net;
using System.Net.Sockets;
using Harness.Simulator.Faults;

namespace Harness.Simulator.Tests.Faults;

/// <summary>The relay as a plain TCP relay, in front of an echo server: byte-exact forwarding, closes, faults.</summary>
public class KmsRelayTcpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Relay_LargePayloadBothWaysAtOnce_ArrivesIntactAndInOrder()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var log = new RelayLog(relay);
        var payload = RawTcp.RandomPayload(16 * 1024 * 1024 + 17, seed: 1);

        using var socket = await RawTcp.ConnectAsync(relay.Endpoint);
        var echoed = await RawTcp.ExchangeAsync(socket, payload);

        echoed.Should().Equal(payload);
        await log.WaitForAsync(" closed (");
        relay.BytesForwarded.Should().Be(2L * payload.Length);
        relay.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task Relay_ClientClosesItsSide_ServerSeesTheCloseAndAnswersFirst()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var payload = RawTcp.RandomPayload(100, seed: 2);

        using var socket = await RawTcp.ConnectAsync(relay.Endpoint);
        await socket.SendAsync(payload, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);

        // The echo server only closes once it has read the client's FIN, and its own FIN comes back after the echo.
        (await RawTcp.ReadToEndAsync(socket)).Should().Equal(payload);
    }

    [Fact]
    public async Task Relay_ManyConnectionsAtOnce_EachGetsItsOwnBytesBack()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var log = new RelayLog(relay);
        const int connections = 32, length = 256 * 1024;

        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
        {
            var payload = RawTcp.RandomPayload(length, seed: 100 + i);
            using var socket = await RawTcp.ConnectAsync(relay.Endpoint);
            return (payload, echoed: await RawTcp.ExchangeAsync(socket, payload));
        }));

        results.Should().AllSatisfy(r => r.echoed.Should().Equal(r.payload));
        relay.ConnectionsAccepted.Should().Be(connections);
        await log.WaitForCountAsync(" closed (", connections);
        relay.OpenConnections.Should().Be(0);
        relay.BytesForwarded.Should().Be(2L * connections * length);
    }

    [Fact]
    public async Task Stall_BytesSentMeanwhile_AreHeldAndDeliveredInOrderOnRestore()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var log = new RelayLog(relay);
        // More than the relay holds, so flow control must push back on the sender meanwhile.
        var payload = RawTcp.RandomPayload(4 * KmsRelay.HoldLimit + 3, seed: 3);
        using var socket = await RawTcp.ConnectAsync(relay.Endpoint);

        relay.Stall();
        var exchange = RawTcp.ExchangeAsync(socket, payload);
        await log.WaitForAsync("holding bytes from the client");
        long forwardedWhileStalled = relay.BytesForwarded;
        relay.Restore();

        (await exchange).Should().Equal(payload);
        forwardedWhileStalled.Should().Be(0);
    }

    [Fact]
    public async Task Refuse_OpenConnection_IsResetAndNewConnectsAreRefused()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        using var open = await RawTcp.ConnectAsync(relay.Endpoint);
        var ping = new byte[] { 1, 2, 3 };
        await open.SendAsync(ping, SocketFlags.None);
        var back = new byte[3];
        (await open.ReceiveAsync(back, SocketFlags.None)).Should().Be(3);

        relay.Refuse();

        var read = async () => await open.ReceiveAsync(back, SocketFlags.None).WaitAsync(Bounds.Wait);
        (await read.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        var connect = () => RawTcp.ConnectAsync(relay.Endpoint);
        (await connect.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        relay.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task Restore_AfterRefuse_ListensOnTheSamePortAgain()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var endpoint = relay.Endpoint;
        // Connections closed by the relay first leave the port with sockets in TIME_WAIT.
        for (int i = 0; i < 3; i++)
        {
            using var socket = await RawTcp.ConnectAsync(endpoint);
            (await RawTcp.ExchangeAsync(socket, [(byte)i])).Should().Equal((byte)i);
        }

        for (int round = 0; round < 3; round++)
        {
            relay.Refuse();
            await FluentActions.Awaiting(() => RawTcp.ConnectAsync(endpoint)).Should().ThrowAsync<SocketException>();
            relay.Restore();
            using var socket = await RawTcp.ConnectAsync(endpoint);
            (await RawTcp.ExchangeAsync(socket, [42, (byte)round])).Should().Equal(42, (byte)round);
        }
        relay.Endpoint.Should().Be(endpoint);
    }

    [Fact]
    public async Task Restore_WithRelayClosedConnectionsInTimeWait_ListensOnTheSamePortAgain()
    {
        // The target hangs up at once, so the relay closes the client side first: that side waits in TIME_WAIT on the port.
        await using var hangUp = EchoServer.Start(hangUpAtOnce: true);
        await using var relay = await KmsRelay.StartAsync(hangUp.Endpoint, "hang-up/1", Ct);
        var log = new RelayLog(relay);
        for (int i = 0; i < 3; i++)
        {
            using var socket = await RawTcp.ConnectAsync(relay.Endpoint);
            (await RawTcp.ReadToEndAsync(socket)).Should().BeEmpty();
        }
        await log.WaitForCountAsync(" closed (", 3);

        relay.Refuse();
        relay.Restore();

        using var again = await RawTcp.ConnectAsync(relay.Endpoint);
        (await RawTcp.ReadToEndAsync(again)).Should().BeEmpty();
        await log.WaitForAsync("accepted connection #4 from");
    }

    [Fact]
    public async Task Connection_WhenTheTargetIsDown_IsReset()
    {
        // A port that is bound but not listening refuses connections, and nothing else can take it meanwhile.
        using var down = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        down.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var relay = await KmsRelay.StartAsync((IPEndPoint)down.LocalEndPoint!, "kms-down/1", Ct);
        var log = new RelayLog(relay);

        // The relay accepts, fails to reach the target and resets: the client sees the reset when its connect
        // completes or at its first read, whichever comes after the RST.
        var connectAndRead = async () =>
        {
            using var socket = await RawTcp.ConnectAsync(relay.Endpoint);
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bounds.Wait);
        };

        (await connectAndRead.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        (await log.WaitForAsync("cannot reach the KMS")).Should().StartWith("kms-down/1: connection #1 from 127.0.0.1:");
        relay.OpenConnections.Should().Be(0);
    }

    [Fact]
    public async Task Stall_ClientGivesUp_TheRelayedConnectionEnds()
    {
        await using var echo = EchoServer.Start();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var log = new RelayLog(relay);
        relay.Stall();

        using (var socket = await RawTcp.ConnectAsync(relay.Endpoint))
        {
            await socket.SendAsync(new byte[] { 7 }, SocketFlags.None);
            await log.WaitForAsync("holding bytes from the client");
            socket.Shutdown(SocketShutdown.Send);
        }

        await log.WaitForAsync("the client closed its side while the KMS was stalled");
        relay.OpenConnections.Should().Be(0);
        relay.BytesForwarded.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_WithOpenConnections_FinishesAndResetsThem()
    {
        await using var echo = EchoServer.Start();
        var relay = await KmsRelay.StartAsync(echo.Endpoint, "echo/1", Ct);
        var log = new RelayLog(relay);
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var socket = await RawTcp.ConnectAsync(relay.Endpoint);
                sockets.Add(socket);
                (await socket.SendAsync(new byte[] { (byte)i }, SocketFlags.None)).Should().Be(1);
                var one = new byte[1];
                (await socket.ReceiveAsync(one, SocketFlags.None)).Should().Be(1);
            }
            relay.OpenConnections.Should().Be(8);

            await relay.DisposeAsync().AsTask().WaitAsync(Bounds.Wait, Ct);

            relay.OpenConnections.Should().Be(0);
            foreach (var socket in sockets)
            {
                var read = async () => await socket.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bounds.Wait);
                (await read.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
            }
            await log.WaitForAsync("echo/1: stopped");
            await relay.DisposeAsync(); // twice is harmless
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
            await relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_AnyRelay_ListensOnLoopbackAndNamesItselfInTheLog()
    {
        await using var echo = EchoServer.Start();
        var lines = new List<string>();
        await using var relay = await KmsRelay.StartAsync(echo.Endpoint, "kms-prod/1", Ct);
        relay.Log += line => { lock (lines) lines.Add(line); };

        relay.Stall();
        relay.Restore();
        relay.Refuse();
        relay.Refuse();
        relay.Restore();

        relay.Name.Should().Be("kms-prod/1");
        relay.Endpoint.Address.Should().Be(IPAddress.Loopback);
        relay.Mode.Should().Be(RelayMode.Pass);
        lock (lines)
        {
            lines.Should().HaveCount(4, "the second Refuse changes nothing");
            lines.Should().OnlyContain(l => l.StartsWith("kms-prod/1: ", StringComparison.Ordinal));
        }
    }
}
