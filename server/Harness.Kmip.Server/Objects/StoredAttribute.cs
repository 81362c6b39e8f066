namespace Harness.Kmip.Server.Objects;

/// <summary>
/// One attribute instance of a managed object, kept in the KMIP 1.x shape: a name ("Cryptographic Algorithm", or for
/// custom attributes the vendor part and the name, as "x-Product_Version" is stored as Vendor "x" and Name
/// "Product_Version"), an index, and the value tagged Attribute Value. KMIP 2.x messages carry the same value under
/// the attribute's own tag, or as a Vendor Attribute (KMIP 2.1 §4.60); <see cref="AttributeCodec"/> converts.
/// </summary>
public sealed record StoredAttribute(string? Vendor, string Name, int Index, TtlvNode Value)
{
    /// <summary>The KMIP 1.x Attribute Name: the spec name, or "vendor-name" for custom attributes.</summary>
    public string FullName { get; } = Vendor is null ? Name : $"{Vendor}-{Name}";

    public bool IsCustom => Vendor is not null;
}
