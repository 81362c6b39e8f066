using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Locate with Object Group Member (KMIP 1.1+): the fresh members of an object group, or its default one.</summary>
public class LocateGroupMemberTests
{
    private static BatchItemRequest LocateIn(string group, ObjectGroupMember? member) => new(Operation.Locate, KmipRequests.Payload(
        member is { } m ? TtlvNode.Enumeration(Tag.ObjectGroupMember, m) : null,
        KmipAttribute.ObjectGroup(group).ToV1()));

    private static async Task<List<string>> IdsAsync(KmipClient client, BatchItemRequest locate) =>
        (await client.OneAsync(V14, locate)).EnsureSuccess().RequiredPayload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).ToList();

    [Fact]
    public async Task GroupMemberFresh_FindsTheMembersNotServedYet_AndGroupMemberDefault_TheNewestActiveOne()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V14);
        var first = await client.CreateKeyAsync(V14, KmipAttribute.ObjectGroup("tape pool"));
        kms.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await client.CreateKeyAsync(V14, KmipAttribute.ObjectGroup("tape pool"));
        kms.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = await client.CreateKeyAsync(V14, KmipAttribute.ObjectGroup("tape pool"));
        await client.CreateKeyAsync(V14, KmipAttribute.ObjectGroup("other pool"));
        await ops.ActivateAsync(second);

        (await IdsAsync(client, LocateIn("tape pool", ObjectGroupMember.GroupMemberFresh))).Should().Equal(third, second, first);
        await ops.GetAsync(second);
        (await IdsAsync(client, LocateIn("tape pool", ObjectGroupMember.GroupMemberFresh))).Should().Equal([third, first], "the key Get served is no longer fresh");
        (await IdsAsync(client, LocateIn("tape pool", ObjectGroupMember.GroupMemberDefault))).Should().Equal([second], "the newest Active member");
        (await IdsAsync(client, LocateIn("tape pool", null))).Should().HaveCount(3);

        var noGroup = await client.OneAsync(V14, new BatchItemRequest(Operation.Locate, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectGroupMember, ObjectGroupMember.GroupMemberFresh))));
        noGroup.ResultReason.Should().Be(ResultReason.InvalidField);
        noGroup.ResultMessage.Should().Be("Object Group Member selects within an Object Group: give the Object Group too");
    }
}
