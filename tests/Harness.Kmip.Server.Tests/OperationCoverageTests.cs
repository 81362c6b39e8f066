using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Every operation code of KMIP 1.4 and 2.1 sent to the server: what it answers Operation Not Supported is exactly what
/// its Query Operations leaves out, so Query tells a client the truth.
/// </summary>
public class OperationCoverageTests
{
    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task EveryOperationCode_IsOperationNotSupportedExactlyWhenQueryLeavesItOut(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var listed = (await client.OneAsync(v, KmipBatchItems.Query([QueryFunction.QueryOperations]))).EnsureSuccess().RequiredPayload
            .ChildrenOf(Tag.Operation).Select(n => n.AsEnumOf<Operation>()).ToHashSet();

        var notSupported = new List<Operation>();
        var crashed = new List<string>();
        foreach (var operation in Enum.GetValues<Operation>())
        {
            // An empty payload: an operation the server has answers anything but Operation Not Supported (a missing
            // field, ...), and says what is wrong rather than failing in general.
            var item = (await client.SendAsync(v, new BatchItemRequest(operation, KmipRequests.Payload()))).BatchItems.Single();
            if (item.ResultReason == ResultReason.OperationNotSupported) notSupported.Add(operation);
            if (item.ResultReason is ResultReason.GeneralFailure or ResultReason.InternalServerError) crashed.Add($"{operation}: {item.ResultMessage}");
        }

        notSupported.Should().BeEquivalentTo(Enum.GetValues<Operation>().Where(o => !listed.Contains(o)));
        crashed.Should().BeEmpty();
        listed.Should().Contain([Operation.Create, Operation.DeriveKey, Operation.CreateSplitKey, Operation.JoinSplitKey, Operation.Archive,
            Operation.Recover, Operation.ObtainLease, Operation.GetUsageAllocation, Operation.ReCertify]);
        if (v.IsV2) listed.Should().Contain([Operation.AdjustAttribute, Operation.Ping, Operation.Interop]);
        else listed.Should().NotContain([Operation.AdjustAttribute, Operation.Ping, Operation.Interop, Operation.SetAttribute]);
    }
}
