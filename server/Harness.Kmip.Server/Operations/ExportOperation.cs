using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Export (KMIP 1.4 §4.40, 2.1 §6.1.21): the object as Get gives it (Key Format Type, Key Wrap Type, Key Compression
/// Type and Key Wrapping Specification mean what they mean for Get, with Get's checks: Sensitive, Extractable, the KMS
/// administrator's deactivation) together with all of its attributes (1.x: Attribute items; 2.x: an Attributes
/// structure), so that Import can make it again elsewhere. A destroyed object's material is not exported.
/// Result Reasons: those of Get.
/// </summary>
public sealed class ExportOperation : KmipOperation
{
    private static readonly GetOperation Get = new();

    public override Operation Operation => Operation.Export;

    public override bool MayChange(KmsState kms, TtlvNode payload) => Get.MayChange(kms, payload);

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var got = Get.Execute(ctx, payload);
        var obj = ctx.Lookup(got.Required(Tag.UniqueIdentifier).AsText);
        var attributes = obj.Attributes.Where(a => AttributeNames.ExistsIn(a.FullName, ctx.Version)).Select(a => AttributeCodec.ToWire(a, ctx.Version));
        TtlvNode?[] carried = ctx.Version.IsV2 ? [TtlvNode.Structure(Tag.Attributes, attributes.Select(a => a))] : [.. attributes];
        var value = got.Items.Last();
        return Payload([got.Required(Tag.ObjectType), got.Required(Tag.UniqueIdentifier), .. carried, value]);
    }
}
