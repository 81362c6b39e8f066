using Harness.Kmip.Client;

namespace Harness.Kmip.Server.Tests;

/// <summary>Which messages a KMS node runs once more when another node changed an object first (only those that read).</summary>
public sealed class DurableResponseTests
{
    private static readonly ProtocolVersion V14 = ProtocolVersion.V1_4;

    [Fact]
    public void OnlyReads_GetsAndAttributeReads_RunAgain()
    {
        DurableResponse.OnlyReads(KmipRequests.Message(V14, KmipBatchItems.Get("k1"))).Should().BeTrue();
        DurableResponse.OnlyReads(KmipRequests.Message(V14, KmipBatchItems.Get("k1"), KmipBatchItems.Get("k2"))).Should().BeTrue();
    }

    [Fact]
    public void OnlyReads_AnyChangingItem_IsNotRunAgain()
    {
        DurableResponse.OnlyReads(KmipRequests.Message(V14, KmipBatchItems.Activate("k1"))).Should().BeFalse();
        DurableResponse.OnlyReads(KmipRequests.Message(V14, KmipBatchItems.Get("k1"), KmipBatchItems.Activate("k1"))).Should().BeFalse(
            "a batch that changes something else is not run twice");
        DurableResponse.OnlyReads(KmipRequests.Message(V14)).Should().BeFalse("a message without batch items reads nothing");
    }
}
