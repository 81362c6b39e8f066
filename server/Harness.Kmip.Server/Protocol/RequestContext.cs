using Harness.Kmip.Server.Objects;
using Harness.Kmip.Server.Storage;

namespace Harness.Kmip.Server;

/// <summary>What an operation sees of the request it serves: the client, the version, the time, the objects.</summary>
public sealed class RequestContext
{
    public RequestContext(KmsState kms, ClientIdentity client, ProtocolVersion version, DateTimeOffset now)
    {
        Kms = kms;
        Client = client;
        Version = version;
        Now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        Changes = new ChangeSet(kms.Store);
    }

    public KmsState Kms { get; }
    public ClientIdentity Client { get; }
    public ProtocolVersion Version { get; }

    /// <summary>The request's time, to the second (KMIP Date-Time resolution).</summary>
    public DateTimeOffset Now { get; }

    public ChangeSet Changes { get; }

    /// <summary>True when the message runs under the store's write lock, so that it may stage changes.</summary>
    public bool HoldsWriteLock { get; init; }

    /// <summary>The Rights of the delegated ticket the request authenticated with, or null (<see cref="TicketRights"/>).</summary>
    public TicketRights? Rights { get; init; }

    /// <summary>Whether the connection can carry the server's requests after this message (not over HTTPS).</summary>
    public bool ConnectionCanTurn { get; init; } = true;

    /// <summary>Set by Set Endpoint Role: after this message's answer the server takes the client role on the connection.</summary>
    public bool ServerTakesClientRole { get; set; }

    /// <summary>The operation of the batch item running now.</summary>
    public Operation Operation { get; set; }

    /// <summary>Whether the operation running now serves archived objects (<see cref="Operations.KmipOperation.ServesArchived"/>).</summary>
    public bool ServesArchived { get; set; }

    /// <summary>
    /// The attributes a request gives (<see cref="AttributeCodec.FromRequest"/>), with those of the Templates its 1.x
    /// Template-Attribute names: this client's Template objects by Name (Item Not Found when it has none so named).
    /// </summary>
    public List<StoredAttribute> RequestAttributes(TtlvNode? container) => AttributeCodec.FromRequest(container, Version, name =>
        Changes.MaybeNamed(Client.Id, name).FirstOrDefault(o => o.Owner == Client.Id && o.ObjectType == ObjectType.Template
            && !Lifecycle.IsDestroyed(o.State) && o.NameValues.Contains(name)) is { Value: { } template }
            ? template.ChildrenOf(Tag.Attribute).Select(AttributeCodec.FromAttributeStructure).ToList()
            : throw new KmipException(ResultReason.ItemNotFound, $"no Template named '{name}'"));

    /// <summary>Stages a new object, once it keeps the client's constraints (<see cref="ObjectPolicies"/>).</summary>
    public void AddNew(ManagedObject obj)
    {
        Kms.Policies.Check(this, obj);
        Changes.Add(obj);
    }

    /// <summary>What the root key's owner (Key Protect) answered about the objects the message names, asked before it ran.</summary>
    public RootKeys.RootKeyAnswers? RootKeyAnswers { get; init; }

    /// <summary>The ID Placeholder (KMIP 1.4 §2.1.1 / 2.1 §2.1.3): the last object an operation of this message created, located or used.</summary>
    public string? IdPlaceholder { get; set; }

    /// <summary>
    /// The object a payload names by Unique Identifier (or the ID Placeholder when it is omitted). Objects of other
    /// clients are reported exactly like missing ones: Item Not Found.
    /// </summary>
    public ManagedObject Lookup(TtlvNode payload) => Lookup(ResolveId(payload));

