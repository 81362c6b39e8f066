using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Re-key Key Pair (KMIP 1.4 §4.5, 2.1 §6.1.47): a replacement for a private key and the public key it links to, made
/// as Create Key Pair makes one, from the existing keys' attributes (as Re-key copies them) with the request's common
/// and per-key attributes over them. The replacements take the Names; each old key gets a Replacement Object Link to
/// its successor, each new key a Replaced Object Link; the dates follow the Offset as in Re-key. The ID Placeholder
/// names the new private key. Result Reasons: Item Not Found (no such key, or another client's), Invalid Object Type
/// (2.x; Permission Denied in 1.x: not a private key), Key Value Not Present (destroyed), Illegal Operation (an Offset
/// without an Activation Date; a private key with no Public Key Link), and those of Create Key Pair.
/// </summary>
public sealed class ReKeyKeyPairOperation : KmipOperation
{
    public override Operation Operation => Operation.ReKeyKeyPair;
    public override ProtocolVersion Since => ProtocolVersion.V1_1;
    public override bool Changes => true;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var v2 = ctx.Version.IsV2;
        var oldPrivate = ctx.Lookup(payload.Child(Tag.PrivateKeyUniqueIdentifier)?.AsText ?? ctx.IdPlaceholder
            ?? throw new KmipException(ResultReason.InvalidField, "Re-key Key Pair needs a Private Key Unique Identifier (or an ID Placeholder from an earlier batch item)"));
        if (oldPrivate.ObjectType != ObjectType.PrivateKey)
            throw new KmipException(v2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, $"'{oldPrivate.Id}' is a {oldPrivate.ObjectType}; Re-key Key Pair takes a private key");
        if (oldPrivate.Value is null || Lifecycle.IsDestroyed(oldPrivate.State))
            throw new KmipException(ResultReason.KeyValueNotPresent, $"'{oldPrivate.Id}' has no key material (destroyed)");
        var publicId = ObjectFactory.LinkedId(oldPrivate, LinkType.PublicKeyLink)
                       ?? throw new KmipException(ResultReason.IllegalOperation, $"'{oldPrivate.Id}' has no Public Key Link: there is no pair to re-key");
        var oldPublic = ctx.Lookup(publicId);

        List<StoredAttribute> Read(Tag v1, Tag v2Tag) => ctx.RequestAttributes(payload.Child(v2 ? v2Tag : v1));
        var common = Read(Tag.CommonTemplateAttribute, Tag.CommonAttributes);
        var privateGiven = CreateKeyPairOperation.Merge(common, Read(Tag.PrivateKeyTemplateAttribute, Tag.PrivateKeyAttributes));
        var publicGiven = CreateKeyPairOperation.Merge(common, Read(Tag.PublicKeyTemplateAttribute, Tag.PublicKeyAttributes));
        var (editedPrivate, privateCarried) = ReKeyOperation.TakeOver(ctx, oldPrivate, privateGiven);
        var (editedPublic, publicCarried) = ReKeyOperation.TakeOver(ctx, oldPublic, publicGiven);
        var (newPrivate, newPublic) = CreateKeyPairOperation.BuildPair(ctx, privateCarried, publicCarried);
        var offset = payload.Child(Tag.Offset)?.AsInterval;
        ReKeyOperation.Replaces(ctx, oldPrivate, editedPrivate, newPrivate, privateGiven, offset);
        ReKeyOperation.Replaces(ctx, oldPublic, editedPublic, newPublic, publicGiven, offset);
        ctx.Touch(editedPrivate);
        ctx.Touch(editedPublic);
        ctx.AddNew(newPrivate);
        ctx.AddNew(newPublic);
        ctx.IdPlaceholder = newPrivate.Id;
        return new Payloads.CreateKeyPairResponse(newPrivate.Id, newPublic.Id).ToNode();
    }
}
