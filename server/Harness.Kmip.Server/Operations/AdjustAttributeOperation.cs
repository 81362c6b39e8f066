using System.Numerics;
using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Adjust Attribute (KMIP 2.1 §6.1.3): Increment, Decrement or Negate the one value of an attribute the client may
/// change (a custom attribute, a date that has not taken effect, ...). Integer, Long Integer and Big Integer values move
/// by the Adjustment Value (1 when absent) or change sign; an Interval or a Date-Time moves by a number of seconds (an
/// Interval or an Integer); a Boolean can only be negated. An absent custom attribute counts as 0 or false, with the
/// type of the Adjustment Value (false for Negate without one); an absent standard attribute is Invalid Field, since
/// none of those the client may adjust is a plain number.
/// Result Reasons: Object Not Found; Read Only Attribute (server attributes) or Attribute Read Only (attributes fixed at
/// creation); Unsupported Attribute; Multi Valued Attribute (more than one instance); Invalid Data Type (a type or an
/// adjustment that does not apply); Numeric Range (a result outside the type); Wrong Key Lifecycle State (dates that
/// have taken effect); Invalid Field (no value to adjust from).
/// </summary>
public sealed class AdjustAttributeOperation : KmipOperation
{
    public override Operation Operation => Operation.AdjustAttribute;
    public override bool Changes => true;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        var name = AttributeCodec.ParseReference(payload.Required(Tag.AttributeReference)).FullName;
        if (AttributeNames.IsReadOnly(name) || name.StartsWith("y-", StringComparison.Ordinal))
            throw new KmipException(ResultReason.ReadOnlyAttribute, $"'{name}' is set by the server: a client cannot adjust it");
        AttributeEditing.CheckClientMayChange(ctx, obj, name);
        var instances = obj.All(name).ToList();
        if (instances.Count > 1)
            throw new KmipException(ResultReason.MultiValuedAttribute, $"'{obj.Id}' has {instances.Count} instances of '{name}': Adjust Attribute changes an attribute of one value");
        var type = payload.Required(Tag.AdjustmentType).AsEnumOf<AdjustmentType>();
        var by = payload.Child(Tag.AdjustmentValue);
        if (instances.Count == 0 && !AttributeNames.IsCustom(name))
            throw new KmipException(ResultReason.InvalidField, $"'{obj.Id}' has no {name} to adjust: only a custom attribute starts from 0 or false");
        var current = instances.Count == 1 ? instances[0].Value : Zero(by, type, name);
        var adjusted = Adjust(current, type, by, name);
        ServerLimits.CheckAttributes(ctx, obj, [adjusted], instances.Select(a => a.Value).ToList());
        var edited = ctx.Edit(obj);
        edited.Set(name, adjusted);
        ctx.Touch(edited);
        Lifecycle.ApplyDueTransitions(edited, ctx.Now);
        return Payload(Id(obj.Id));
    }

    /// <summary>The value an absent attribute counts as: 0 of the Adjustment Value's type, or false to negate.</summary>
    private static TtlvNode Zero(TtlvNode? by, AdjustmentType type, string name) => by?.Type switch
    {
        ItemType.Integer => TtlvNode.Integer(Tag.AttributeValue, 0),
        ItemType.LongInteger => TtlvNode.LongInteger(Tag.AttributeValue, 0),
        ItemType.BigInteger => TtlvNode.BigInteger(Tag.AttributeValue, new byte[8]),
        ItemType.Interval => TtlvNode.Interval(Tag.AttributeValue, 0),
        ItemType.Boolean => TtlvNode.Boolean(Tag.AttributeValue, false),
        null when type == AdjustmentType.Negate => TtlvNode.Boolean(Tag.AttributeValue, false),
        _ => throw new KmipException(ResultReason.InvalidField, $"'{name}' has no value: give an Adjustment Value of the type to start from"),
    };

    private static TtlvNode Adjust(TtlvNode current, AdjustmentType type, TtlvNode? by, string name)
    {
        KmipException Invalid(string why) => new(ResultReason.InvalidDataType, $"'{name}' is a {current.Type}: {why}");
        KmipException Range() => new(ResultReason.NumericRange, $"adjusting '{name}' by {type} leaves the range of its type ({current.Type})");
        int sign = type == AdjustmentType.Decrement ? -1 : 1;
        BigInteger Step(params ItemType[] allowed)
        {
            if (by is null) return 1;
            if (!allowed.Contains(by.Type)) throw Invalid($"the Adjustment Value must be {string.Join(" or ", allowed)}, not {by.Type}");
            return by.Type == ItemType.BigInteger ? new BigInteger(by.AsBytes, isUnsigned: false, isBigEndian: true) : by.Number;
        }
        switch (current.Type)
        {
            case ItemType.Boolean:
                if (type != AdjustmentType.Negate) throw Invalid("a Boolean can only be negated");
                return TtlvNode.Boolean(Tag.AttributeValue, !current.AsBoolean);
            case ItemType.Integer or ItemType.LongInteger:
            {
                BigInteger result = type == AdjustmentType.Negate ? -(BigInteger)current.Number : current.Number + sign * Step(ItemType.Integer, ItemType.LongInteger);
                if (current.Type == ItemType.Integer)
                    return result < int.MinValue || result > int.MaxValue ? throw Range() : TtlvNode.Integer(Tag.AttributeValue, (int)result);
                return result < long.MinValue || result > long.MaxValue ? throw Range() : TtlvNode.LongInteger(Tag.AttributeValue, (long)result);
            }
            case ItemType.BigInteger:
            {
                var value = new BigInteger(current.AsBytes, isUnsigned: false, isBigEndian: true);
                var result = type == AdjustmentType.Negate ? -value : value + sign * Step(ItemType.Integer, ItemType.LongInteger, ItemType.BigInteger);
                var bytes = result.ToByteArray(isUnsigned: false, isBigEndian: true);
                var padded = new byte[(bytes.Length + 7) / 8 * 8];
                if (result.Sign < 0) Array.Fill(padded, (byte)0xFF);
                bytes.CopyTo(padded, padded.Length - bytes.Length);
                return TtlvNode.BigInteger(Tag.AttributeValue, padded);
            }
            case ItemType.Interval or ItemType.DateTime:
            {
                if (type == AdjustmentType.Negate) throw Invalid("an Interval or a Date-Time cannot be negated");
                BigInteger result = current.Number + sign * Step(ItemType.Interval, ItemType.Integer, ItemType.LongInteger);
                if (current.Type == ItemType.Interval)
                    return result < 0 || result > uint.MaxValue ? throw Range() : TtlvNode.Interval(Tag.AttributeValue, (uint)result);
                return result < 0 || result > DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? throw Range()
                    : TtlvNode.DateTime(Tag.AttributeValue, DateTimeOffset.FromUnixTimeSeconds((long)result));
            }
            default:
                throw Invalid("only numbers, intervals, dates and Booleans can be adjusted");
        }
    }
}