    public string ResolveId(TtlvNode payload)
    {
        var idNode = payload.Child(Tag.UniqueIdentifier);
        if (idNode is null)
            return IdPlaceholder ?? throw new KmipException(ResultReason.InvalidField, "Unique Identifier is missing and no ID Placeholder is set by an earlier batch item");
        if (idNode.Type == ItemType.Enumeration) // KMIP 2.x: Unique Identifier enumeration, e.g. ID Placeholder
            return IdPlaceholder ?? throw new KmipException(ResultReason.InvalidField, "the ID Placeholder is not set by an earlier batch item");
        return idNode.AsText;
    }

    /// <summary>Refuses an object the delegated ticket's Rights do not cover for the operation running now (Permission Denied).</summary>
    public void CheckRights(ManagedObject obj)
    {
        if (Rights is not null && !Rights.Allows(Operation, obj.Id, obj.All(AttributeNames.ObjectGroup).Select(g => g.Value.AsText)))
            throw new KmipException(ResultReason.PermissionDenied, $"the delegated ticket's Rights do not allow {Operation} on '{obj.Id}'");
    }

    public ManagedObject Lookup(string id)
    {
        var obj = Changes.Find(id);
        if (obj is null || obj.Owner != Client.Id)
            throw NotFound(id);
        CheckRights(obj);
        // Key Protect: may its data key be unwrapped now? Asked of published objects; one this message staged was asked
        // about when it was looked up first (or is new, its material not sealed yet).
        if (Kms.Store.RootKey is { AsksBeforeUse: true } rootKey && ReferenceEquals(Kms.Store.Find(id), obj)) rootKey.CheckUse(obj, RootKeyAnswers, Version);
        if (!ServesArchived && obj.Has(Operations.ArchiveOperation.ArchivedAttribute))
            throw new KmipException(ResultReason.ObjectArchived, $"'{id}' is archived: Recover it before this operation");
        IdPlaceholder = id;
        return Lifecycle.WithDueTransitions(obj, Now);
    }

    /// <summary>The object, staged for change (with its due date transitions applied).</summary>
    public ManagedObject Edit(ManagedObject obj)
    {
        var edited = Changes.Edit(obj);
        Lifecycle.ApplyDueTransitions(edited, Now);
        return edited;
    }

    /// <summary>No such object for this client: Item Not Found (1.x), Object Not Found (2.x, KMIP 2.1 §11).</summary>
    public KmipException NotFound(string id) =>
        new(Version.IsV2 ? ResultReason.ObjectNotFound : ResultReason.ItemNotFound, $"no object with Unique Identifier '{id}'");

    public void Touch(ManagedObject edited) => edited.SetDate(AttributeNames.LastChangeDate, Now);

    // The attribute bytes of the objects this message changed, as last checked: with the published usage, the client's
    // total before anything is published (a message of 1,000 Creates is counted as it goes).
    private Dictionary<string, long>? _checkedBytes;
    private long _checkedDelta;

    /// <summary>The attribute bytes of all the client's objects if <paramref name="obj"/> held <paramref name="bytes"/>.</summary>
    internal long ClientAttributeBytesWith(ManagedObject obj, long bytes) =>
        Kms.Store.UsageOf(obj.Owner).AttributeBytes + _checkedDelta + GrowthOver(obj, bytes);

    internal void NoteAttributeBytes(ManagedObject obj, long bytes)
    {
        _checkedDelta += GrowthOver(obj, bytes);
        (_checkedBytes ??= new(StringComparer.Ordinal))[obj.Id] = bytes;
    }

    /// <summary>How much <paramref name="bytes"/> adds to what is already counted for the object: its published size, or its size as last checked in this message.</summary>
    private long GrowthOver(ManagedObject obj, long bytes)
    {
        long published = Kms.Store.Find(obj.Id)?.AttributeBytes ?? 0;
        long counted = _checkedBytes is not null && _checkedBytes.TryGetValue(obj.Id, out var b) ? b - published : 0;
        return bytes - published - counted;
    }

    /// <summary>The message's changes were undone: nothing of it counts any more.</summary>
    internal void ForgetCheckedBytes()
    {
        _checkedBytes?.Clear();
        _checkedDelta = 0;
    }
}
