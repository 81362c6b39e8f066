using System.Collections.Concurrent;
using Harness.Kmip.Server.Objects;
using Harness.Kmip.Server.RootKeys;

namespace Harness.Kmip.Server.Storage;

/// <summary>
/// All managed objects: an in-memory map of immutable snapshots in front of the durable store. Operations that change
/// objects run under <see cref="WriteLock"/> on a <see cref="ChangeSet"/> and publish it; the caller acknowledges the
/// client only after the returned task (the durable commit) completes. Readers never take the lock.
/// </summary>
public sealed class ObjectStore
{
    private readonly ConcurrentDictionary<string, ManagedObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientUsage> _usage = new(StringComparer.Ordinal);
    // Name Values by owner: Create, Register and renames check that a name is unique, and Locate finds by name, without
    // walking every object (under the write lock, with a hundred thousand keys, that walk stalled every writer).
    private readonly ConcurrentDictionary<(string Owner, string Name), string[]> _named = new();
    private readonly IDurableStore _durable;
    private IRootKeyProvider _rootKey;

    public ObjectStore(IDurableStore durable, IRootKeyProvider rootKey)
    {
        _durable = durable;
        _rootKey = rootKey;
        foreach (var record in durable.LoadObjects())
        {
            var obj = FromRecord(record);
            Account(null, obj);
            IndexNames(null, obj);
            _objects[obj.Id] = obj;
        }
    }

    public object WriteLock { get; } = new();

    /// <summary>The durable store behind the map (a shared one is caught up with before requests: <see cref="SharedStoreFollower"/>).</summary>
    internal IDurableStore Durable => _durable;

    /// <summary>
    /// Takes in objects another KMS node committed to the shared store, replacing this node's versions (which a
    /// concurrent change of this node's may have published meanwhile: its commit is then refused).
    /// </summary>
    internal void Apply(IReadOnlyList<ObjectRecord> records)
    {
        var objects = records.Select(FromRecord).ToList(); // the root key opens the material outside the lock
        lock (WriteLock)
        {
            foreach (var obj in objects)
            {
                var old = _objects.GetValueOrDefault(obj.Id);
                Account(old, obj);
                IndexNames(old, obj);
                _objects[obj.Id] = obj;
            }
        }
    }

    public int Count => _objects.Count;

    public ManagedObject? Find(string id) => _objects.GetValueOrDefault(id);

    /// <summary>Every published object. Walks the map without a snapshot (ConcurrentDictionary.Values would copy it under all its locks).</summary>
    public IEnumerable<ManagedObject> All => _objects.Select(entry => entry.Value);

    /// <summary>The identifiers of the published objects of <paramref name="owner"/> that have (or had, when destroyed) a Name with this Name Value.</summary>
    public IReadOnlyList<string> IdsNamed(string owner, string name) => _named.TryGetValue((owner, name), out var ids) ? ids : [];

    /// <summary>What a client identity holds now (published objects only).</summary>
    public ClientUsage UsageOf(string owner) => _usage.GetValueOrDefault(owner);

    /// <summary>
    /// Swaps the changed objects in (call under <see cref="WriteLock"/>). The returned publication makes them durable:
    /// call <see cref="Publication.CommitAsync"/> after releasing the lock (sealing and encoding happen there, outside
    /// the lock), and acknowledge the client only once it completes.
    /// </summary>
    public Publication Publish(IEnumerable<ManagedObject> changed)
    {
        var published = new List<ManagedObject>();
        var before = new List<ManagedObject?>();
        foreach (var obj in changed)
        {
            obj.Version++;
            before.Add(_objects.GetValueOrDefault(obj.Id));
            // Published objects never change again: an attribute list that grew by doubling gives its spare slots back.
            if (obj.Attributes.Capacity - obj.Attributes.Count > 4) obj.Attributes.Capacity = obj.Attributes.Count;
            var old = _objects.GetValueOrDefault(obj.Id);
            Account(old, obj);
            IndexNames(old, obj);
            _objects[obj.Id] = obj;
            published.Add(obj);
        }
        return new Publication(this, published, before, _rootKey);
    }

    /// <summary>
    /// Told of every commit of published objects (each with its version before, null when new) and the commit's task:
    /// the server-to-client notifications (<see cref="Notifications"/>) follow it.
    /// </summary>
    public Action<IReadOnlyList<(ManagedObject? Before, ManagedObject After)>, Task>? Committing { get; set; }

