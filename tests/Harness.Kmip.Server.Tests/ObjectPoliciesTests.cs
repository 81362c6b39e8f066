using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Set Defaults, Set Constraints and Get Constraints (KMIP 2.1): defaults fill what a factory request leaves out,
/// constraints refuse new objects with other values, each client's for its own objects only.
/// </summary>
public class ObjectPoliciesTests
{
    private static TtlvNode Aes256Defaults(IEnumerable<string>? groups = null) => KmipBatchItems.ObjectRule(Tag.ObjectDefaults, [ObjectType.SymmetricKey],
        [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(256)], groups);

    private static readonly KmipAttribute Usage = KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt);

    [Fact]
    public async Task SetDefaults_FillsWhatCreateLeavesOut_QueryReportsThem_AndSettingNoneRemovesThem()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var refused = await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage]));
        refused.ResultMessage.Should().Be("Cryptographic Algorithm is required to create a symmetric key");

        (await client.OneAsync(V21, KmipBatchItems.SetDefaults([Aes256Defaults()]))).EnsureSuccess();
        var key = IdOf(await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage])));
        var explicitLength = IdOf(await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage, KmipAttribute.CryptographicLength(128)])));

        var attributes = await ops.GetAttributesAsync(key);
        attributes.Single(a => a.Name == "Cryptographic Algorithm").Value.AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        attributes.Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(256);
        (await ops.GetAttributesAsync(explicitLength)).Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(128, "a default fills only what is left out");
        var reported = (await client.OneAsync(V21, KmipBatchItems.Query([QueryFunction.QueryDefaultsInformation]))).EnsureSuccess().RequiredPayload
            .Required(Tag.DefaultsInformation).Required(Tag.ObjectDefaults);
        reported.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SymmetricKey);
        reported.Required(Tag.Attributes).Required(Tag.CryptographicLength).AsInt32.Should().Be(256);

        (await client.OneAsync(V21, KmipBatchItems.SetDefaults(null))).EnsureSuccess();
        (await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage]))).ResultReason.Should().Be(ResultReason.InvalidField);
        (await client.OneAsync(V21, KmipBatchItems.Query([QueryFunction.QueryDefaultsInformation]))).EnsureSuccess().RequiredPayload
            .Child(Tag.DefaultsInformation).Should().BeNull();
    }

    [Fact]
    public async Task DefaultsForAnObjectGroup_ApplyToItsObjectsOnly_AndAClientsDefaultsAreItsOwn()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));
        (await client.OneAsync(V21, KmipBatchItems.SetDefaults([Aes256Defaults(["vsphere"])]))).EnsureSuccess();

        IdOf(await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage, KmipAttribute.ObjectGroup("vsphere")])));
        (await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage, KmipAttribute.ObjectGroup("backup")])))
            .ResultReason.Should().Be(ResultReason.InvalidField);
        (await other.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage, KmipAttribute.ObjectGroup("vsphere")])))
            .ResultReason.Should().Be(ResultReason.InvalidField, "another client's defaults do not apply");
    }

    [Fact]
    public async Task SetConstraints_RefusesNewObjectsWithOtherValues_ByCreateAndRegister_GetConstraintsGivesThemBack()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var constraint = KmipBatchItems.ObjectRule(Tag.Constraint, [ObjectType.SymmetricKey], [KmipAttribute.CryptographicLength(256), KmipAttribute.CryptographicLength(192)]);
        (await client.OneAsync(V21, KmipBatchItems.SetConstraints([constraint]))).EnsureSuccess();

        var small = await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey,
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(128), Usage]));
        small.ResultReason.Should().Be(ResultReason.InvalidAttributeValue);
        small.ResultMessage.Should().Be("the constraints set for this client allow a SymmetricKey only with Cryptographic Length 256 or 192, not 128");
        var registered = await client.OneAsync(V21, KmipBatchItems.RegisterSymmetricKey(V21, CryptographicAlgorithm.AES, new byte[16],
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), Usage]));
        registered.ResultReason.Should().Be(ResultReason.InvalidAttributeValue, "the length Register takes from the key block is checked too");
        await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        (await ops.LocateAsync([])).Should().ContainSingle();
        (await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SecretData, [KmipAttribute.CryptographicLength(128)]))).EnsureSuccess();

        var back = (await client.OneAsync(V21, KmipBatchItems.GetConstraints())).EnsureSuccess().RequiredPayload.Required(Tag.Constraints);
        back.ValueEquals(TtlvNode.Structure(Tag.Constraints, constraint)).Should().BeTrue();

        (await client.OneAsync(V21, KmipBatchItems.SetConstraints([]))).EnsureSuccess();
        (await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey,
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(128), Usage]))).EnsureSuccess();
        (await client.OneAsync(V21, KmipBatchItems.GetConstraints())).EnsureSuccess().RequiredPayload.Required(Tag.Constraints).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task BadDefaultsAndConstraints_AreInvalidField_AndChangeNothing()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        (await client.OneAsync(V21, KmipBatchItems.SetDefaults([Aes256Defaults()]))).EnsureSuccess();

        var noType = TtlvNode.Structure(Tag.ObjectDefaults, TtlvNode.Structure(Tag.Attributes, KmipAttribute.CryptographicLength(128).ToV2()));
        var refused = await client.OneAsync(V21, KmipBatchItems.SetDefaults([noType]));
        refused.ResultReason.Should().Be(ResultReason.InvalidField);
        refused.ResultMessage.Should().Be("each Object Defaults needs an Object Type (or Object Types)");
        var serverSet = await client.OneAsync(V21, KmipBatchItems.SetDefaults([KmipBatchItems.ObjectRule(Tag.ObjectDefaults, [ObjectType.SymmetricKey],
            [KmipAttribute.Standard(Tag.InitialDate, TtlvNode.DateTime(Tag.InitialDate, DateTimeOffset.UnixEpoch))])]));
        serverSet.ResultReason.Should().Be(ResultReason.InvalidField);
        serverSet.ResultMessage.Should().Be("'Initial Date' is set by the server: it can have no default or constraint");
        var noConstraints = await client.OneAsync(V21, new BatchItemRequest(Operation.SetConstraints, KmipRequests.Payload()));
        noConstraints.IsSuccess.Should().BeFalse();
        noConstraints.ResultMessage.Should().Contain("Constraints");

        IdOf(await client.OneAsync(V21, KmipBatchItems.Create(V21, ObjectType.SymmetricKey, [Usage]))).Should().NotBeNullOrEmpty("the earlier defaults still hold");
        (await client.OneAsync(V14, new BatchItemRequest(Operation.SetDefaults, KmipRequests.Payload()))).ResultReason.Should().Be(ResultReason.OperationNotSupported);
    }
}
