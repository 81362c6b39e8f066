using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// What one client can make the server hold or build is bounded: batch items per message, the response's size (never
/// built first and measured after), attributes per object, Locate results, connections, Interop cases. Each limit
/// answers with a clear reason, and other clients go on.
/// </summary>
public class ServerLimitsTests
{
    [Theory]
    [InlineData(1, 4, ResultReason.GeneralFailure)]
    [InlineData(2, 1, ResultReason.ServerLimitExceeded)]
    public async Task BatchItems_MoreThanTheLimit_RejectTheMessageNamingIt(int major, int minor, ResultReason reason)
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxBatchItems = 10);
        await using var client = await kms.ConnectAsync();

        var response = await client.SendAsync(new ProtocolVersion(major, minor),
            Enumerable.Range(0, 11).Select(_ => KmipBatchItems.Query([QueryFunction.QueryOperations])).ToArray());

        var item = response.BatchItems.Should().ContainSingle().Subject;
        item.ResultReason.Should().Be(reason);
        item.ResultMessage.Should().Contain("11 batch items").And.Contain("at most 10");
        (await client.SendAsync(V14, Enumerable.Range(0, 10).Select(_ => KmipBatchItems.Query([QueryFunction.QueryOperations])).ToArray()))
            .EnsureSuccess();
    }

    [Fact]
    public async Task Response_CrossingTheServersLimit_StopsThereAndLaterItemsAreNotRun()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxResponseLength = 4096);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V14, Name("big-answers"));

        var items = Enumerable.Range(0, 40).Select(_ => KmipBatchItems.GetAttributes(V14, id)).ToList();
        items.Add(KmipBatchItems.CreateSymmetricKey(V14, [.. KmipAttribute.Aes256EncryptDecrypt, Name("after-the-limit")]));
        var response = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue }, [.. items]);

        var statuses = response.BatchItems.Select(i => i.ResultStatus).ToList();
        int firstFailed = statuses.IndexOf(ResultStatus.OperationFailed);
        firstFailed.Should().BeGreaterThan(0, "the items that fit are answered");
        response.BatchItems.Skip(firstFailed).Should().OnlyContain(i => i.ResultReason == ResultReason.ResponseTooLarge);
        response.BatchItems[firstFailed].ResultMessage.Should().Contain("4,096 bytes").And.Contain($"batch item {firstFailed + 1}");
        TtlvWriter.EncodedLength(response.Message).Should().BeLessThan(4096 + 41 * 400);
        (await client.LocateAsync(V14, [Name("after-the-limit")])).Ids.Should().BeEmpty("the Create after the limit never ran");
    }

    [Fact]
    public async Task AttributeBytes_BeyondTheLimit_AreRefusedAndTheObjectIsUnchanged()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxAttributeBytesPerObject = 10_000);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();

        (await client.OneAsync(V14, KmipBatchItems.AddAttribute(V14, id, KmipAttribute.Text("x-pad", new string('p', 6000))))).EnsureSuccess();
        var second = await client.OneAsync(V14, KmipBatchItems.AddAttribute(V14, id, KmipAttribute.Text("x-pad", new string('q', 6000))));

        second.ResultReason.Should().Be(ResultReason.GeneralFailure);
        second.ResultMessage.Should().Contain("10,000 per object");
        (await client.GetAttributesAsync(id, V14, "x-pad")).Should().ContainSingle("the refused instance was not added");
    }

    [Fact]
    public async Task ObjectsPerClient_BeyondTheLimit_AreRefusedUntilOneIsDestroyed_AndOtherClientsGoOn()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxObjectsPerClient = 3);
        await using var client = await kms.ConnectAsync();
        var first = await client.CreateKeyAsync();
        await client.CreateKeyAsync();

        // The last free place: the first Create of the message takes it, the second is refused (counted as they go).
        var both = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
            KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt), KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt));
        both.BatchItems.Select(i => i.ResultStatus).Should().Equal(ResultStatus.Success, ResultStatus.OperationFailed);
        both.BatchItems[1].ResultReason.Should().Be(ResultReason.GeneralFailure);
        both.BatchItems[1].ResultMessage.Should().Contain("holds 3 objects").And.Contain("3 per client");
        var register = await client.OneAsync(V21, new BatchItemRequest(Operation.Register, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.OpaqueObject), TtlvNode.Structure(Tag.Attributes),
            TtlvNode.Structure(Tag.OpaqueObject, TtlvNode.Enumeration(Tag.OpaqueDataType, 0x80000001u), TtlvNode.Bytes(Tag.OpaqueDataValue, [1, 2, 3])))));
        register.ResultReason.Should().Be(ResultReason.ServerLimitExceeded, "Register makes objects too (KMIP 2.1 has the reason)");

        using var otherCert = kms.Pki.Ca.IssueClient("Another Client");
        await using var other = await kms.ConnectAsync(otherCert);
        await other.CreateKeyAsync(); // another client's quota is its own

        (await client.OneAsync(V14, KmipBatchItems.Destroy(first))).EnsureSuccess(); // a destroyed object no longer counts
        await client.CreateKeyAsync();
    }

    [Fact]
    public async Task AttributeBytesPerClient_BeyondTheLimit_AreRefusedAcrossObjects_AndSurviveARestart()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxAttributeBytesPerClient = 40_000);
        await using var client = await kms.ConnectAsync();
        var a = await client.CreateKeyAsync();
        var b = await client.CreateKeyAsync();
        (await client.OneAsync(V14, KmipBatchItems.AddAttribute(V14, a, KmipAttribute.Text("x-pad", new string('p', 18_000))))).EnsureSuccess();
        (await client.OneAsync(V14, KmipBatchItems.AddAttribute(V14, b, KmipAttribute.Text("x-pad", new string('p', 18_000))))).EnsureSuccess();

        var third = await client.OneAsync(V14, KmipBatchItems.AddAttribute(V14, b, KmipAttribute.Text("x-more", new string('q', 6_000))));
        third.ResultReason.Should().Be(ResultReason.GeneralFailure);
        third.ResultMessage.Should().Contain("bytes of attributes").And.Contain("40,000 per client");
        (await client.GetAttributesAsync(b, V14, "x-more")).Should().BeEmpty("the refused instance was not added");

        await kms.RestartAsync(); // the usage is counted again from the store
        await using var again = await kms.ConnectAsync();
        (await again.OneAsync(V14, KmipBatchItems.AddAttribute(V14, a, KmipAttribute.Text("x-more", new string('q', 6_000))))).ResultReason
            .Should().Be(ResultReason.GeneralFailure);
        (await again.OneAsync(V14, new BatchItemRequest(Operation.DeleteAttribute, KmipRequests.Payload(
            TtlvNode.Text(Tag.UniqueIdentifier, a), TtlvNode.Text(Tag.AttributeName, "x-pad"))))).EnsureSuccess();
        (await again.OneAsync(V14, KmipBatchItems.AddAttribute(V14, b, KmipAttribute.Text("x-more", new string('q', 6_000))))).EnsureSuccess();
    }

    [Fact]
    public async Task AttributeCount_BeyondTheLimit_IsRefusedUnderKmip21AsServerLimitExceeded()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxAttributesPerObject = 30);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V21);

        ResponseBatchItem last = null!;
        for (int i = 0; i < 30 && (last = await client.OneAsync(V21, KmipBatchItems.AddAttribute(V21, id, KmipAttribute.Text("x-tag", $"t{i}")))).ResultStatus == ResultStatus.Success; i++) { }

        last.ResultReason.Should().Be(ResultReason.ServerLimitExceeded);
        last.ResultMessage.Should().Contain("31 attribute instances").And.Contain("30 per object");
    }

    [Fact]
    public async Task Locate_MoreMatchesThanTheLimit_ReturnsTheLimitAndCountsThemAll()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxLocateItems = 5);
        await using var client = await kms.ConnectAsync();
        for (int i = 0; i < 8; i++) await client.CreateKeyAsync();

        var (ids, located) = await client.LocateAsync(V14, []);

        ids.Should().HaveCount(5);
        located.Should().Be(8, "Located Items says how many matched");
    }

    [Fact]
    public async Task ConnectionsOfOneClient_BeyondTheLimit_AreClosed_OtherClientsAreNot()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxConnectionsPerClient = 2);
        await using var a = await kms.ConnectAsync();
        await using var b = await kms.ConnectAsync();
        await a.ShouldStillWorkAsync();
        await b.ShouldStillWorkAsync();

        await using var third = await kms.ConnectAsync();
        await third.ExpectClosedByServerAsync();
        await kms.Log.WaitForLineAsync(l => l.Contains("MaxConnectionsPerClient"));

        using var otherCert = kms.Pki.Ca.IssueClient("Another Client");
        await using var other = await kms.ConnectAsync(otherCert);
        await other.ShouldStillWorkAsync();

        await a.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task Connections_BeyondTheTotal_AreClosedAtOnce()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxConnections = 2);
        await using var a = await kms.ConnectAsync();
        await using var b = await kms.ConnectAsync();
        await a.ShouldStillWorkAsync();

        var act = async () =>
        {
            await using var c = await kms.ConnectAsync();
            await c.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));
        };
        await act.Should().ThrowAsync<KmipConnectionException>();
        await kms.Log.WaitForLineAsync(l => l.Contains("MaxConnections"));
        await b.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task InteropCases_OfOneClient_AreBounded_AndLongIdentifiersRefused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        for (int i = 0; i < 150; i++)
            (await client.OneAsync(V21, Interop(InteropFunction.Begin, $"TC-{i}"))).EnsureSuccess();

        kms.Server.State.InteropCases.Count.Should().Be(KmsState.MaxInteropCasesPerClient);
        kms.Server.State.InteropCases.Keys.Should().Contain(k => k.EndsWith("/TC-149"));

        var tooLong = await client.OneAsync(V21, Interop(InteropFunction.Begin, new string('i', 257)));
        tooLong.ResultReason.Should().Be(ResultReason.InvalidField);
    }

    private static BatchItemRequest Interop(InteropFunction function, string id) => new(Operation.Interop, KmipRequests.Payload(
        TtlvNode.Enumeration(Tag.InteropFunction, function), TtlvNode.Text(Tag.InteropIdentifier, id)));
}
