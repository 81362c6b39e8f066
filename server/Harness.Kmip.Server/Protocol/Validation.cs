namespace Harness.Kmip.Server;

/// <summary>
/// Checks that apply to every field of a request, whatever the operation: tags must be KMIP tags (extension tags
/// 0x54xxxx are left to the operations), and enumerations must hold values their table defines. Both are Invalid Field
/// (KMIP 1.4 §11.1, "unknown field").
/// </summary>
public static class Validation
{
    public static void CheckTree(TtlvNode node)
    {
        if ((node.RawTag >> 16) == 0x42 && !TagNames.IsKnown(node.RawTag))
            throw new KmipException(ResultReason.InvalidField, $"unknown tag 0x{node.RawTag:X6}");
        if (node.Type == ItemType.Enumeration && node.Tag != Tag.AttributeValue && !EnumNames.IsDefined(node.RawTag, node.AsEnum))
            throw new KmipException(ResultReason.InvalidField,
                $"0x{node.AsEnum:X8} is not a valid {TagNames.Name(node.RawTag)} (enumeration value out of range)");
        foreach (var child in node.Children) CheckTree(child);
    }
}
