using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Create of Secret Data (KMIP 2.x): random bytes of the Cryptographic Length, and the refusals under 1.x and of odd lengths.</summary>
public class CreateSecretDataTests
{
    private static BatchItemRequest Create(ProtocolVersion v, ObjectType type, params KmipAttribute[] attributes) =>
        new(Operation.Create, KmipRequests.Payload(TtlvNode.Enumeration(Tag.ObjectType, type),
            v.IsV2 ? TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a.ToV2())) : TtlvNode.Structure(Tag.TemplateAttribute, attributes.Select(a => a.ToV1()))));

    [Fact]
    public async Task CreateSecretData_UnderKmip21_IsRandomSeedOfTheLength_AndUnder14OrOfOddLengthIsRefused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);

        var created = (await client.OneAsync(V21, Create(V21, ObjectType.SecretData, KmipAttribute.CryptographicLength(384), KmipAttribute.ObjectName("seed"))))
            .EnsureSuccess().RequiredPayload;
        created.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SecretData);
        var id = created.Required(Tag.UniqueIdentifier).AsText;
        var other = IdOf(await client.OneAsync(V21, Create(V21, ObjectType.SecretData, KmipAttribute.CryptographicLength(384))));

        var secret = (await ops.GetAsync(id)).Object;
        secret.Required(Tag.SecretDataType).AsEnumOf<SecretDataType>().Should().Be(SecretDataType.Seed);
        var bytes = secret.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
        bytes.Should().HaveCount(48).And.NotEqual((await ops.GetAsync(other)).Object.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes);
        (await ops.GetAttributesAsync(id)).Single(a => a.Name == "Name").Value.Required(Tag.NameValue).AsText.Should().Be("seed");

        var under14 = await client.OneAsync(V14, Create(V14, ObjectType.SecretData, KmipAttribute.CryptographicLength(384)));
        under14.ResultReason.Should().Be(ResultReason.InvalidField);
        under14.ResultMessage.Should().Be("Create makes Secret Data from KMIP 2.0 on; under 1.x it makes symmetric keys (Register secret data instead)");
        var odd = await client.OneAsync(V21, Create(V21, ObjectType.SecretData, KmipAttribute.CryptographicLength(100)));
        odd.ResultReason.Should().Be(ResultReason.InvalidField);
        odd.ResultMessage.Should().Be("Secret Data is made in whole bytes, up to 64 KiB: not 100 bits");
        var noLength = await client.OneAsync(V21, Create(V21, ObjectType.SecretData));
        noLength.ResultMessage.Should().Be("Cryptographic Length is required to create Secret Data");
    }
}
