namespace Harness.Simulator.Web.Vim25;

/// <summary>A field of a vim25 data object type or a parameter of a method, as vim25's schema declares it.</summary>
/// <param name="Type">"xsd:string", "xsd:int", ..., a data object type or an enumeration.</param>
/// <param name="Poly">The value may be of a subtype (or any type): the element carries xsi:type.</param>
/// <param name="Since">The vim25 version that added the field (null: always there): older clients do not get it.</param>
internal sealed record VimField(string Name, string Type, bool Array, bool Optional, bool Poly, Version? Since = null);

/// <summary>A vim25 data object type: its base type, the version that added it, and its own fields, in schema order.</summary>
internal sealed record VimDataType(string Name, string? Base, IReadOnlyList<VimField> OwnFields, Version? Since = null);

/// <summary>
/// vim25's types (data objects, enumerations, method parameters), loaded from vim25-types.tsv, which
/// tools/vim25-types/generate.py makes from govmomi's Go source of the vSphere API (Debian's
/// golang-github-vmware-govmomi-dev). The SOAP endpoint writes fields in their schema order and reads parameters by
/// their declared types with it.
/// </summary>
internal sealed class VimTypes
{
    private readonly Dictionary<string, VimDataType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _enums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<VimField>> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<VimField>> _allFields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _managedBase = new(StringComparer.Ordinal);

    public const string Resource = "Harness.Simulator.Web.Vim25.vim25-types.tsv";

    /// <summary>The table embedded in this assembly.</summary>
    public static VimTypes Vim25 { get; } = Load();

    private static VimTypes Load()
    {
        using var stream = typeof(VimTypes).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"the vim25 type table {Resource} is not embedded");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    internal static VimTypes Parse(TextReader reader)
    {
        var table = new VimTypes();
        List<VimField>? fields = null;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split('\t');
            switch (parts[0])
            {
                case "T" when parts.Length is 3 or 4:
                    fields = [];
                    table._types[parts[1]] = new VimDataType(parts[1], parts[2] == "-" ? null : parts[2], fields, parts.Length == 4 ? ParseVersion(parts[3]) : null);
                    break;
                case "R" when parts.Length == 2:
                    fields = [];
                    table._methods[parts[1]] = fields;
                    break;
                case "P" when parts.Length is 4 or 5 && fields is not null:
                    var flags = parts[3].Split(',');
                    fields.Add(new VimField(parts[1], parts[2], flags.Contains("array"), flags.Contains("optional"), flags.Contains("poly"),
                        parts.Length == 5 ? ParseVersion(parts[4]) : null));
                    break;
                case "M" when parts.Length == 3:
                    fields = null;
                    table._managedBase[parts[1]] = parts[2] == "-" ? null : parts[2];
                    break;
                case "E" when parts.Length == 3:
                    fields = null;
                    table._enums[parts[1]] = parts[2].Split(',');
                    break;
                default:
                    throw new InvalidDataException($"vim25 type table, line {lineNumber}: cannot read \"{line}\"");
            }
        }
        return table;
    }

    /// <summary>"6.7.1" → 6.7.1; "-" → null (no version).</summary>
    public static Version? ParseVersion(string text) =>
        text == "-" ? null : Version.TryParse(text.Contains('.') ? text : text + ".0", out var v) ? v : throw new InvalidDataException($"\"{text}\" is not a vim25 version");

    public VimDataType? DataType(string name) => _types.GetValueOrDefault(name);

    /// <summary>Every data object type, in the table's order.</summary>
    public IEnumerable<VimDataType> DataTypes => _types.Values;

    /// <summary>Every enumeration with its values, in the table's order.</summary>
    public IEnumerable<KeyValuePair<string, string[]>> Enums => _enums;

    /// <summary>Every method with its parameters (_this first), in the table's order.</summary>
    public IEnumerable<KeyValuePair<string, IReadOnlyList<VimField>>> Methods => _methods;

    public bool IsEnum(string name) => _enums.ContainsKey(name);

    public IReadOnlyList<string>? EnumValues(string name) => _enums.GetValueOrDefault(name);

    /// <summary>The parameters of a method (_this first), or null for a method vim25 does not have.</summary>
    public IReadOnlyList<VimField>? Parameters(string method) => _methods.GetValueOrDefault(method);

    /// <summary>Every field of a data object type, its bases' first (schema order); empty for an unknown type.</summary>
    public IReadOnlyList<VimField> Fields(string type)
    {
        lock (_allFields)
        {
            if (_allFields.TryGetValue(type, out var all)) return all;
            var list = new List<VimField>();
            if (_types.TryGetValue(type, out var t))
            {
                if (t.Base is not null) list.AddRange(Fields(t.Base));
                list.AddRange(t.OwnFields);
            }
            return _allFields[type] = list;
        }
    }

    public VimField? Field(string type, string name)
    {
        foreach (var f in Fields(type)) if (f.Name == name) return f;
        return null;
    }

    /// <summary>True when the managed object type <paramref name="type"/> is <paramref name="ancestor"/> or extends it (ClusterComputeResource is a ManagedEntity).</summary>
    public bool IsManagedA(string type, string ancestor)
    {
        for (string? t = type; t is not null; t = _managedBase.GetValueOrDefault(t))
            if (t == ancestor) return true;
        return false;
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="ancestor"/> or extends it.</summary>
    public bool IsA(string type, string ancestor)
    {
        for (string? t = type; t is not null; t = _types.GetValueOrDefault(t)?.Base)
            if (t == ancestor) return true;
        return false;
    }
}