    /// <summary>Objects just published, to be made durable (<see cref="ObjectStore.Publish"/>).</summary>
    public readonly struct Publication
    {
        private readonly ObjectStore? _store;
        private readonly List<ManagedObject>? _objects;
        private readonly List<ManagedObject?>? _before;
        private readonly IRootKeyProvider? _rootKey;

        internal Publication(ObjectStore store, List<ManagedObject> objects, List<ManagedObject?> before, IRootKeyProvider rootKey)
        {
            _store = store;
            _objects = objects;
            _before = before;
            _rootKey = rootKey;
        }

        /// <summary>Seals and encodes the objects and commits them; completes once they are on stable storage.</summary>
        public Task CommitAsync()
        {
            if (_store is null || _objects!.Count == 0) return Task.CompletedTask;
            // Sealing under a local root key completes at once (no state machine on the Create path); a remote one (Key
            // Protect) wraps each data key over HTTP, and the rest continues when it answers.
            var records = new ObjectRecord[_objects.Count];
            for (int i = 0; i < records.Length; i++)
            {
                var sealing = ToRecordAsync(_objects[i], _rootKey!);
                if (!sealing.IsCompletedSuccessfully) return SealRestAndCommitAsync(_store, _objects, _before!, _rootKey!, records, i, sealing);
                records[i] = sealing.Result;
            }
            return Commit(_store, _objects, _before!, records);
        }

        private static async Task SealRestAndCommitAsync(ObjectStore store, List<ManagedObject> objects, List<ManagedObject?> before, IRootKeyProvider rootKey,
            ObjectRecord[] records, int from, ValueTask<ObjectRecord> sealing)
        {
            records[from] = await sealing.ConfigureAwait(false);
            for (int i = from + 1; i < records.Length; i++) records[i] = await ToRecordAsync(objects[i], rootKey).ConfigureAwait(false);
            await Commit(store, objects, before, records).ConfigureAwait(false);
        }

        private static Task Commit(ObjectStore store, List<ManagedObject> objects, List<ManagedObject?> before, ObjectRecord[] records)
        {
            var commit = store._durable.CommitAsync(records);
            if (store.Committing is { } committing)
                committing(objects.Select((o, i) => (before[i], o)).ToList(), commit);
            return commit;
        }
    }

    /// <summary>Counts <paramref name="now"/> in its owner's usage in place of <paramref name="old"/> (its published version, if any).</summary>
    private void Account(ManagedObject? old, ManagedObject now)
    {
        now.AttributeBytes = now.Attributes.Sum(a => (long)TtlvWriter.EncodedLength(a.Value));
        long objects = (IsHeld(now) ? 1 : 0) - (old is not null && IsHeld(old) ? 1 : 0);
        long bytes = now.AttributeBytes - (old?.AttributeBytes ?? 0);
        if (objects != 0 || bytes != 0)
            _usage.AddOrUpdate(now.Owner, _ => new ClientUsage(objects, bytes), (_, u) => new ClientUsage(u.Objects + objects, u.AttributeBytes + bytes));
    }

    /// <summary>
    /// Moves the object's entries in the name index from its names in <paramref name="old"/> to those in <paramref name="now"/>.
    /// Runs under <see cref="WriteLock"/> (or while loading), so one writer at a time replaces the arrays readers see.
    /// </summary>
    private void IndexNames(ManagedObject? old, ManagedObject now)
    {
        var before = old?.NameValues.ToList() ?? [];
        var after = now.NameValues.ToList();
        if (before.Count == 0 && after.Count == 0) return; // most keys have no name
        foreach (var name in before.Except(after, StringComparer.Ordinal))
        {
            var key = (now.Owner, name);
            if (!_named.TryGetValue(key, out var ids)) continue;
            var left = Array.FindAll(ids, id => id != now.Id);
            if (left.Length == 0) _named.TryRemove(key, out _);
            else _named[key] = left;
        }
        foreach (var name in after.Except(before, StringComparer.Ordinal))
        {
            var key = (now.Owner, name);
            var ids = _named.GetValueOrDefault(key, []);
            if (!ids.Contains(now.Id)) _named[key] = [.. ids, now.Id];
        }
    }

    /// <summary>Whether the object counts against its owner's <see cref="KmipServerOptions.MaxObjectsPerClient"/>: every state but destroyed.</summary>
    internal static bool IsHeld(ManagedObject obj) => !Lifecycle.IsDestroyed(obj.State);

    public IRootKeyProvider RootKey => _rootKey;

    /// <summary>Seals from now on under another root key (after <see cref="ShredAll"/> left nothing sealed under the old one).</summary>
    public void UseRootKey(IRootKeyProvider rootKey) => _rootKey = rootKey;

    /// <summary>
    /// Crypto-shredding (seed 002: deleting the root key shreds every key): the key material of every object is gone;
    /// the attributes stay, marked. Call under <see cref="WriteLock"/>.
    /// </summary>
    public Task ShredAll(DateTimeOffset now)
    {
        var shredded = new List<ManagedObject>();
        foreach (var obj in _objects.Values)
        {
            var copy = obj.Clone();
            copy.Value = null;
            copy.Set(Operations.Administration.ShreddedAttribute, TtlvNode.DateTime(Tag.AttributeValue, now));
            shredded.Add(copy);
        }
        return Publish(shredded).CommitAsync();
    }

