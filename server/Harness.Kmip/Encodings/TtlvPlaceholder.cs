using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Harness.Kmip.Encodings;

/// <summary>
/// A symbolic value of the OASIS KMIP test vectors ("$UNIQUE_IDENTIFIER_0", "$NOW-3600", "$DATA_25"): the profiles
/// documents say "the flow of unique identifiers between tests, the date-time values, and other dynamic items are
/// indicated using symbolic identifiers" (KMIP Additional Message Encodings v1.0 §5, §7).
/// </summary>
/// <remarks>
/// The XML and JSON parsers hand every placeholder they meet to an optional resolver. When there is no resolver, or it
/// returns null, the placeholder stays in the tree as an <em>unresolved placeholder node</em>: an ordinary
/// <see cref="TtlvNode"/> of the declared tag and type holding a neutral value (a Text String holds the placeholder text
/// itself; a Byte String or Big Integer is empty; numbers and dates are 0), registered in a side table so that
/// <see cref="TryGet"/> recognises it and the formatters write the placeholder text back. Nodes derived from it
/// (<see cref="TtlvNode.WithTag(int)"/>, a binary round trip) are ordinary values again.
/// </remarks>
public sealed partial record TtlvPlaceholder(string Text, int Tag, ItemType Type)
{
    private static readonly ConditionalWeakTable<TtlvNode, string> Unresolved = new();

    // $NAME, $NAME_3, $NOW-3600, $NOW+60. The name is matched lazily so that a trailing _digits is the index.
    [GeneratedRegex(@"^\$(?<name>[A-Z][A-Z0-9_]*?)(?:_(?<index>[0-9]+))?(?<offset>[+-][0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The symbolic name without '$', index and offset: "UNIQUE_IDENTIFIER", "NOW", "IV_COUNTER_NONCE".</summary>
    public string Name => Pattern().Match(Text) is { Success: true } m ? m.Groups["name"].Value : Text.TrimStart('$');

    /// <summary>The trailing _n of "$UNIQUE_IDENTIFIER_n", if any.</summary>
    public int? Index => Pattern().Match(Text) is { Success: true } m && m.Groups["index"].Success
        ? int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The signed offset in seconds of "$NOW-3600" / "$NOW+60" (0 when absent).</summary>
    public long OffsetSeconds => Pattern().Match(Text) is { Success: true } m && m.Groups["offset"].Success
        ? long.Parse(m.Groups["offset"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>True for "$NOW", "$NOW-3600", "$NOW+N".</summary>
    public bool IsNow => Name == "NOW";

    public override string ToString() => Text;

    /// <summary>True when a value attribute / JSON string is a placeholder ('$' followed by an upper-case symbol).</summary>
    public static bool IsPlaceholderText([NotNullWhen(true)] string? text) => text is not null && text.StartsWith('$') && Pattern().IsMatch(text);

    /// <summary>True when <paramref name="node"/> is an unresolved placeholder node; gives the placeholder text.</summary>
    public static bool TryGet(TtlvNode node, [NotNullWhen(true)] out string? text) => Unresolved.TryGetValue(node, out text);

    /// <summary>Creates an unresolved placeholder node (see the remarks on <see cref="TtlvPlaceholder"/>).</summary>
    public static TtlvNode CreateUnresolved(string text, int tag, ItemType type)
    {
        if (type == ItemType.Structure) throw new ArgumentException("a Structure cannot be a placeholder", nameof(type));
        var node = TtlvNode.Create(tag, type, 0, type == ItemType.TextString ? text : null);
        Unresolved.AddOrUpdate(node, text);
        return node;
    }

    /// <summary>Creates the unresolved placeholder node for this placeholder.</summary>
    public TtlvNode CreateUnresolved() => CreateUnresolved(Text, Tag, Type);
}
