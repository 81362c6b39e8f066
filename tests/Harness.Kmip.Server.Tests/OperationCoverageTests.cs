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
        if (v.IsV2) notSupported.Should().BeEmpty("every KMIP 2.1 operation is implemented");
        else notSupported.Should().OnlyContain(o => (uint)o >= (uint)Operation.Log, "under 1.4 only the operations 2.0 and 2.1 added are not defined")
            .And.NotContain([Operation.Cancel, Operation.Poll, Operation.Notify, Operation.Put]);
        crashed.Should().BeEmpty();
        listed.Should().Contain([Operation.Create, Operation.DeriveKey, Operation.CreateSplitKey, Operation.JoinSplitKey, Operation.Archive,
            Operation.Recover, Operation.ObtainLease, Operation.GetUsageAllocation, Operation.ReCertify]);
        if (v.IsV2) listed.Should().Contain([Operation.AdjustAttribute, Operation.Ping, Operation.Interop]);
        else listed.Should().NotContain([Operation.AdjustAttribute, Operation.Ping, Operation.Interop, Operation.SetAttribute]);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Query_ReportsTheProfilesCapabilitiesAndRegistrationOfThisServer_InItsVersionsNames(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var payload = (await client.OneAsync(v, KmipBatchItems.Query([QueryFunction.QueryProfiles, QueryFunction.QueryCapabilities,
            QueryFunction.QueryClientRegistrationMethods, QueryFunction.QueryStorageProtectionMasks, QueryFunction.QueryObjects,
            QueryFunction.QueryAttestationTypes]))).EnsureSuccess().RequiredPayload;

        var profiles = payload.ChildrenOf(Tag.ProfileInformation).Select(p => p.Required(Tag.ProfileName).AsEnumOf<ProfileName>()).ToList();
        profiles.Should().Contain(v.IsV2 ? [ProfileName.BaselineServer, ProfileName.AsymmetricKeyLifecycleServer, ProfileName.QuantumSafeServer]
            : [ProfileName.BaselineServerBasicKMIPV1_4, ProfileName.AdvancedCryptographicServerKMIPV1_4]);
        profiles.Should().OnlyContain(p => p.ToString().Contains("Server") && (v.IsV2 ? !p.ToString().Contains("KMIPV1_") : p.ToString().EndsWith("KMIPV1_4")),
            "server profiles of the request's version only");
        var capabilities = payload.Required(Tag.CapabilityInformation);
        capabilities.Required(Tag.StreamingCapability).AsBoolean.Should().BeTrue("Encrypt, Sign, MAC, Hash stream");
        capabilities.Required(Tag.AsynchronousCapability).AsBoolean.Should().BeTrue("Create Key Pair, Certify... answer Operation Pending when the client allows it");
        capabilities.Required(Tag.BatchUndoCapability).AsBoolean.Should().BeTrue();
        capabilities.Required(Tag.UnwrapMode).AsEnumOf<UnwrapMode>().Should().Be(UnwrapMode.Processed);
        capabilities.Required(Tag.DestroyAction).AsEnumOf<DestroyAction>().Should().Be(DestroyAction.KeyMaterialDeleted);
        payload.Required(Tag.ClientRegistrationMethod).AsEnumOf<ClientRegistrationMethod>().Should().Be(ClientRegistrationMethod.ClientRegistered);
        payload.ChildrenOf(Tag.AttestationType).Should().BeEmpty("the server takes no attestation");
        var objects = payload.ChildrenOf(Tag.ObjectType).Select(o => o.AsEnumOf<ObjectType>()).ToList();
        if (v.IsV2)
        {
            capabilities.Required(Tag.QuantumSafeCapability).AsBoolean.Should().BeTrue();
            payload.Required(Tag.ProtectionStorageMasks).Required(Tag.ProtectionStorageMask).AsInt32.Should().Be((int)ProtectionStorageMask.Software);
            objects.Should().Contain(ObjectType.CertificateRequest);
        }
        else
        {
            capabilities.Child(Tag.QuantumSafeCapability).Should().BeNull("Quantum Safe came with 2.0");
            payload.Child(Tag.ProtectionStorageMasks).Should().BeNull();
            objects.Should().NotContain(ObjectType.CertificateRequest).And.Contain(ObjectType.SplitKey);
        }
    }
}
