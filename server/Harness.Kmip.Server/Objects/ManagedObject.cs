namespace Harness.Kmip.Server.Objects;

/// <summary>
/// A managed object (KMIP 1.4 §2.2): its attributes and, for keys, secrets, certificates and opaque objects, the
/// object structure itself (Symmetric Key with its Key Block, ...). Instances are never changed once published in
/// the object store: an operation works on a <see cref="Clone"/> and the store swaps it in.
/// </summary>
public sealed class ManagedObject
{
    private static long s_sequence;

    public ManagedObject(string id, ObjectType type, string owner, long sequence = 0)
    {
        Sequence = sequence == 0 ? Interlocked.Increment(ref s_sequence) : sequence;
        Id = id;
        ObjectType = type;
        Owner = owner;
    }

    public string Id { get; }

    /// <summary>Creation order in this process (orders Locate results created in the same second).</summary>
    public long Sequence { get; }
    public ObjectType ObjectType { get; }

    /// <summary>The identity (client certificate) that created the object; only it may use the object.</summary>
    public string Owner { get; }

    /// <summary>The object structure (e.g. SymmetricKey), tagged as it is sent in Get; null once destroyed.</summary>
    public TtlvNode? Value { get; set; }

    public List<StoredAttribute> Attributes { get; private set; } = new();

    /// <summary>Encoded bytes of the attribute values, as last published (the owner's usage counts them).</summary>
    internal long AttributeBytes { get; set; }

    /// <summary>Incremented by each change; the durable store keeps the latest.</summary>
    public long Version { get; set; }

    /// <summary>
    /// The key material as last sealed for the store, with the value and root key it was sealed from: an attribute change
    /// reuses it instead of sealing the same material again. Set while the record is built outside the store's lock and
    /// read by clones made meanwhile, so it is one reference, written and read whole.
    /// </summary>
    internal SealedMaterial? SealedValue { get; set; }

    public ManagedObject Clone() => new(Id, ObjectType, Owner, Sequence)
    {
        Value = Value,
        SealedValue = SealedValue,
        Attributes = new List<StoredAttribute>(Attributes),
        Version = Version,
    };

    // ---- attribute access by spec name -----------------------------------------------------------------------
    public IEnumerable<StoredAttribute> All(string fullName) => Attributes.Where(a => a.FullName == fullName);
    public StoredAttribute? Find(string fullName, int index = 0)
    {
        int i = IndexOf(fullName, index);
        return i < 0 ? null : Attributes[i];
    }

    public TtlvNode? Get(string fullName) => Find(fullName)?.Value;

    public bool Has(string fullName)
    {
        foreach (var a in Attributes) if (a.FullName == fullName) return true;
        return false;
    }

    // Attribute access runs for every attribute of every object an operation builds: a plain loop, no delegate.
    private int IndexOf(string fullName, int index)
    {
        var attributes = Attributes;
        for (int i = 0; i < attributes.Count; i++)
            if (attributes[i].Index == index && attributes[i].FullName == fullName) return i;
        return -1;
    }

    /// <summary>Sets a single-valued attribute (replaces index 0, or adds it).</summary>
    public void Set(string fullName, TtlvNode value)
    {
        var (vendor, name) = AttributeNames.Split(fullName);
        var v = value.Tag == Tag.AttributeValue ? value : value.WithTag(Tag.AttributeValue);
        int i = IndexOf(fullName, 0);
        if (i >= 0) Attributes[i] = StoredAttribute.Of(vendor, name, 0, v);
        else Attributes.Add(StoredAttribute.Of(vendor, name, 0, v));
    }

    public void Add(string fullName, TtlvNode value)
    {
        var (vendor, name) = AttributeNames.Split(fullName);
        int next = Attributes.Where(a => a.FullName == fullName).Select(a => a.Index + 1).DefaultIfEmpty(0).Max();
        Attributes.Add(StoredAttribute.Of(vendor, name, next, value.WithTag(Tag.AttributeValue)));
    }

    public void Remove(string fullName) => Attributes.RemoveAll(a => a.FullName == fullName);

    public State State
    {
        get => (State)(Get(AttributeNames.State)?.AsEnum ?? (uint)State.PreActive);
        set => Set(AttributeNames.State, TtlvNode.Enumeration(Tag.AttributeValue, value));
    }

    public DateTimeOffset? Date(string fullName) => Get(fullName) is { Type: ItemType.DateTime } n ? n.AsDateTime : null;

    public void SetDate(string fullName, DateTimeOffset when) => Set(fullName, TtlvNode.DateTime(Tag.AttributeValue, when));

    public IEnumerable<string> Names => Attributes.Select(a => a.FullName).Distinct();

    /// <summary>The Name Value of each of the object's Names.</summary>
    public IEnumerable<string> NameValues
    {
        get
        {
            foreach (var a in Attributes)
                if (a.Vendor is null && a.Name == AttributeNames.Name && a.Value.Child(Tag.NameValue) is { Type: ItemType.TextString } text)
                    yield return text.AsText;
        }
    }
}

/// <summary>Key material as sealed for the store: the root key and value it was sealed from, and the sealed bytes.</summary>
internal sealed record SealedMaterial(object RootKey, TtlvNode Value, byte[] Sealed);
