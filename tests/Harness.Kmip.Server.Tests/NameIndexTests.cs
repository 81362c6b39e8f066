using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Names are unique per client, and Locate finds by name, through the store's name index: it must follow every
/// change of a name (add, modify, in the same message, across a restart) exactly as a walk over every object would.
/// </summary>
public class NameIndexTests
{
    private static async Task<IReadOnlyList<string>> LocateAsync(KmipClient client, string name) =>
        (await client.LocateAsync(V14, [Name(name)])).Ids;

    private static BatchItemRequest CreateNamed(string name) =>
        KmipBatchItems.CreateSymmetricKey(V14, [.. KmipAttribute.Aes256EncryptDecrypt, Name(name)]);

    private static BatchItemRequest Rename(string id, string name) => new(Operation.ModifyAttribute,
        TtlvNode.Structure(Tag.RequestPayload, TtlvNode.Text(Tag.UniqueIdentifier, id), Name(name).ToTtlv(V14)));

    [Fact]
    public async Task Name_RenamedTakenInOneMessageAndAfterARestart_UniquenessAndLocateFollowIt()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var a = await client.CreateKeyAsync(V14, Name("first"));
        await client.CreateKeyAsync(V14, Name("second"));
        (await LocateAsync(client, "first")).Should().Equal(a);

        (await client.OneAsync(V14, Rename(a, "renamed"))).ResultStatus.Should().Be(ResultStatus.Success);
        (await LocateAsync(client, "first")).Should().BeEmpty("the key no longer has that name");
        (await LocateAsync(client, "renamed")).Should().Equal(a);
        var c = await client.CreateKeyAsync(V14, Name("first")); // the old name is free again
        (await LocateAsync(client, "first")).Should().Equal(c);
        (await client.OneAsync(V14, CreateNamed("renamed"))).ResultReason.Should().Be(ResultReason.InvalidField, "the new name is taken");

        var twice = await client.SendAsync(V14, new KmipRequestOptions { BatchErrorContinuationOption = BatchErrorContinuationOption.Continue },
            CreateNamed("in-one-message"), CreateNamed("in-one-message"));
        twice.BatchItems[0].ResultStatus.Should().Be(ResultStatus.Success);
        twice.BatchItems[1].ResultMessage.Should().Contain("another object already has the name 'in-one-message'");

        await client.DisposeAsync();
        await kms.RestartAsync();
        await using var again = await kms.ConnectAsync();
        (await again.OneAsync(V14, CreateNamed("second"))).ResultReason.Should().Be(ResultReason.InvalidField, "the index is rebuilt from the store");
        (await LocateAsync(again, "renamed")).Should().Equal(a);
        (await LocateAsync(again, "in-one-message")).Should().HaveCount(1);

        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Namer"));
        (await other.OneAsync(V14, CreateNamed("second"))).ResultStatus.Should().Be(ResultStatus.Success, "names are unique per client");
        (await LocateAsync(other, "second")).Should().HaveCount(1);
    }
}
