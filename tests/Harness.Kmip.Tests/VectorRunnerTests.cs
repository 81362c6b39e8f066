using System.Security.Cryptography;
using System.Text;
using Harness.Kmip.Encodings;
using Harness.Kmip.Vectors;

namespace Harness.Kmip.Tests;

public class VectorRunnerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly VectorRunOptions AtNow = new(new FixedClock(Now));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>
    /// A server that answers step n with the file's expected response n, placeholders replaced by concrete values
    /// (identifiers "uid-n", dates from the clock, bytes derived from the placeholder text), optionally altered.
    /// </summary>
    private sealed class CannedServer(VectorFile file, Func<int, TtlvNode, TtlvNode>? alter = null)
    {
        private int _step;
        public List<TtlvNode> Requests { get; } = [];

        public TtlvNode Exchange(TtlvNode request)
        {
            Requests.Add(request);
            int index = _step++;
            var response = file.Steps[index].BuildExpectedResponse(Concrete);
            return alter is null ? response : alter(index, response);
        }

        public static TtlvNode? Concrete(TtlvPlaceholder p) => p.Type switch
        {
            ItemType.TextString when p.Name == "UNIQUE_IDENTIFIER" => TtlvNode.Create(p.Tag, p.Type, 0, $"uid-{p.Index}"),
            ItemType.TextString => TtlvNode.Create(p.Tag, p.Type, 0, p.Text.ToLowerInvariant()),
            ItemType.ByteString => TtlvNode.Create(p.Tag, p.Type, 0, SHA256.HashData(Encoding.UTF8.GetBytes(p.Text))[..16]),
            ItemType.DateTime => TtlvNode.Create(p.Tag, p.Type, Now.AddSeconds(p.OffsetSeconds).ToUnixTimeSeconds(), null),
            _ => null,
        };
    }

    /// <summary>Replaces, anywhere in the tree, the nodes for which <paramref name="replace"/> returns non-null.</summary>
    private static TtlvNode Rewrite(TtlvNode node, Func<TtlvNode, TtlvNode?> replace)
    {
        if (replace(node) is { } replaced) return replaced;
        return node.Type == ItemType.Structure ? TtlvNode.Structure(node.RawTag, node.Items.Select(c => Rewrite(c, replace))) : node;
    }

    private static VectorFile Inline(string messages) => VectorFile.Parse($"<KMIP>{messages}</KMIP>", "inline");

    private const string Header = """
        <ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
        """;

    private static string Request(string batchItems, int count = 1) =>
        $"""<RequestMessage><RequestHeader>{Header}<BatchCount type="Integer" value="{count}"/></RequestHeader>{batchItems}</RequestMessage>""";

    private static string Response(string batchItems, int count = 1) =>
        $"""<ResponseMessage><ResponseHeader>{Header}<TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="{count}"/></ResponseHeader>{batchItems}</ResponseMessage>""";

    private static TtlvNode ResponseNode(string batchItems, int count = 1) => TtlvXml.Parse(Response(batchItems, count), CannedServer.Concrete);

    // ---- the OASIS files ---------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(KmipVectors.Files), MemberType = typeof(KmipVectors))]
    public void Run_ServerEchoingConcreteExpectedResponses_Passes(string file)
    {
        var vector = KmipVectors.Load(file);
        var server = new CannedServer(vector);
        var result = VectorRunner.Run(vector, server.Exchange, AtNow);
        result.Passed.Should().BeTrue(result.ToString());
        server.Requests.Should().HaveCount(vector.Steps.Count);
        foreach (var request in server.Requests) TtlvXmlTests.PlaceholderTexts(request).Should().BeEmpty();
    }

    [Fact]
    public void Run_ChangedEnumeration_FailsWithPathAndValues()
    {
        var vector = KmipVectors.LoadByName("SKLC-M-1-14");
        var server = new CannedServer(vector, (step, response) => step != 1 ? response : Rewrite(response, n =>
            n.Tag == Tag.AttributeValue && n.Type == ItemType.Enumeration && n.AsEnum == (uint)State.PreActive
                ? TtlvNode.Enumeration(Tag.AttributeValue, State.Active) : null));

        var result = VectorRunner.Run(vector, server.Exchange, AtNow);

        result.Passed.Should().BeFalse();
        result.Failure!.StepIndex.Should().Be(1);
        result.Failure.Path.Should().Be("ResponseMessage/BatchItem[1]/ResponsePayload/Attribute[1]/AttributeValue");
        result.Failure.Message.Should().Be("expected Enumeration PreActive, got Active");
        result.ToString().Should().Be("SKLC-M-1-14: failed at step 1: ResponseMessage/BatchItem[1]/ResponsePayload/Attribute[1]/AttributeValue: expected Enumeration PreActive, got Active");
        result.Steps.Should().HaveCount(2);
    }

    [Fact]
    public void Run_RequestPlaceholders_AreSubstitutedFromResponsesAndClock()
    {
        var vector = KmipVectors.LoadByName("CS-BC-M-1-14"); // Create with Activation Date $NOW-3600, then Encrypt
        var server = new CannedServer(vector);

        VectorRunner.Run(vector, server.Exchange, AtNow).Passed.Should().BeTrue();

        server.Requests[1].Child(Tag.BatchItem)!.Child(Tag.RequestPayload)!.Child(Tag.UniqueIdentifier)!.AsText.Should().Be("uid-0");
        var dates = new List<DateTimeOffset>();
        void Collect(TtlvNode n) { if (n.Type == ItemType.DateTime) dates.Add(n.AsDateTime); foreach (var c in n.Items) Collect(c); }
        server.Requests.ForEach(Collect);
        dates.Should().Contain(Now.AddSeconds(-3600));
    }

    // ---- comparer rules on small inline vectors -----------------------------------------------------------------

    private const string CreateRequest = """
        <BatchItem><Operation type="Enumeration" value="Create"/><RequestPayload><ObjectType type="Enumeration" value="SymmetricKey"/></RequestPayload></BatchItem>
        """;
    private const string CreateResponse = """
        <BatchItem><Operation type="Enumeration" value="Create"/><ResultStatus type="Enumeration" value="Success"/>
        <ResponsePayload><ObjectType type="Enumeration" value="SymmetricKey"/><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></ResponsePayload></BatchItem>
        """;
    private const string RegisterRequest = """
        <BatchItem><Operation type="Enumeration" value="Register"/><RequestPayload><ObjectType type="Enumeration" value="SymmetricKey"/>
        <SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/><KeyValue><KeyMaterial type="ByteString" value="00112233445566778899aabbccddeeff"/></KeyValue></KeyBlock></SymmetricKey>
        </RequestPayload></BatchItem>
        """;
    private const string RegisterResponse = """
        <BatchItem><Operation type="Enumeration" value="Register"/><ResultStatus type="Enumeration" value="Success"/>
        <ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></ResponsePayload></BatchItem>
        """;
    private const string GetRequest = """
        <BatchItem><Operation type="Enumeration" value="Get"/><RequestPayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></RequestPayload></BatchItem>
        """;
    private const string GetResponse = """
        <BatchItem><Operation type="Enumeration" value="Get"/><ResultStatus type="Enumeration" value="Success"/>
        <ResponsePayload><ObjectType type="Enumeration" value="SymmetricKey"/><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
        <SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/><KeyValue><KeyMaterial type="ByteString" value="00112233445566778899aabbccddeeff"/></KeyValue></KeyBlock></SymmetricKey>
        </ResponsePayload></BatchItem>
        """;

    /// <summary>Answers Create/Register with "id-1" and Get with the given key bytes.</summary>
    private static Func<TtlvNode, TtlvNode> KeyServer(string createOrRegister, string keyHex) => request =>
    {
        var op = request.Child(Tag.BatchItem)!.Child(Tag.Operation)!.AsEnumOf<Operation>();
        string item = op == Operation.Get ? GetResponse.Replace("00112233445566778899aabbccddeeff", keyHex) : createOrRegister;
        return Rewrite(ResponseNode(item), n => n.Tag == Tag.UniqueIdentifier ? TtlvNode.Text(Tag.UniqueIdentifier, "id-1") : null);
    };

    [Fact]
    public void Run_KeyMaterialOfServerCreatedKey_IsNotCompared()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse) + Request(GetRequest) + Response(GetResponse));
        var result = VectorRunner.Run(vector, KeyServer(CreateResponse, "ffeeddccbbaa99887766554433221100"), AtNow);
        result.Passed.Should().BeTrue(result.ToString());
        result.Bindings.Values["$UNIQUE_IDENTIFIER_0"].AsText.Should().Be("id-1");
    }

    [Fact]
    public void Run_KeyMaterialOfRegisteredKey_IsCompared()
    {
        var vector = Inline(Request(RegisterRequest) + Response(RegisterResponse) + Request(GetRequest) + Response(GetResponse));
        var result = VectorRunner.Run(vector, KeyServer(RegisterResponse, "ffeeddccbbaa99887766554433221100"), AtNow);
        result.Failure.Should().NotBeNull();
        result.Failure!.StepIndex.Should().Be(1);
        result.Failure.Path.Should().Be("ResponseMessage/BatchItem[1]/ResponsePayload/SymmetricKey/KeyBlock/KeyValue/KeyMaterial");
        result.Failure.Message.Should().Be("expected ByteString 00112233445566778899aabbccddeeff, got ffeeddccbbaa99887766554433221100");
    }

    private const string EncryptRequest = """
        <BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
        <Data type="ByteString" value="01020304"/></RequestPayload></BatchItem>
        """;
    private const string EncryptResponse = """
        <BatchItem><Operation type="Enumeration" value="Encrypt"/><ResultStatus type="Enumeration" value="Success"/>
        <ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/><Data type="ByteString" value="aabbccdd"/></ResponsePayload></BatchItem>
        """;

    [Theory]
    [InlineData(CreateRequest, CreateResponse, true)]
    [InlineData(RegisterRequest, RegisterResponse, false)]
    public void Run_CiphertextDiffers_IgnoredOnlyForServerGeneratedKey(string makeRequest, string makeResponse, bool passes)
    {
        var vector = Inline(Request(makeRequest) + Response(makeResponse) + Request(EncryptRequest) + Response(EncryptResponse));
        int call = 0;
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(call++ == 0 ? makeResponse : EncryptResponse.Replace("aabbccdd", "99999999")),
            n => n.Tag == Tag.UniqueIdentifier ? TtlvNode.Text(Tag.UniqueIdentifier, "id-1") : null), AtNow);
        result.Passed.Should().Be(passes, result.ToString());
        if (!passes) result.Failure!.ToString().Should().Be("step 1: ResponseMessage/BatchItem[1]/ResponsePayload/Data: expected ByteString aabbccdd, got 99999999");
    }

    [Fact]
    public void Run_RngRetrieveData_IsNotCompared()
    {
        const string rngRequest = """<BatchItem><Operation type="Enumeration" value="RNGRetrieve"/><RequestPayload><DataLength type="Integer" value="4"/></RequestPayload></BatchItem>""";
        const string rngResponse = """<BatchItem><Operation type="Enumeration" value="RNGRetrieve"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><Data type="ByteString" value="01020304"/></ResponsePayload></BatchItem>""";
        var vector = Inline(Request(rngRequest) + Response(rngResponse));
        VectorRunner.Run(vector, _ => ResponseNode(rngResponse.Replace("01020304", "cafebabe")), AtNow).Passed.Should().BeTrue();
        VectorRunner.Run(vector, _ => ResponseNode(rngResponse.Replace("ByteString\" value=\"01020304", "TextString\" value=\"x")), AtNow)
            .Failure!.Message.Should().Be("expected ByteString 01020304, got TextString \"x\"");
    }

    [Fact]
    public void Run_ServerReturnsFewerBatchItems_ReportsMissingBatchItem()
    {
        var vector = Inline(Request(CreateRequest + CreateRequest, 2) + Response(CreateResponse + CreateResponse.Replace("_0", "_1"), 2));
        var result = VectorRunner.Run(vector, _ => ResponseNode(CreateResponse, 2), AtNow);
        result.Failure!.ToString().Should().Be("step 0: ResponseMessage/BatchItem[2]: missing BatchItem (expected 3 items, got 2)");
    }

    [Fact]
    public void Run_ServerReturnsFewerItems_ReportsMissingItem()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse));
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(CreateResponse),
            n => n.Tag == Tag.ResponsePayload ? TtlvNode.Structure(Tag.ResponsePayload, n.Items[0]) : null), AtNow);
        result.Failure!.ToString().Should().Be(
            "step 0: ResponseMessage/BatchItem[1]/ResponsePayload/UniqueIdentifier: missing UniqueIdentifier (expected 2 items, got 1)");
    }

    [Fact]
    public void Run_ServerReturnsMoreItems_ReportsUnexpectedItem()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse));
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(CreateResponse),
            n => n.Tag == Tag.ResponsePayload ? TtlvNode.Structure(Tag.ResponsePayload, n.Items.Append(TtlvNode.Integer(Tag.CryptographicLength, 128))) : null), AtNow);
        result.Failure!.Path.Should().Be("ResponseMessage/BatchItem[1]/ResponsePayload/CryptographicLength");
        result.Failure.Message.Should().Be("unexpected Integer 128 (expected 2 items, got 3)");
    }

    [Fact]
    public void Run_ServerReturnsOtherTag_ReportsBothTags()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse));
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(CreateResponse),
            n => n.Tag == Tag.ObjectType ? TtlvNode.Integer(Tag.CryptographicLength, 128) : null), AtNow);
        result.Failure!.Path.Should().Be("ResponseMessage/BatchItem[1]/ResponsePayload/ObjectType");
        result.Failure.Message.Should().Be("expected ObjectType, got CryptographicLength");
    }

    [Fact]
    public void Run_BoundIdentifierChanges_FailsWithBinding()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse) + Request(GetRequest) + Response(GetResponse));
        int call = 0;
        var result = VectorRunner.Run(vector, _ => call++ == 0
            ? Rewrite(ResponseNode(CreateResponse), n => n.Tag == Tag.UniqueIdentifier ? TtlvNode.Text(Tag.UniqueIdentifier, "a") : null)
            : Rewrite(ResponseNode(GetResponse), n => n.Tag == Tag.UniqueIdentifier ? TtlvNode.Text(Tag.UniqueIdentifier, "b") : null), AtNow);
        result.Failure!.ToString().Should().Be(
            "step 1: ResponseMessage/BatchItem[1]/ResponsePayload/UniqueIdentifier: expected $UNIQUE_IDENTIFIER_0 = \"a\", got \"b\"");
    }

    [Fact]
    public void Run_SameIdentifierForTwoPlaceholders_Fails()
    {
        const string pair = """
            <BatchItem><Operation type="Enumeration" value="CreateKeyPair"/><ResultStatus type="Enumeration" value="Success"/>
            <ResponsePayload><PrivateKeyUniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/><PublicKeyUniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_1"/></ResponsePayload></BatchItem>
            """;
        var vector = Inline(Request(CreateRequest) + Response(pair));
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(pair),
            n => n.Type == ItemType.TextString ? TtlvNode.Create(n.RawTag, ItemType.TextString, 0, "same") : null), AtNow);
        result.Failure!.Message.Should().Be("expected a new identifier for $UNIQUE_IDENTIFIER_1, got \"same\" which is already $UNIQUE_IDENTIFIER_0");
    }

    private const string FailedResponse = """
        <BatchItem><Operation type="Enumeration" value="Get"/><ResultStatus type="Enumeration" value="OperationFailed"/>
        <ResultReason type="Enumeration" value="ItemNotFound"/><ResultMessage type="TextString" value="no such object"/></BatchItem>
        """;

    [Theory]
    [InlineData("ItemNotFound", "something else entirely", true)]
    [InlineData("ItemNotFound", null, true)]
    [InlineData("PermissionDenied", "no such object", false)]
    public void Run_OperationFailed_ComparesStatusAndReasonButNotMessage(string reason, string? message, bool passes)
    {
        var vector = Inline(Request(GetRequest.Replace("$UNIQUE_IDENTIFIER_0", "nope")) + Response(FailedResponse));
        var result = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(FailedResponse), n => n.Tag == Tag.BatchItem
            ? TtlvNode.Structure(Tag.BatchItem, n.Items.Select(c => c.Tag switch
            {
                Tag.ResultReason => TtlvNode.Enumeration(Tag.ResultReason, Enum.Parse<ResultReason>(reason)),
                Tag.ResultMessage => message is null ? null : TtlvNode.Text(Tag.ResultMessage, message),
                _ => c,
            }))
            : null), AtNow);
        result.Passed.Should().Be(passes, result.ToString());
        if (!passes) result.Failure!.Message.Should().Be("expected Enumeration ItemNotFound, got PermissionDenied");
    }

    [Fact]
    public void Run_TimeStampAndNowDates_AreNotComparedButTypesAre()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse));
        var ok = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(CreateResponse),
            n => n.Tag == Tag.TimeStamp ? TtlvNode.DateTime(Tag.TimeStamp, DateTimeOffset.UnixEpoch) : null), AtNow);
        ok.Passed.Should().BeTrue(ok.ToString());

        var wrongType = VectorRunner.Run(vector, _ => Rewrite(ResponseNode(CreateResponse),
            n => n.Tag == Tag.TimeStamp ? TtlvNode.Text(Tag.TimeStamp, "now") : null), AtNow);
        wrongType.Failure!.ToString().Should().Be("step 0: ResponseMessage/ResponseHeader/TimeStamp: expected DateTime $NOW, got TextString \"now\"");
    }

    [Fact]
    public void Run_PlaceholderUsedBeforeAnyResponse_FailsAtRequest()
    {
        var vector = Inline(Request(GetRequest) + Response(GetResponse));
        var result = VectorRunner.Run(vector, _ => throw new InvalidOperationException("not called"), AtNow);
        result.Failure!.ToString().Should().Be(
            "step 0: RequestMessage/BatchItem[1]/RequestPayload/UniqueIdentifier: $UNIQUE_IDENTIFIER_0 is used before any response supplied a value for it");
    }

    [Fact]
    public void Run_ExchangeThrows_ReportsStepAndException()
    {
        var vector = Inline(Request(CreateRequest) + Response(CreateResponse));
        var result = VectorRunner.Run(vector, _ => throw new IOException("connection reset"), AtNow);
        result.Failure!.ToString().Should().Be("step 0: the exchange failed: IOException: connection reset");
    }

    [Fact]
    public void Load_RequestWithoutResponse_ThrowsNamingFileAndLine()
    {
        var act = () => VectorFile.Parse("<KMIP>\n" + Request(CreateRequest) + "\n</KMIP>", "broken");
        act.Should().Throw<FormatException>().WithMessage("broken (line 2): the last RequestMessage has no ResponseMessage");
    }

    [Fact]
    public void Load_BadEnumerationInFile_ThrowsNamingStepAndElement()
    {
        var act = () => VectorFile.Parse("<KMIP>" + Request(CreateRequest.Replace("SymmetricKey", "SymetricKey")) + Response(CreateResponse) + "</KMIP>", "broken");
        act.Should().Throw<FormatException>()
            .WithMessage("broken: step 0: RequestMessage/BatchItem/RequestPayload/ObjectType (line 1): \"SymetricKey\" is not a value of enumeration ObjectType");
    }

    [Fact]
    public void IgnoreRules_Table_DocumentsEveryRule()
    {
        VectorIgnoreRules.All.Should().OnlyContain(r => r.Name.Length > 0 && r.Field.Length > 0 && r.Condition.Length > 0 && r.Reason.Length > 0);
        VectorIgnoreRules.All.Select(r => r.Name).Should().OnlyHaveUniqueItems();
    }
}
