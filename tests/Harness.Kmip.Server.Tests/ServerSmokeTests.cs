using Harness.Kmip.Client;

namespace Harness.Kmip.Server.Tests;

public class ServerSmokeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    public async Task CreateGetDestroy_EachVersion_RoundTripsTheKey(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var created = await client.SendMessageAsync(KmipRequests.Message(v, KmipBatchItems.CreateSymmetricKey(v, KmipAttribute.Aes256EncryptDecrypt)));
        var id = created.BatchItems[0].EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        created.ProtocolVersion.Should().Be(v);

        var got = await client.SendMessageAsync(KmipRequests.Message(v, KmipBatchItems.Get(id)));
        var block = got.BatchItems[0].EnsureSuccess().RequiredPayload.Required(Tag.SymmetricKey).Required(Tag.KeyBlock);
        block.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes.Should().HaveCount(32);

        var destroyed = await client.SendMessageAsync(KmipRequests.Message(v, KmipBatchItems.Destroy(id)));
        destroyed.BatchItems[0].EnsureSuccess();
        var again = await client.SendMessageAsync(KmipRequests.Message(v, KmipBatchItems.Get(id)));
        again.BatchItems[0].IsSuccess.Should().BeFalse();
    }
}
