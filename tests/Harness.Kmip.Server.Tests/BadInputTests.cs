using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Bad input gets a clear, specific error and loses nothing (ARCHITECTURE "Rules of the house"): a malformed KMIP
/// message gets a KMIP error response, or the connection is closed when framing is lost; the server keeps serving a
/// client that connected before, and writes one log line about the bad client.
/// </summary>
public class BadInputTests
{
    /// <summary>A server, a well-behaved client connected first, and a second client that sends the bad input.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        public const string BadSubject = "CN=Bad Input Client";

        public required KmsFixture Kms { get; init; }
        public required KmipClient Good { get; init; }
        public required KmipClient Bad { get; init; }
        public required X509Certificate2 BadCertificate { get; init; }

        public static async Task<Scenario> StartAsync(Action<KmipServerOptions>? configure = null)
        {
            var kms = await KmsFixture.StartAsync(configure);
            var good = await kms.ConnectAsync();
            await good.ShouldStillWorkAsync();
            var badCert = kms.Pki.Ca.IssueClient("Bad Input Client");
            var bad = await KmipClient.ConnectAsync(kms.ClientOptions(badCert) with { ReceiveTimeout = TimeSpan.FromSeconds(10) }, Ct);
            return new Scenario { Kms = kms, Good = good, Bad = bad, BadCertificate = badCert };
        }

        /// <summary>The one failed batch item of a response to the bad client.</summary>
        public static ResponseBatchItem OneFailure(KmipResponse response)
        {
            var item = response.BatchItems.Should().ContainSingle().Subject;
            item.ResultStatus.Should().Be(ResultStatus.OperationFailed);
            item.ResultMessage.Should().NotBeNullOrWhiteSpace();
            return item;
        }

        /// <summary>
        /// The client connected before still works, and the server wrote exactly one line about the bad client, which
        /// says what was wrong.
        /// </summary>
        public async Task AssertAftermathAsync(string whatWasWrong)
        {
            await Kms.Log.WaitForLineAsync(l => l.Contains(BadSubject) && l.Contains(whatWasWrong, StringComparison.OrdinalIgnoreCase));
            await Good.ShouldStillWorkAsync();
            Kms.Log.Lines.Where(l => l.Contains(BadSubject)).Should().ContainSingle()
                .Which.Should().ContainEquivalentOf(whatWasWrong);
        }

