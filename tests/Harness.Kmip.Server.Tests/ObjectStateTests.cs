using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Object states and the dates that drive them (KMIP 1.4 §3.22), Locate (§4.9) and Re-key (§4.4).</summary>
public class ObjectStateTests
{
    public static TheoryData<int, int> Versions => new() { { 1, 4 }, { 2, 1 } };

    private static IEnumerable<KmipAttribute?> Link(IReadOnlyList<KmipAttribute> attributes, LinkType type) =>
        attributes.Where(a => a.Name == "Link" && a.Value.Child(Tag.LinkType)?.AsEnumOf<LinkType>() == type);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Create_ActivationDateInThePast_ActiveAtOnce(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);

        var id = await client.CreateKeyAsync(v, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddHours(-1)));

        (await client.StateAsync(id, v)).Should().Be(State.Active);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Create_ActivationDateInTheFuture_PreActiveUntilTheClockPassesIt(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var id = await client.CreateKeyAsync(v, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(10)));

        (await client.StateAsync(id, v)).Should().Be(State.PreActive);
        kms.Clock.Advance(TimeSpan.FromMinutes(9));
        (await client.StateAsync(id, v)).Should().Be(State.PreActive);

        kms.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        (await client.StateAsync(id, v)).Should().Be(State.Active);
        (await client.LocateAsync(v, [KmipAttribute.State(State.Active)])).Ids.Should().Equal(id);
    }

    [Fact]
    public async Task DeactivationDate_Reached_Deactivated()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var now = kms.Clock.GetUtcNow();
        var id = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, now.AddMinutes(-1)), Date(Tag.DeactivationDate, now.AddHours(1)));
        (await client.StateAsync(id)).Should().Be(State.Active);

        kms.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        (await client.StateAsync(id)).Should().Be(State.Deactivated);
        (await client.LocateAsync(V14, [KmipAttribute.State(State.Deactivated)])).Ids.Should().Equal(id);
    }

    [Fact]
    public async Task DeactivationDate_PassedWhileServerDown_DeactivatedAfterRestart()
    {
        await using var kms = await KmsFixture.StartAsync();
        string id;
        var now = kms.Clock.GetUtcNow();
        await using (var client = await kms.ConnectAsync())
            id = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, now.AddMinutes(-1)), Date(Tag.DeactivationDate, now.AddHours(1)));
        kms.Clock.Advance(TimeSpan.FromHours(2));

        await kms.RestartAsync();

        await using var after = await kms.ConnectAsync();
        (await after.StateAsync(id)).Should().Be(State.Deactivated);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Revoke_KeyCompromiseThenDestroy_CompromisedThenDestroyedCompromised(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var id = await client.CreateKeyAsync(v, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(-1)));

        (await client.OneAsync(v, KmipBatchItems.Revoke(id, RevocationReasonCode.KeyCompromise, "stolen laptop", kms.Clock.GetUtcNow().AddMinutes(-1))))
            .EnsureSuccess();
        (await client.StateAsync(id, v)).Should().Be(State.Compromised);

        (await client.OneAsync(v, KmipBatchItems.Destroy(id))).EnsureSuccess();

        (await client.StateAsync(id, v)).Should().Be(State.DestroyedCompromised);
        (await client.OneAsync(v, KmipBatchItems.Get(id))).IsSuccess.Should().BeFalse("the material is gone");
    }

    [Fact]
    public async Task Destroy_ActiveKey_RefusedUntilRevoked()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V21, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(-1)));

        var refused = await client.OneAsync(V21, KmipBatchItems.Destroy(id));

        refused.ResultReason.Should().Be(ResultReason.WrongKeyLifecycleState);
        (await client.OneAsync(V21, KmipBatchItems.Revoke(id, RevocationReasonCode.CessationOfOperation))).EnsureSuccess();
        (await client.StateAsync(id, V21)).Should().Be(State.Deactivated);
        (await client.OneAsync(V21, KmipBatchItems.Destroy(id))).EnsureSuccess();
        (await client.StateAsync(id, V21)).Should().Be(State.Destroyed);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Locate_DestroyedObjects_FoundOnlyWhenStateIsAsked(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var group = KmipAttribute.ObjectGroup("state-locate");
        var destroyed = await client.CreateKeyAsync(v, group);
        var kept = await client.CreateKeyAsync(v, group);
        (await client.OneAsync(v, KmipBatchItems.Destroy(destroyed))).EnsureSuccess();

        (await client.LocateAsync(v, [group])).Ids.Should().Equal(kept);
        (await client.LocateAsync(v, [])).Ids.Should().Equal(kept);
        (await client.LocateAsync(v, [group, KmipAttribute.State(State.Destroyed)])).Ids.Should().Equal(destroyed);
        (await client.LocateAsync(v, [KmipAttribute.State(State.PreActive)])).Ids.Should().Equal(kept);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Locate_MaximumAndOffsetItems_PagesNewestFirst(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var group = KmipAttribute.ObjectGroup("paged");
        var created = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            created.Add(await client.CreateKeyAsync(v, group));
            kms.Clock.Advance(TimeSpan.FromSeconds(2));
        }
        await client.CreateKeyAsync(v, KmipAttribute.ObjectGroup("elsewhere"));
        var newestFirst = Enumerable.Reverse(created).ToList();

        var page1 = await client.LocateAsync(v, [group], maximumItems: 2);
        var page2 = await client.LocateAsync(v, [group], maximumItems: 2, offsetItems: 2);
        var page3 = await client.LocateAsync(v, [group], maximumItems: 2, offsetItems: 4);
        var past = await client.LocateAsync(v, [group], maximumItems: 2, offsetItems: 5);

        page1.Ids.Should().Equal(newestFirst[0], newestFirst[1]);
        page2.Ids.Should().Equal(newestFirst[2], newestFirst[3]);
        page3.Ids.Should().Equal(newestFirst[4]);
        past.Ids.Should().BeEmpty();
        new[] { page1, page2, page3, past }.Select(p => p.LocatedItems).Should().AllBeEquivalentTo(5, "Located Items counts every match, not the page");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Locate_ByCustomAttributeXVendor_FindsOnlyThoseKeys(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var vmware1 = await client.CreateKeyAsync(v, KmipAttribute.Text("x-Vendor", "VMware"), KmipAttribute.Text("x-Product", "vSphere"));
        await client.CreateKeyAsync(v, KmipAttribute.Text("x-Vendor", "Other"));
        await client.CreateKeyAsync(v);
        kms.Clock.Advance(TimeSpan.FromSeconds(1));
        var vmware2 = await client.CreateKeyAsync(v, KmipAttribute.Text("x-Vendor", "VMware"));

        (await client.LocateAsync(v, [KmipAttribute.Text("x-Vendor", "VMware")])).Ids.Should().Equal(vmware2, vmware1);
        (await client.LocateAsync(v, [KmipAttribute.Text("x-Vendor", "VMware"), KmipAttribute.Text("x-Product", "vSphere")])).Ids.Should().Equal(vmware1);
        (await client.LocateAsync(v, [KmipAttribute.Text("x-Vendor", "Nobody")])).Ids.Should().BeEmpty();
    }

    [Fact]
    public async Task Locate_ByUsageMaskBitsTheKeysHave_FindsKeysWithAtLeastThoseBits()
    {
        // KMIP 1.4 §4.9: a candidate matches when (its mask AND the requested mask) equals the requested mask.
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var encryptDecrypt = await client.CreateKeyAsync(); // Encrypt | Decrypt

        var found = await client.LocateAsync(V14, [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt)]);

        found.Ids.Should().Equal(encryptDecrypt);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ReKey_NamedKey_NewKeyLinkedToTheOldAndNameMoved(int major, int minor)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var v = new ProtocolVersion(major, minor);
        var old = await client.CreateKeyAsync(v, Name("rekey-me"), KmipAttribute.Text("x-Vendor", "VMware"));
        var oldBytes = await client.GetKeyBytesAsync(old, v);
        kms.Clock.Advance(TimeSpan.FromSeconds(5));

        var item = await client.OneAsync(v, ReKey(old));

        var fresh = item.EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        fresh.Should().NotBe(old);
        (await client.GetKeyBytesAsync(fresh, v)).Should().HaveCount(32).And.NotEqual(oldBytes);
        var oldAttributes = await client.GetAttributesAsync(old, v);
        var newAttributes = await client.GetAttributesAsync(fresh, v);
        oldAttributes.Should().NotContain(a => a.Name == "Name", "the names move to the replacement key");
        newAttributes.Should().ContainSingle(a => a.Name == "Name").Which.Value.Child(Tag.NameValue)!.AsText.Should().Be("rekey-me");
        Link(oldAttributes, LinkType.ReplacementObjectLink).Should().ContainSingle()
            .Which!.Value.Child(Tag.LinkedObjectIdentifier)!.AsText.Should().Be(fresh);
        Link(newAttributes, LinkType.ReplacedObjectLink).Should().ContainSingle()
            .Which!.Value.Child(Tag.LinkedObjectIdentifier)!.AsText.Should().Be(old);
        newAttributes.Should().ContainSingle(a => a.Name == "x-Vendor").Which.AsText.Should().Be("VMware");
        newAttributes.Single(a => a.Name == "Initial Date").Value.AsDateTime
            .Should().Be(DateTimeOffset.FromUnixTimeSeconds(kms.Clock.GetUtcNow().ToUnixTimeSeconds()));
        (await client.LocateAsync(v, [Name("rekey-me")])).Ids.Should().Equal(fresh);
        (await client.GetKeyBytesAsync(old, v)).Should().Equal(oldBytes, "the existing key stays usable");
    }

    [Fact]
    public async Task ReKey_WithoutOffset_ReplacementCopiesTheDatesAndIsActive()
    {
        // KMIP 1.4 §4.4: "If no Offset is specified, the Activation Date, Process Start Date, Protect Stop Date and
        // Deactivation Date values are copied from the existing key."
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var now = DateTimeOffset.FromUnixTimeSeconds(kms.Clock.GetUtcNow().ToUnixTimeSeconds());
        var old = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, now.AddMinutes(-1)), Date(Tag.DeactivationDate, now.AddDays(30)));

        var fresh = (await client.OneAsync(V14, ReKey(old))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        var attributes = await client.GetAttributesAsync(fresh, V14, "Activation Date", "Deactivation Date", "State");
        attributes.Should().ContainSingle(a => a.Name == "Activation Date").Which.Value.AsDateTime.Should().Be(now.AddMinutes(-1));
        attributes.Should().ContainSingle(a => a.Name == "Deactivation Date").Which.Value.AsDateTime.Should().Be(now.AddDays(30));
        attributes.Single(a => a.Name == "State").AsEnum<State>().Should().Be(State.Active);
    }

    [Fact]
    public async Task ReKey_WithOffset_ActivationAtInitialDatePlusOffset()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var now = DateTimeOffset.FromUnixTimeSeconds(kms.Clock.GetUtcNow().ToUnixTimeSeconds());
        var old = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, now.AddMinutes(-10)), Date(Tag.DeactivationDate, now.AddHours(1)));
        var rekey = new BatchItemRequest(Operation.ReKey, KmipRequests.Payload(
            TtlvNode.Text(Tag.UniqueIdentifier, old), TtlvNode.Interval(Tag.Offset, 3600)));

        var fresh = (await client.OneAsync(V14, rekey)).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        var attributes = await client.GetAttributesAsync(fresh, V14, "Activation Date", "Deactivation Date", "State");
        attributes.Single(a => a.Name == "Activation Date").Value.AsDateTime.Should().Be(now.AddHours(1));
        // Deactivation = DT1 + (AT2 - AT1) (KMIP 1.4 §4.4 Table 172)
        attributes.Single(a => a.Name == "Deactivation Date").Value.AsDateTime.Should().Be(now.AddHours(1) + (now.AddHours(1) - now.AddMinutes(-10)));
        attributes.Single(a => a.Name == "State").AsEnum<State>().Should().Be(State.PreActive);
    }
}
