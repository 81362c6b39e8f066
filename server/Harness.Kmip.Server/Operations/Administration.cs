using Harness.Kmip.Server.Objects;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// What a KMS administrator does to a key and KMIP cannot express (the admin interface calls these): deactivate a key
/// so that the KMS no longer serves it, reactivate it, destroy it (recoverably) and restore it. The marks are server
/// custom attributes (y-…, KMIP 1.4 §3.39) so that clients can see why a key is refused.
/// </summary>
public static class Administration
{
    public const string DisabledAttribute = "y-Harness-DisabledByAdministrator";
    public const string RestorableAttribute = "y-Harness-Restorable";
    public const string ShreddedAttribute = "y-Harness-ShreddedAt";

    public static void ThrowIfDisabled(ManagedObject obj)
    {
        if (obj.Has(DisabledAttribute))
            throw new KmipException(ResultReason.PermissionDenied, $"key '{obj.Id}' is deactivated by the KMS administrator");
    }

    public static void Deactivate(ManagedObject obj, DateTimeOffset now)
    {
        if (Lifecycle.IsDestroyed(obj.State))
            throw new KmipException(ResultReason.IllegalOperation, $"key '{obj.Id}' is destroyed; restore it first");
        obj.State = State.Deactivated;
        obj.SetDate(AttributeNames.DeactivationDate, now);
        obj.Set(DisabledAttribute, TtlvNode.Boolean(Tag.AttributeValue, true));
        obj.SetDate(AttributeNames.LastChangeDate, now);
    }

    /// <summary>Restores a deactivated or compromised key to Active (what KMIP forbids and administrators still do).</summary>
    public static void Reactivate(ManagedObject obj, DateTimeOffset now)
    {
        if (Lifecycle.IsDestroyed(obj.State))
            throw new KmipException(ResultReason.IllegalOperation, $"key '{obj.Id}' is destroyed; restore it instead");
        MakeActive(obj, now);
    }

    /// <summary>Active again: the marks of deactivation, compromise and revocation go.</summary>
    private static void MakeActive(ManagedObject obj, DateTimeOffset now)
    {
        obj.Remove(DisabledAttribute);
        obj.Remove(AttributeNames.DeactivationDate);
        obj.Remove(AttributeNames.CompromiseDate);
        obj.Remove(AttributeNames.CompromiseOccurrenceDate);
        obj.Remove(AttributeNames.RevocationReason);
        obj.Remove(AttributeNames.ProtectStopDate);
        obj.State = State.Active;
        if (!obj.Has(AttributeNames.ActivationDate)) obj.SetDate(AttributeNames.ActivationDate, now);
        obj.SetDate(AttributeNames.LastChangeDate, now);
    }

    /// <summary>Destroys the key for clients while the KMS keeps its sealed material, so that it can be restored.</summary>
    public static void Destroy(ManagedObject obj, DateTimeOffset now)
    {
        if (Lifecycle.IsDestroyed(obj.State))
            throw new KmipException(ResultReason.IllegalOperation, $"key '{obj.Id}' is already destroyed");
        if (obj.Value is null)
            throw new KmipException(ResultReason.IllegalOperation, $"object '{obj.Id}' has no material to keep");
        obj.State = obj.State == State.Compromised ? State.DestroyedCompromised : State.Destroyed;
        obj.SetDate(AttributeNames.DestroyDate, now);
        obj.Set(RestorableAttribute, TtlvNode.Boolean(Tag.AttributeValue, true));
        obj.SetDate(AttributeNames.LastChangeDate, now);
    }

    public static void Restore(ManagedObject obj, DateTimeOffset now)
    {
        if (obj.Has(ShreddedAttribute))
            throw new KmipException(ResultReason.IllegalOperation, $"key '{obj.Id}' was crypto-shredded when the root key was deleted: nothing can restore it");
        if (!obj.Has(RestorableAttribute) || obj.Value is null)
            throw new KmipException(ResultReason.IllegalOperation,
                Lifecycle.IsDestroyed(obj.State) ? $"key '{obj.Id}' was destroyed through KMIP: its material is gone" : $"key '{obj.Id}' is not destroyed");
        obj.Remove(RestorableAttribute);
        obj.Remove(AttributeNames.DestroyDate);
        MakeActive(obj, now);
    }
}