        /// <summary>After an error response the bad client's connection goes on.</summary>
        public async Task AssertBadClientStillServedAsync()
        {
            var query = await Bad.OneAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));
            query.IsSuccess.Should().BeTrue();
        }

        public async ValueTask DisposeAsync()
        {
            await Bad.DisposeAsync();
            await Good.DisposeAsync();
            BadCertificate.Dispose();
            await Kms.DisposeAsync();
        }
    }

    private static byte[] Header(int tag, ItemType type, uint length)
    {
        var header = new byte[8];
        header[0] = (byte)(tag >> 16);
        header[1] = (byte)(tag >> 8);
        header[2] = (byte)tag;
        header[3] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), length);
        return header;
    }

    private static TtlvNode RequestHeader(ProtocolVersion version, int batchCount) => TtlvNode.Structure(Tag.RequestHeader,
        version.ToNode(), TtlvNode.Integer(Tag.BatchCount, batchCount));

    private static TtlvNode Item(Operation operation, params TtlvNode?[] payload) => TtlvNode.Structure(Tag.BatchItem,
        TtlvNode.Enumeration(Tag.Operation, operation), TtlvNode.Structure(Tag.RequestPayload, payload));

    private static TtlvNode Message(TtlvNode header, params TtlvNode[] items) => TtlvNode.Structure(Tag.RequestMessage, items.Prepend(header));

    private static TtlvNode Aes256Template() => TtlvNode.Structure(Tag.TemplateAttribute, KmipAttribute.Aes256EncryptDecrypt.Select(a => a.ToV1()));

    [Fact]
    public async Task Message_TruncatedAndClientCloses_ServerLogsTheCutAndKeepsServing()
    {
        await using var s = await Scenario.StartAsync();
        // The header announces 256 bytes; 16 follow, then the client closes.
        await s.Bad.WriteRawAsync((byte[])[.. Header(0x420078, ItemType.Structure, 256), .. new byte[16]], Ct);
        await s.Bad.DisposeAsync();

        await s.AssertAftermathAsync("closed in the middle of a 264-byte message");
    }

    [Fact]
    public async Task Message_DeclaredLengthBeyondLimit_ConnectionClosedWithoutReadingIt()
    {
        await using var s = await Scenario.StartAsync(o => o.MaxMessageLength = 4096);
        // Only the 8 header bytes are sent: a server that waited for the announced 1 MiB would never answer or close.
        await s.Bad.WriteRawAsync(Header(0x420078, ItemType.Structure, 1 << 20), Ct);

        await s.Bad.ExpectClosedByServerAsync();
        await s.AssertAftermathAsync("exceeds the limit of 4096 bytes");
    }

    [Fact]
    public async Task Message_FirstItemNotAStructure_ConnectionClosed()
    {
        await using var s = await Scenario.StartAsync();
        // RequestMessage tag, but an Integer: the framing cannot be trusted.
        await s.Bad.WriteRawAsync((byte[])[.. Header(0x420078, ItemType.Integer, 4), 0, 0, 0, 1, 0, 0, 0, 0], Ct);

        await s.Bad.ExpectClosedByServerAsync();
        await s.AssertAftermathAsync("must be a Structure");
    }

    [Fact]
    public async Task Message_BatchCountAsTextString_InvalidField()
    {
        await using var s = await Scenario.StartAsync();
        var header = TtlvNode.Structure(Tag.RequestHeader, V14.ToNode(), TtlvNode.Text(Tag.BatchCount, "1"));
        var request = Message(header, Item(Operation.Query, TtlvNode.Enumeration(Tag.QueryFunction, QueryFunction.QueryOperations)));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        Scenario.OneFailure(response).ResultReason.Should().BeOneOf(ResultReason.InvalidField, ResultReason.InvalidMessage);
        response.BatchItems[0].ResultMessage.Should().Contain("BatchCount");
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("BatchCount is a TextString");
    }

    [Fact]
    public async Task Payload_UnknownTag_InvalidField()
    {
        TagNames.IsKnown(0x42FFFF).Should().BeFalse("the test needs a tag KMIP does not define");
        await using var s = await Scenario.StartAsync();
        var request = Message(RequestHeader(V14, 1), Item(Operation.Create,
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), Aes256Template(),
            TtlvNode.Create(0x42FFFF, ItemType.TextString, 0, "what is this")));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        var failure = Scenario.OneFailure(response);
        failure.ResultReason.Should().Be(ResultReason.InvalidField);
        failure.ResultMessage.Should().Contain("0x42FFFF");
        failure.Operation.Should().Be(Operation.Create);
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("unknown tag 0x42FFFF");
    }

    [Fact]
    public async Task Payload_StructuresNested100Deep_InvalidMessage()
    {
        await using var s = await Scenario.StartAsync();
        var deep = TtlvNode.Text(Tag.NameValue, "bottom");
        for (int i = 0; i < 100; i++) deep = TtlvNode.Structure(Tag.Name, deep);
        var request = Message(RequestHeader(V14, 1), Item(Operation.Locate, TtlvNode.Structure(Tag.Attribute,
            TtlvNode.Text(Tag.AttributeName, "Name"), deep.WithTag(Tag.AttributeValue))));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        Scenario.OneFailure(response).ResultReason.Should().Be(ResultReason.InvalidMessage);
        response.BatchItems[0].ResultMessage.Should().Contain("nested deeper than 32");
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("nested deeper than 32 levels");
    }

    [Fact]
    public async Task Create_ObjectTypeOutOfRange_InvalidField()
    {
        await using var s = await Scenario.StartAsync();
        var request = Message(RequestHeader(V14, 1), Item(Operation.Create,
            TtlvNode.Enumeration(Tag.ObjectType, 0x000000FFu), Aes256Template()));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        var failure = Scenario.OneFailure(response);
        failure.ResultReason.Should().Be(ResultReason.InvalidField);
        failure.ResultMessage.Should().Contain("0x000000FF").And.Contain("ObjectType");
        s.Kms.Server.State.Store.Count.Should().Be(1, "nothing was created: the one key is the good client's");
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("0x000000FF is not a valid ObjectType");
    }

    [Theory]
    [InlineData(Operation.Ping)]
    [InlineData(Operation.Login)]
    public async Task Operation_NotDefinedInTheRequestsVersion_OperationNotSupported(Operation operation)
    {
        await using var s = await Scenario.StartAsync();
        var request = Message(RequestHeader(V14, 1), Item(operation, TtlvNode.Text(Tag.UniqueIdentifier, "some-key")));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        var failure = Scenario.OneFailure(response);
        failure.ResultReason.Should().Be(ResultReason.OperationNotSupported);
        failure.Operation.Should().Be(operation);
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync($"operation {operation} is not defined in KMIP 1.4");
    }

    [Fact]
    public async Task Message_GarbageAfterValidHeader_InvalidMessage()
    {
        await using var s = await Scenario.StartAsync();
        var garbage = new byte[64];
        new Random(20240611).NextBytes(garbage);
        garbage[0] = 0x13; // not a KMIP (0x42) nor an extension (0x54) tag, whatever the seed gives

        var response = await s.Bad.SendBytesAsync([.. Header(0x420078, ItemType.Structure, 64), .. garbage]);

        Scenario.OneFailure(response).ResultReason.Should().Be(ResultReason.InvalidMessage);
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("invalid message from");
    }

    [Fact]
    public async Task Message_BatchCountNotMatchingItems_InvalidMessage()
    {
        await using var s = await Scenario.StartAsync();
        var request = Message(RequestHeader(V14, 2), Item(Operation.Query, TtlvNode.Enumeration(Tag.QueryFunction, QueryFunction.QueryOperations)));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        var failure = Scenario.OneFailure(response);
        failure.ResultReason.Should().Be(ResultReason.InvalidMessage);
        failure.ResultMessage.Should().Contain("Batch Count is 2").And.Contain("1 batch item");
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("Batch Count is 2 but the message has 1 batch items");
    }

    [Theory]
    [InlineData(3, 0, ResultReason.UnsupportedProtocolVersion, 2, 1)]
    [InlineData(1, 9, ResultReason.InvalidMessage, 1, 4)]
    public async Task Message_UnsupportedProtocolVersion_FailureInASupportedVersion(int major, int minor, ResultReason reason, int answerMajor, int answerMinor)
    {
        await using var s = await Scenario.StartAsync();
        var asked = new ProtocolVersion(major, minor);

        var response = await s.Bad.SendAsync(asked, KmipBatchItems.Query([QueryFunction.QueryOperations]));

        var failure = Scenario.OneFailure(response);
        failure.ResultReason.Should().Be(reason);
        failure.ResultMessage.Should().Contain($"protocol version {asked} is not supported");
        response.ProtocolVersion.Should().Be(new ProtocolVersion(answerMajor, answerMinor));
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync($"protocol version {asked} is not supported");
    }

    [Fact]
    public async Task Create_ActivationDateOutsideTheCalendar_FailureResponseAndConnectionKept()
    {
        await using var s = await Scenario.StartAsync();
        // A Date-Time is a signed 64-bit count of seconds; this one is far beyond year 9999.
        var activation = TtlvNode.Create((int)Tag.AttributeValue, ItemType.DateTime, long.MaxValue, null);
        var template = TtlvNode.Structure(Tag.TemplateAttribute, KmipAttribute.Aes256EncryptDecrypt.Select(a => a.ToV1())
            .Append(TtlvNode.Structure(Tag.Attribute, TtlvNode.Text(Tag.AttributeName, "Activation Date"), activation)));
        var request = Message(RequestHeader(V14, 1), Item(Operation.Create, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), template));

        var response = await s.Bad.SendBytesAsync(TtlvWriter.Encode(request));

        Scenario.OneFailure(response).ResultReason.Should().BeOneOf(ResultReason.InvalidField, ResultReason.GeneralFailure);
        s.Kms.Server.State.Store.Count.Should().Be(1, "nothing was created: the one key is the good client's");
        await s.AssertBadClientStillServedAsync();
        await s.AssertAftermathAsync("Create");
    }
}
