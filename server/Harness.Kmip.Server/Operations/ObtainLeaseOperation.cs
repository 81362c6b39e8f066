using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Obtain Lease (KMIP 1.4 §4.17, 2.1 §6.1.35): a new or renewed lease for the client's use of a cryptographic object:
/// the Lease Time the server grants (the object's Lease Time attribute, which the server sets on the keys it holds)
/// and the object's Last Change Date, so that the client knows whether its copy of the attributes is current. A lease
/// is granted on keys that may still be used: not Destroyed, not Compromised, not deactivated by the KMS administrator.
/// Result Reasons: Item Not Found (1.x) / Object Not Found (2.x); Permission Denied (1.x) / Wrong Key Lifecycle State
/// (2.x) for a key in a state that gives no lease, Permission Denied for an object that is not a key.
/// </summary>
public sealed class ObtainLeaseOperation : KmipOperation
{
    public override Operation Operation => Operation.ObtainLease;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var obj = ctx.Lookup(payload);
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PrivateKey or ObjectType.PublicKey or ObjectType.SecretData or ObjectType.SplitKey))
            throw new KmipException(ResultReason.PermissionDenied, $"'{obj.Id}' is a {obj.ObjectType}: leases are granted on cryptographic keys");
        Administration.ThrowIfDisabled(obj);
        if (Lifecycle.IsDestroyed(obj.State) || obj.State == State.Compromised)
            throw AttributeEditing.WrongState(ctx, $"'{obj.Id}' is {obj.State}: no lease is granted on it");
        var leaseTime = obj.Get(AttributeNames.LeaseTime)?.AsInterval ?? ObjectFactory.LeaseTime;
        var lastChange = obj.Date(AttributeNames.LastChangeDate) ?? obj.Date(AttributeNames.InitialDate) ?? ctx.Now;
        return Payload(Id(obj.Id), TtlvNode.Interval(Tag.LeaseTime, leaseTime), TtlvNode.DateTime(Tag.LastChangeDate, lastChange));
    }
}
