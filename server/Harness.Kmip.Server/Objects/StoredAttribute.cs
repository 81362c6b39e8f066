using System.Collections.Concurrent;

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

    private const int SharedCapacity = 4096;
    private static readonly ConcurrentDictionary<(string? Vendor, string Name, int Index, int Tag, ItemType Type, long Number), StoredAttribute> s_shared = new();
    private static readonly ConcurrentDictionary<string, string> s_names = new(StringComparer.Ordinal);

    /// <summary>
    /// The attribute, as one shared instance when its value is a small scalar (enumeration, integer, boolean, interval,
    /// date): a hundred thousand keys hold the same Object Type, State, Cryptographic Algorithm and Length, usage mask
    /// and handling flags, keys made in the same second the same dates, and names read back from the store are one
    /// string each, not one per object. Values and instances are immutable; at most 4,096 of each are kept, and when
    /// the instances are that many they are forgotten and sharing starts again (the dates of today's keys, not of the
    /// first hour's).
    /// </summary>
    public static StoredAttribute Of(string? vendor, string name, int index, TtlvNode value)
    {
        vendor = vendor is null ? null : Share(vendor);
        name = Share(name);
        if (value.Type is not (ItemType.Enumeration or ItemType.Integer or ItemType.LongInteger or ItemType.Boolean
            or ItemType.Interval or ItemType.DateTime))
            return new StoredAttribute(vendor, name, index, value);
        var key = (vendor, name, index, value.RawTag, value.Type, value.Number);
        if (s_shared.TryGetValue(key, out var shared)) return shared;
        var created = new StoredAttribute(vendor, name, index, value);
        if (s_shared.Count >= SharedCapacity) s_shared.Clear();
        return s_shared.GetOrAdd(key, created);
    }

    private static string Share(string text)
    {
        if (text.Length > 64) return text;
        if (s_names.TryGetValue(text, out var shared)) return shared;
        return s_names.Count < SharedCapacity ? s_names.GetOrAdd(text, text) : text;
    }
}
