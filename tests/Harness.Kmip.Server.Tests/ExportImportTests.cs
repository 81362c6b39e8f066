using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Export from one KMS and Import into another over mutual TLS: the same identifier, material and attributes, and the refusals of Import.</summary>
public class ExportImportTests
{
    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task ExportedKey_ImportedIntoAnotherKms_IsTheSameKeyUnderTheSameIdentifier_AndAnIdentifierInUseIsRefused(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var source = await KmsFixture.StartAsync();
        await using var target = await KmsFixture.StartAsync();
        await using var from = await source.ConnectAsync();
        await using var to = await target.ConnectAsync();
        var ops = new KmipOperations(from, v);
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectName("moving key")]);
        await ops.ActivateAsync(key);
        var ecb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB);
        var sealedBlock = (await ops.EncryptAsync(new EncryptRequest(key, ecb, new byte[16]))).Data!;

        var exported = (await from.OneAsync(v, KmipBatchItems.Export(key))).EnsureSuccess().RequiredPayload;
        exported.Required(Tag.UniqueIdentifier).AsText.Should().Be(key);
        var attributes = v.IsV2 ? [exported.Required(Tag.Attributes)] : exported.ChildrenOf(Tag.Attribute).ToList();
        attributes.Should().NotBeEmpty();

        var imported = await to.OneAsync(v, KmipBatchItems.Import(key, ObjectType.SymmetricKey, exported.Required(Tag.SymmetricKey), attributes));
        imported.EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText.Should().Be(key);

        var there = new KmipOperations(to, v);
        (await there.DecryptAsync(new DecryptRequest(key, ecb, sealedBlock))).Data.Should().Equal(new byte[16], "the same key material, and it is Active as it was");
        var names = (await there.GetAttributesAsync(key)).Where(a => a.Name is "Name" or "State" or "Initial Date").ToDictionary(a => a.Name, a => a.Value);
        names["Name"].Required(Tag.NameValue).AsText.Should().Be("moving key");
        names["State"].AsEnumOf<State>().Should().Be(State.Active);
        names["Initial Date"].AsDateTime.Should().Be((await ops.GetAttributesAsync(key)).Single(a => a.Name == "Initial Date").Value.AsDateTime);

        var again = await to.OneAsync(v, KmipBatchItems.Import(key, ObjectType.SymmetricKey, exported.Required(Tag.SymmetricKey), attributes));
        again.ResultReason.Should().Be(ResultReason.ObjectAlreadyExists);
        again.ResultMessage.Should().Be($"an object with Unique Identifier '{key}' exists: Import replaces it only with Replace Existing, and only the client's own");
        (await to.OneAsync(v, KmipBatchItems.Import(key, ObjectType.SymmetricKey, exported.Required(Tag.SymmetricKey), attributes, replaceExisting: true)))
            .EnsureSuccess();
        var wrongType = await to.OneAsync(v, KmipBatchItems.Import("another", ObjectType.SecretData, exported.Required(Tag.SymmetricKey), attributes));
        wrongType.ResultReason.Should().Be(ResultReason.InvalidField);
        wrongType.ResultMessage.Should().Be("Object Type is SecretData but the payload holds no Secret Data");
    }
}

/// <summary>An object registered without its key material: Key Value Not Present until Import gives it.</summary>
public class RegisteredWithoutMaterialTests
{
    [Fact]
    public async Task AKeyRegisteredWithoutItsKeyValue_IsKeyValueNotPresent_UntilImportGivesIt()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = KmipTestClient.V21;
        var id = KmipTestClient.IdOf(await client.OneAsync(v, new BatchItemRequest(Operation.Register, KmipRequests.Payload(
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
            TtlvNode.Structure(Tag.Attributes, KmipAttribute.Aes256EncryptDecrypt.Select(a => a.ToV2())),
            TtlvNode.Structure(Tag.SymmetricKey, TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
                TtlvNode.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES), TtlvNode.Integer(Tag.CryptographicLength, 256)))))));

        var get = await client.OneAsync(v, KmipBatchItems.Get(id));
        get.ResultReason.Should().Be(ResultReason.KeyValueNotPresent);
        get.ResultMessage.Should().Be($"'{id}' was registered without its key material: Import it (Replace Existing) first");
        (await client.OneAsync(v, KmipBatchItems.Activate(id))).EnsureSuccess();
        var encrypt = await client.OneAsync(v, new BatchItemRequest(Operation.Encrypt, new Harness.Kmip.Payloads.EncryptRequest(id, null, [1, 2, 3]).ToNode()));
        encrypt.ResultReason.Should().Be(ResultReason.KeyValueNotPresent);

        var material = new byte[32];
        material[0] = 7;
        (await client.OneAsync(v, KmipBatchItems.Import(id, ObjectType.SymmetricKey, TtlvNode.Structure(Tag.SymmetricKey, TtlvNode.Structure(Tag.KeyBlock,
            TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Raw), TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, material)),
            TtlvNode.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES), TtlvNode.Integer(Tag.CryptographicLength, 256))),
            [TtlvNode.Structure(Tag.Attributes, KmipAttribute.Aes256EncryptDecrypt.Select(a => a.ToV2()))], replaceExisting: true))).EnsureSuccess();
        (await client.OneAsync(v, KmipBatchItems.Get(id))).EnsureSuccess().RequiredPayload.Required(Tag.SymmetricKey).Required(Tag.KeyBlock)
            .Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes.Should().Equal(material);
    }
}