    /// <summary>
    /// The object as the durable store keeps it. Runs outside the write lock, so two versions of one object may reach
    /// the store out of order: the store keeps the highest <see cref="ManagedObject.Version"/>.
    /// </summary>
    private static async ValueTask<ObjectRecord> ToRecordAsync(ManagedObject obj, IRootKeyProvider rootKey)
    {
        // The Digest is derived from the key material (a clear SHA-256 confirms a guess of a weak secret): it is not
        // stored; loading recomputes it from the sealed material.
        var attributes = AttributeCodec.EncodeForStore(obj.Attributes.Where(a => !(a.Vendor is null && a.Name == AttributeNames.Digest)).ToList());
        byte[]? sealedValue = null;
        if (obj.Value is { } value)
        {
            if (obj.SealedValue is { } cached && ReferenceEquals(cached.RootKey, rootKey) && ReferenceEquals(cached.Value, value))
                sealedValue = cached.Sealed;
            else
            {
                sealedValue = await rootKey.SealAsync(TtlvWriter.Encode(value), obj.Id).ConfigureAwait(false);
                obj.SealedValue = new SealedMaterial(rootKey, value, sealedValue);
            }
        }
        return new ObjectRecord(obj.Id, obj.Owner, (int)obj.ObjectType, obj.Version, attributes, sealedValue);
    }

    /// <summary>
    /// Loading runs once, while the server starts and before it listens: a remote root key (Key Protect) is waited for
    /// here, on the starting thread, which serves no client.
    /// </summary>
    private static byte[] Opened(ValueTask<byte[]> open) => open.IsCompletedSuccessfully ? open.Result : open.AsTask().GetAwaiter().GetResult();

    private ManagedObject FromRecord(ObjectRecord r)
    {
        var obj = new ManagedObject(r.Id, (ObjectType)r.ObjectType, r.Owner) { Version = r.Version };
        foreach (var a in TtlvReader.Decode(r.Attributes).Items)
        {
            var attr = AttributeCodec.FromAttributeStructure(a);
            obj.Attributes.Add(attr);
        }
        if (r.SealedValue is not null)
        {
            byte[] material;
            try { material = Opened(_rootKey.OpenAsync(r.SealedValue, r.Id)); }
            catch (RootKeyDeletedException)
            {
                // The root key is gone (Key Protect answered 404 or 410): the material is crypto-shredded, the attributes stay.
                obj.Set(Operations.Administration.ShreddedAttribute, TtlvNode.DateTime(Tag.AttributeValue, DateTimeOffset.UtcNow));
                return obj;
            }
            obj.Value = TtlvReader.Decode(material);
            obj.SealedValue = new SealedMaterial(_rootKey, obj.Value, r.SealedValue);
            Operations.ObjectFactory.SetDigest(obj);
        }
        return obj;
    }
}

/// <summary>
/// What one client identity holds: its objects that are not destroyed (<see cref="KmipServerOptions.MaxObjectsPerClient"/>)
/// and the encoded bytes of the attributes of all its objects, destroyed ones included, since they stay
/// (<see cref="KmipServerOptions.MaxAttributeBytesPerClient"/>).
/// </summary>
public readonly record struct ClientUsage(long Objects, long AttributeBytes);

/// <summary>The objects one request message changes, visible to the later batch items of the same message.</summary>
public sealed class ChangeSet(ObjectStore store)
{
    private Dictionary<string, ManagedObject>? _stagedOrNull;

    private Dictionary<string, ManagedObject> StagedMap => _stagedOrNull ??= new(StringComparer.Ordinal);

    public ManagedObject? Find(string id) => _stagedOrNull is not null && _stagedOrNull.TryGetValue(id, out var o) ? o : store.Find(id);

    public IEnumerable<ManagedObject> All => store.All.Where(o => !StagedMap.ContainsKey(o.Id)).Concat(StagedMap.Values);

    /// <summary>
    /// The objects of <paramref name="owner"/> that may have a Name with this Name Value: the published ones the name
    /// index lists, as this message sees them, and every object this message staged. Callers check the name themselves.
    /// </summary>
    public IEnumerable<ManagedObject> MaybeNamed(string owner, string name)
    {
        foreach (var id in store.IdsNamed(owner, name))
            if (!StagedMap.ContainsKey(id) && store.Find(id) is { } published) yield return published;
        foreach (var staged in StagedMap.Values) yield return staged;
    }

    /// <summary>A private copy of the object to change, staged for publication.</summary>
    public ManagedObject Edit(ManagedObject obj)
    {
        if (StagedMap.TryGetValue(obj.Id, out var staged)) return staged;
        var copy = obj.Clone();
        StagedMap[obj.Id] = copy;
        return copy;
    }

    public void Add(ManagedObject obj) => StagedMap[obj.Id] = obj;

    public bool IsEmpty => _stagedOrNull is null || _stagedOrNull.Count == 0;

    public IReadOnlyCollection<ManagedObject> Staged => StagedMap.Values;

    public void Discard() => _stagedOrNull?.Clear();
}
