using Harness.Kmip;
using Harness.Steps;
using static Harness.Simulator.Tests.Vsphere.RequestMessages;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// VSPHERE-MODEL.md, "vCenter's KMIP conversation (what a KMS must answer)": the request messages vCenter sends to a KMS
/// it has just trusted when it encrypts a VM, checked one by one.
/// </summary>
public class VCenterKmipConversationTests
{
    [Fact]
    public async Task EncryptVmAsync_OnANewlyTrustedKms_SendsExactlyVCentersKmipConversation()
    {
        await using var site = new SimulatedSite();
        await site.AddKmsClusterAsync("kms-prod", 1);
        var vc = site.VCenter;
        await site.TrustAsync(vc, "kms-prod", "kms-prod", waitForTrust: true);
        site.Simulation.AddCluster("cl01", ["esx01", "esx02"]);
        var vm = site.Simulation.AddVm("app01", "esx01", poweredOn: false);
        // The hosts are crypto-safe already (their host keys made), and vCenter connects anew: what follows is the
        // conversation for one VM's key.
        foreach (var host in site.Simulation.Hosts) await vc.EnableCryptoAsync(host);
        await vc.Crypto.DropConnectionsAsync(vc.KeyProviders["kms-prod"]);
        vc.Crypto.RecordRequests = true;
        long before = vc.Crypto.RequestCount;

        await vc.EncryptVmAsync(vm);

        var keyId = vm.KeyId;
        keyId.Should().NotBeNullOrEmpty("the VM is encrypted with a key of the KMS");
        vm.ProviderId.Should().Be("kms-prod");
        var sent = vc.Crypto.SentRequests.ToList();
        var listing = Describe(sent);
        sent.Should().HaveCount(9, $"vCenter sends 7 messages to make a key on a new connection, then reads its State and activates it; it sent:{Environment.NewLine}{listing}");
        (vc.Crypto.RequestCount - before).Should().Be(9, "the counter counts the same messages");

        // Every message: protocol 1.1 in the header, a batch count that matches, 8-byte Unique Batch Item IDs.
        for (int m = 0; m < sent.Count; m++)
        {
            Version(sent[m]).Should().Be(ProtocolVersion.V1_1, $"message {m + 1} ({Describe(sent[m])}) carries protocol version 1.1");
            var items = BatchItems(sent[m]);
            Header(sent[m]).Required(Tag.BatchCount).AsInt32.Should().Be(items.Count, $"message {m + 1} counts its batch items");
            foreach (var item in items)
            {
                var id = item.Child(Tag.UniqueBatchItemID);
                id.Should().NotBeNull($"every batch item of message {m + 1} ({Describe(sent[m])}) has a Unique Batch Item ID");
                id!.AsBytes.Should().HaveCount(8, $"vCenter's Unique Batch Item IDs are 8 bytes (message {m + 1})");
            }
        }
        var allIds = sent.SelectMany(BatchItems).Select(i => Convert.ToHexString(i.Required(Tag.UniqueBatchItemID).AsBytes)).ToList();
        allIds.Should().OnlyHaveUniqueItems("each batch item gets its own random ID");

        // Nothing but the conversation: no Destroy, no Locate; the one Activate is the last message.
        sent.SelectMany(Operations).Should().NotContain(Operation.Destroy).And.NotContain(Operation.Locate);
        sent.Take(7).SelectMany(Operations).Should().NotContain(Operation.Activate, "the conversation that makes a key does not activate it");

        // 1, 2: Discover Versions, twice.
        Operations(sent[0]).Should().Equal([Operation.DiscoverVersions], "message 1 is Discover Versions");
        Operations(sent[1]).Should().Equal([Operation.DiscoverVersions], "message 2 is Discover Versions again");

        // 3: Query (Query Server Information).
        Operations(sent[2]).Should().Equal([Operation.Query], "message 3 is Query");
        PayloadOf(BatchItems(sent[2])[0]).ChildrenOf(Tag.QueryFunction).Select(f => f.AsEnumOf<QueryFunction>())
            .Should().Equal([QueryFunction.QueryServerInformation], "vCenter queries the server information only");

        // 4: Create a Symmetric Key with exactly three attributes.
        Operations(sent[3]).Should().Equal([Operation.Create], "message 4 is Create");
        var create = PayloadOf(BatchItems(sent[3])[0]);
        create.Required(Tag.ObjectType).AsEnumOf<ObjectType>().Should().Be(ObjectType.SymmetricKey);
        var template = create.Required(Tag.TemplateAttribute);
        template.Items.Should().OnlyContain(n => n.Tag == Tag.Attribute, "the template holds attributes only (no Name, no template names)");
        var attributes = Attributes(template);
        attributes.Select(a => a.Name).Should().BeEquivalentTo(
            ["Cryptographic Algorithm", "Cryptographic Usage Mask", "Cryptographic Length"],
            "Create carries exactly three attributes");
        attributes.Select(a => a.Name).Should().NotContain("Name", "vCenter does not name the key");
        attributes.Single(a => a.Name == "Cryptographic Algorithm").Value.AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.AES);
        attributes.Single(a => a.Name == "Cryptographic Usage Mask").Value.AsInt32.Should().Be(12, "Encrypt | Decrypt = 4 | 8");
        attributes.Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(256);

