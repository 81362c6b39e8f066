using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Seed 002: deleting the root key crypto-shreds every key of the KMS.</summary>
public class RootKeyDeletionTests
{
    [Fact]
    public async Task DeleteRootKey_EveryKeyIsGoneForGood_AndTheServerStillStartsAndServesNewKeys()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++) ids.Add(await client.CreateKeyAsync());
        var oldRootKey = await File.ReadAllBytesAsync(Path.Combine(kms.DataDirectory, "root.key"), Ct);
        using var admin = kms.Admin();

        var response = await admin.PostAsync("root-key/delete", null, Ct);
        response.IsSuccessStatusCode.Should().BeTrue();
        (await response.JsonAsync()).GetProperty("shredded").GetInt32().Should().Be(3);

        foreach (var id in ids)
        {
            var get = await client.OneAsync(V14, KmipBatchItems.Get(id));
            get.ResultReason.Should().Be(ResultReason.ItemNotFound);
            get.ResultMessage.Should().Contain("crypto-shredded");
        }
        (await File.ReadAllBytesAsync(Path.Combine(kms.DataDirectory, "root.key"), Ct)).Should().NotEqual(oldRootKey);
        (await admin.PostAsync($"objects/{ids[0]}/restore", null, Ct)).StatusCode.Should().Be(System.Net.HttpStatusCode.Conflict);

        await kms.RestartAsync();
        await using var again = await kms.ConnectAsync();
        (await again.OneAsync(V14, KmipBatchItems.Get(ids[0]))).ResultReason.Should().Be(ResultReason.ItemNotFound);
        var fresh = await again.CreateKeyAsync();
        (await again.GetKeyBytesAsync(fresh)).Should().HaveCount(32);
    }
}
