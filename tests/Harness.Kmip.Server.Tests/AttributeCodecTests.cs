using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Tests;

/// <summary>How attributes are kept: the store's encoding, and the sharing of identical small attributes between objects.</summary>
public class AttributeCodecTests
{
    private static ManagedObject SampleObject()
    {
        var obj = new ManagedObject(Guid.NewGuid().ToString(), ObjectType.SymmetricKey, "owner");
        obj.Set(AttributeNames.CryptographicAlgorithm, TtlvNode.Enumeration(Tag.AttributeValue, CryptographicAlgorithm.AES));
        obj.Set(AttributeNames.CryptographicLength, TtlvNode.Integer(Tag.AttributeValue, 256));
        obj.Set(AttributeNames.Fresh, TtlvNode.Boolean(Tag.AttributeValue, true));
        obj.SetDate(AttributeNames.InitialDate, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        obj.Add(AttributeNames.Name, TtlvNode.Structure(Tag.AttributeValue,
            TtlvNode.Text(Tag.NameValue, "clé ünïcode 鍵"), TtlvNode.Enumeration(Tag.NameType, NameType.UninterpretedTextString)));
        obj.Add("x-Tag", TtlvNode.Text(Tag.AttributeValue, "first"));
        obj.Add("x-Tag", TtlvNode.Text(Tag.AttributeValue, "second, at index 1"));
        obj.Add("x-Blob", TtlvNode.Bytes(Tag.AttributeValue, [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        return obj;
    }

    [Fact]
    public void EncodeForStore_IsTheEncodingOfTheTemplateAttributeStructure_ByteForByte()
    {
        var obj = SampleObject();
        var expected = TtlvWriter.Encode(TtlvNode.Structure(Tag.TemplateAttribute, obj.Attributes.Select(a => AttributeCodec.ToAttributeStructure(a, withIndex: true))));

        AttributeCodec.EncodeForStore(obj.Attributes).Should().Equal(expected);
        var decoded = TtlvReader.Decode(AttributeCodec.EncodeForStore(obj.Attributes)).Items.Select(AttributeCodec.FromAttributeStructure).ToList();
        decoded.Select(a => (a.FullName, a.Index, TtlvDump.Format(a.Value))).Should().Equal(obj.Attributes.Select(a => (a.FullName, a.Index, TtlvDump.Format(a.Value))));
    }

    [Fact]
    public void SmallScalarAttributes_AreOneSharedInstance_OthersAreNot()
    {
        var (a, b) = (SampleObject(), SampleObject());
        a.Find(AttributeNames.CryptographicAlgorithm).Should().BeSameAs(b.Find(AttributeNames.CryptographicAlgorithm));
        a.Find(AttributeNames.CryptographicLength).Should().BeSameAs(b.Find(AttributeNames.CryptographicLength));
        a.Find(AttributeNames.Name).Should().NotBeSameAs(b.Find(AttributeNames.Name), "structures are the object's own");

        b.Set(AttributeNames.CryptographicLength, TtlvNode.Integer(Tag.AttributeValue, 128));
        a.Get(AttributeNames.CryptographicLength)!.AsInt32.Should().Be(256, "changing one object's attribute replaces its instance, never the shared one");
    }

    [Theory]
    [InlineData("", "Contact Information", "Contact Information")]
    [InlineData("x", "Tag", "x-Tag")]
    public void AnAttributeReferenceStructure_WithNoVendor_NamesTheStandardAttribute(string vendor, string name, string expected) =>
        AttributeCodec.ParseReference(TtlvNode.Structure(Tag.AttributeReference, TtlvNode.Text(Tag.VendorIdentification, vendor),
            TtlvNode.Text(Tag.AttributeName, name))).FullName.Should().Be(expected);
}