        // 5: Get Attributes of the new key, naming only x-Product_Version.
        Operations(sent[4]).Should().Equal([Operation.GetAttributes], "message 5 is Get Attributes");
        var getAttributes = PayloadOf(BatchItems(sent[4])[0]);
        getAttributes.Required(Tag.UniqueIdentifier).AsText.Should().Be(keyId, "Get Attributes asks about the key just created");
        getAttributes.ChildrenOf(Tag.AttributeName).Select(n => n.AsText).Should().Equal(["x-Product_Version"]);

        // 6: one message with three Add Attribute items.
        Operations(sent[5]).Should().Equal([Operation.AddAttribute, Operation.AddAttribute, Operation.AddAttribute],
            "message 6 is three Add Attribute batch items in one message");
        var added = BatchItems(sent[5]).Select(PayloadOf).ToList();
        added.Should().OnlyContain(p => p.Required(Tag.UniqueIdentifier).AsText == keyId, "every Add Attribute names the new key");
        added.Select(p => Attributes(p).Single()).Select(a => (a.Name, a.Value.AsText)).Should().Equal(
            ("x-Product_Version", "7.0.3 build-19480866"),
            ("x-Vendor", "VMware, Inc."),
            ("x-Product", "VMware vSphere"));

        // 7: Get of the new key in Raw format.
        Operations(sent[6]).Should().Equal([Operation.Get], "message 7 is Get");
        var get = PayloadOf(BatchItems(sent[6])[0]);
        get.Required(Tag.UniqueIdentifier).AsText.Should().Be(keyId);
        get.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>().Should().Be(KeyFormatType.Raw);

        // 8: Get Attributes "State" of the key vCenter is about to use; 9: Activate, as the KMS made it Pre-Active
        // (vSphere uses only Active keys and activates a Pre-Active one itself).
        Operations(sent[7]).Should().Equal([Operation.GetAttributes], "message 8 reads the key's State");
        PayloadOf(BatchItems(sent[7])[0]).ChildrenOf(Tag.AttributeName).Select(n => n.AsText).Should().Equal(["State"]);
        Operations(sent[8]).Should().Equal([Operation.Activate], "message 9 activates the Pre-Active key");
        PayloadOf(BatchItems(sent[8])[0]).Required(Tag.UniqueIdentifier).AsText.Should().Be(keyId);
        (await site.Kms("kms-prod").Administration.KeyStateAsync(keyId!)).Should().Be("Active");

        // The KMS stored the three custom attributes on the key.
        var onKms = KmsInventory.Parse(await site.Kms("kms-prod").Administrator.GetObjectAsync(keyId!));
        onKms.ObjectType.Should().Be("SymmetricKey");
        onKms.CustomAttributes.Should().Contain("x-Product_Version", "7.0.3 build-19480866")
            .And.Contain("x-Vendor", "VMware, Inc.")
            .And.Contain("x-Product", "VMware vSphere");

        // And the VM works: its host has the key, its disks read back.
        Simulation.ReadsBackIntact(vm, out var reason).Should().BeTrue(reason);
    }
}
