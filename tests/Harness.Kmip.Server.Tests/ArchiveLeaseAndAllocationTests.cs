using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Archive and Recover, Obtain Lease, Get Usage Allocation, Adjust Attribute and Ping over mutual TLS: what each
/// changes, what an archived object still answers, and each refusal with its reason under 1.x and 2.x.
/// </summary>
public class ArchiveLeaseAndAllocationTests
{
    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Archive_TakesTheObjectOffLine_ItsAttributesStayVisible_AndRecoverBringsItBack(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectName("to archive")]);
        var other = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

        IdOf(await client.OneAsync(v, KmipBatchItems.Archive(key))).Should().Be(key);
        IdOf(await client.OneAsync(v, KmipBatchItems.Archive(key))).Should().Be(key, "archiving an archived object changes nothing");

        var get = await client.OneAsync(v, KmipBatchItems.Get(key));
        get.ResultReason.Should().Be(ResultReason.ObjectArchived);
        get.ResultMessage.Should().Be($"'{key}' is archived: Recover it before this operation");
        (await client.OneAsync(v, KmipBatchItems.Activate(key))).ResultReason.Should().Be(ResultReason.ObjectArchived);
        (await ops.GetAttributesAsync(key)).Should().Contain(a => a.Name == "y-Harness-ArchivedAt", "the attributes stay visible, with the mark");
        (await ops.LocateAsync([])).Should().Equal([other], "Locate searches on-line objects unless asked");
        var both = await client.OneAsync(v, new BatchItemRequest(Operation.Locate, KmipRequests.Payload(
            TtlvNode.Integer(Tag.StorageStatusMask, (int)(StorageStatusMask.OnLineStorage | StorageStatusMask.ArchivalStorage)))));
        both.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).Should().BeEquivalentTo([key, other]);

        IdOf(await client.OneAsync(v, KmipBatchItems.Recover(key))).Should().Be(key);
        (await ops.GetAsync(key)).KeyBlock.Should().NotBeNull();
        (await ops.GetAttributesAsync(key)).Should().NotContain(a => a.Name == "y-Harness-ArchivedAt");
        var missing = await client.OneAsync(v, KmipBatchItems.Archive("no-such-object"));
        missing.ResultReason.Should().Be(v.IsV2 ? ResultReason.ObjectNotFound : ResultReason.ItemNotFound);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task ObtainLease_GivesTheLeaseTimeAndLastChangeDate_AndNoLeaseOnADestroyedKeyOrACertificate(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        await ops.ActivateAsync(key);
        var attributes = await ops.GetAttributesAsync(key);

        var lease = (await client.OneAsync(v, KmipBatchItems.ObtainLease(key))).EnsureSuccess().RequiredPayload;

        lease.Required(Tag.LeaseTime).AsInterval.Should().Be(attributes.Single(a => a.Name == "Lease Time").Value.AsInterval).And.BeGreaterThan(0);
        lease.Required(Tag.LastChangeDate).AsDateTime.Should().Be(attributes.Single(a => a.Name == "Last Change Date").Value.AsDateTime);

        var destroyed = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        await ops.DestroyAsync(destroyed);
        var refused = await client.OneAsync(v, KmipBatchItems.ObtainLease(destroyed));
        refused.ResultReason.Should().Be(v.IsV2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied);
        refused.ResultMessage.Should().Be($"'{destroyed}' is Destroyed: no lease is granted on it");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task GetUsageAllocation_CountsTheAllocationOffTheUsageLimits_AndRefusesMoreThanIsLeft(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var limits = KmipAttribute.Standard(Tag.UsageLimits, TtlvNode.Structure(Tag.UsageLimits,
            TtlvNode.LongInteger(Tag.UsageLimitsTotal, 10), TtlvNode.Enumeration(Tag.UsageLimitsUnit, UsageLimitsUnit.Object)));
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, limits]);
        var unlimited = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

        var notActive = await client.OneAsync(v, KmipBatchItems.GetUsageAllocation(key, 4));
        notActive.ResultReason.Should().Be(v.IsV2 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied);
        await ops.ActivateAsync(key);
        IdOf(await client.OneAsync(v, KmipBatchItems.GetUsageAllocation(key, 4))).Should().Be(key);

        long Count(IEnumerable<KmipAttribute> attributes) => attributes.Single(a => a.Name == "Usage Limits").Value.Required(Tag.UsageLimitsCount).Number;
        Count(await ops.GetAttributesAsync(key)).Should().Be(6);
        var tooMuch = await client.OneAsync(v, KmipBatchItems.GetUsageAllocation(key, 7));
        tooMuch.ResultReason.Should().Be(v.IsV2 ? ResultReason.UsageLimitExceeded : ResultReason.PermissionDenied);
        tooMuch.ResultMessage.Should().Be($"'{key}' has 6 of its 10 left in its Usage Limits; 7 were asked for");
        Count(await ops.GetAttributesAsync(key)).Should().Be(6, "a refused allocation takes nothing");
        var noLimits = await client.OneAsync(v, KmipBatchItems.GetUsageAllocation(unlimited, 1));
        noLimits.ResultReason.Should().Be(v.IsV2 ? ResultReason.AttributeNotFound : ResultReason.ItemNotFound);
        var negative = await client.OneAsync(v, KmipBatchItems.GetUsageAllocation(key, -1));
        negative.ResultReason.Should().Be(ResultReason.InvalidField);
    }

    [Fact]
    public async Task AdjustAttribute_MovesNumbersAndDates_NegatesBooleans_AndRefusesServerAttributesAndWrongTypes()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var activation = DateTimeOffset.FromUnixTimeSeconds(2_000_000_000);
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, Date(Tag.ActivationDate, activation)]);
        TtlvNode Vendor(string name) => TtlvNode.Structure(Tag.AttributeReference, TtlvNode.Text(Tag.VendorIdentification, "x"), TtlvNode.Text(Tag.AttributeName, name));
        TtlvNode Standard(Tag tag) => TtlvNode.Enumeration(Tag.AttributeReference, (uint)tag);
        async Task<TtlvNode> ValueAsync(string name) => (await ops.GetAttributesAsync(key)).Single(a => a.Name == name).Value;

        // An absent counter starts at 0 of the value's type; then it moves by the value, or by 1.
        IdOf(await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("uses"), AdjustmentType.Increment, TtlvNode.Integer(Tag.AdjustmentValue, 5))));
        IdOf(await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("uses"), AdjustmentType.Decrement)));
        (await ValueAsync("x-uses")).AsInt32.Should().Be(4);
        IdOf(await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("uses"), AdjustmentType.Negate)));
        (await ValueAsync("x-uses")).AsInt32.Should().Be(-4);
        IdOf(await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("flag"), AdjustmentType.Negate)));
        (await ValueAsync("x-flag")).AsBoolean.Should().BeTrue("an absent Boolean is false, negated");
        // A date that has not taken effect moves by seconds.
        IdOf(await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Standard(Tag.ActivationDate), AdjustmentType.Increment, TtlvNode.Interval(Tag.AdjustmentValue, 3600))));
        (await ValueAsync("Activation Date")).AsDateTime.Should().Be(activation.AddHours(1));

        var readOnly = await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Standard(Tag.InitialDate), AdjustmentType.Increment));
        readOnly.ResultReason.Should().Be(ResultReason.ReadOnlyAttribute);
        readOnly.ResultMessage.Should().Be("'Initial Date' is set by the server: a client cannot adjust it");
        var booleanUp = await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("flag"), AdjustmentType.Increment));
        booleanUp.ResultReason.Should().Be(ResultReason.InvalidDataType);
        booleanUp.ResultMessage.Should().Be("'x-flag' is a Boolean: a Boolean can only be negated");
        (await client.OneAsync(V21, new BatchItemRequest(Operation.SetAttribute, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, key),
            TtlvNode.Structure(Tag.NewAttribute, TtlvNode.Structure(Tag.Attribute,
                TtlvNode.Text(Tag.VendorIdentification, "x"), TtlvNode.Text(Tag.AttributeName, "big"), TtlvNode.Integer(Tag.AttributeValue, int.MaxValue))))))).EnsureSuccess();
        var overflow = await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Vendor("big"), AdjustmentType.Increment));
        overflow.ResultReason.Should().Be(ResultReason.NumericRange);
        (await ValueAsync("x-big")).AsInt32.Should().Be(int.MaxValue, "a refused adjustment changes nothing");
        var name = await client.OneAsync(V21, KmipBatchItems.AdjustAttribute(key, Standard(Tag.Name), AdjustmentType.Increment, TtlvNode.Integer(Tag.AdjustmentValue, 1)));
        name.ResultReason.Should().Be(ResultReason.InvalidField, "a key without a Name has nothing to adjust");
        name.ResultMessage.Should().Be($"'{key}' has no Name to adjust: only a custom attribute starts from 0 or false");
        (await client.OneAsync(V14, KmipBatchItems.AdjustAttribute(key, Vendor("uses"), AdjustmentType.Increment))).ResultReason.Should().Be(ResultReason.OperationNotSupported);
    }

    [Fact]
    public async Task Ping_AnswersAnEmptyPayloadUnderKmip21_AndIsNotAnOperationOf14()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var ping = await client.OneAsync(V21, KmipBatchItems.Ping());

        ping.EnsureSuccess().RequiredPayload.Items.Should().BeEmpty();
        (await client.OneAsync(V14, KmipBatchItems.Ping())).ResultReason.Should().Be(ResultReason.OperationNotSupported);
    }
}
