using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace Harness.Kmip.Server.Storage;

/// <summary>
/// PostgreSQL store, shared by any number of KMS nodes (<c>serve --store postgres://USER[:PASS]@HOST:PORT/DB</c>).
/// The tables hold what SQLite's do, plus, on every row, the number of the change that wrote it last (one sequence,
/// <c>changes</c>, for objects and clients) and the node that wrote it. Every write takes one transaction-scoped advisory
/// lock, so change numbers become visible in the order they were drawn: a node that has seen change N has seen every
/// change before it, and catches up by reading the rows with a higher number. A change to an object is refused when
/// another node stored that object's version (or a later one) first. Writers queue their records; one writer task
/// commits everything queued so far in one transaction (group commit); a commit completes once PostgreSQL committed it.
/// </summary>
public sealed class PostgresDurableStore : ISharedDurableStore
{
    /// <summary>The schema this build writes; <see cref="Migrations"/>[i] takes a database from version i to i + 1.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The advisory lock every write holds until its commit (and the migration lock at start).</summary>
    private const long WriteLockKey = 0x4B4D_4950_0017; // "KMIP", issue 17

    private const long MigrationLockKey = 0x4B4D_4950_0018;

    private static readonly string[] Migrations =
    [
        """
        CREATE SEQUENCE changes;
        CREATE TABLE objects (
            id text PRIMARY KEY,
            owner text NOT NULL,
            object_type integer NOT NULL,
            version bigint NOT NULL,
            attributes bytea NOT NULL,
            sealed_value bytea,
            change bigint NOT NULL,
            written_by uuid NOT NULL
        );
        CREATE INDEX objects_change ON objects (change);
        CREATE TABLE clients (
            identity text PRIMARY KEY,
            subject text NOT NULL,
            sha1 text NOT NULL,
            certificate_pem text NOT NULL,
            allowed boolean NOT NULL,
            effective_from bigint,
            first_seen bigint NOT NULL,
            acts_as text,
            retired_at bigint,
            change bigint NOT NULL,
            written_by uuid NOT NULL
        );
        CREATE INDEX clients_change ON clients (change);
        """,
    ];

    private readonly NpgsqlDataSource _source;
    private readonly Channel<(IReadOnlyList<ObjectRecord> Records, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(IReadOnlyList<ObjectRecord>, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly object _readGate = new();
    private long _lastObjectChange;
    private long _lastClientChange;

    /// <summary>This node, as long as this process runs: its own rows need no catching up.</summary>
    public Guid Node { get; } = Guid.NewGuid();

    /// <summary>Where the database is, for messages (host:port/database, no password).</summary>
    public string Location { get; }

    /// <summary>Connects, and creates or migrates the schema (under an advisory lock, so nodes starting together take turns).</summary>
    /// <exception cref="KmsStartException">the database cannot be reached, or its schema is newer than this build's</exception>
    public PostgresDurableStore(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder);
        try { Migrate(); }
        catch (NpgsqlException ex)
        {
            _source.Dispose();
            throw new KmsStartException($"cannot use the PostgreSQL database {Location}: {ex.Message}", ex);
        }
        catch
        {
            _source.Dispose();
            throw;
        }
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The version of the schema in the database (0: none yet).</summary>
    public int StoredSchemaVersion()
    {
        using var connection = _source.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection);
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    private void Migrate()
    {
        using var connection = _source.OpenConnection();
        Execute(connection, $"SELECT pg_advisory_lock({MigrationLockKey})");
        try
        {
            Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
            int current;
            using (var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection))
                current = Convert.ToInt32(cmd.ExecuteScalar());
            if (current > SchemaVersion)
                throw new KmsStartException($"the PostgreSQL database {Location} has schema version {current}; this Harness knows up to {SchemaVersion}: start a newer Harness");
            for (int v = current; v < SchemaVersion; v++)
            {
                using var tx = connection.BeginTransaction();
                using (var cmd = new NpgsqlCommand(Migrations[v], connection, tx)) cmd.ExecuteNonQuery();
                using (var cmd = new NpgsqlCommand("DELETE FROM schema_version; INSERT INTO schema_version VALUES (@v)", connection, tx))
                {
                    cmd.Parameters.AddWithValue("v", v + 1);
                    cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
        }
        finally { Execute(connection, $"SELECT pg_advisory_unlock({MigrationLockKey})"); }
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.ExecuteNonQuery();
    }

    public IEnumerable<ObjectRecord> LoadObjects()
    {
        lock (_readGate)
        {
            using var connection = _source.OpenConnection();
            using var batch = new NpgsqlBatch(connection) { BatchCommands = { ObjectsAfter(long.MinValue) } };
            using var r = batch.ExecuteReader();
            var list = new List<ObjectRecord>();
            while (r.Read())
            {
                _lastObjectChange = r.GetInt64(6);
                list.Add(ObjectOf(r));
            }
            return list;
        }
    }

    public IEnumerable<ClientRecord> LoadClients()
    {
        lock (_readGate)
        {
            using var connection = _source.OpenConnection();
            using var batch = new NpgsqlBatch(connection) { BatchCommands = { ClientsAfter(long.MinValue) } };
            using var r = batch.ExecuteReader();
            var list = new List<ClientRecord>();
            while (r.Read())
            {
                _lastClientChange = r.GetInt64(9);
                list.Add(ClientOf(r));
            }
            return list;
        }
    }

    /// <summary>Not concurrent with itself (<see cref="SharedStoreFollower"/> runs one at a time).</summary>
    public async Task<SharedChanges> ChangesSinceLastSeenAsync(CancellationToken ct = default)
    {
        // One round trip for both tables: this runs before every request a node serves.
        long objectsAfter = Volatile.Read(ref _lastObjectChange), clientsAfter = Volatile.Read(ref _lastClientChange);
        await using var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(ObjectsAfter(objectsAfter));
        batch.BatchCommands.Add(ClientsAfter(clientsAfter));
        await using var r = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var objects = new List<ObjectRecord>();
        long lastObject = objectsAfter;
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            lastObject = r.GetInt64(6);
            if (!r.GetBoolean(7)) objects.Add(ObjectOf(r));
        }
        await r.NextResultAsync(ct).ConfigureAwait(false);
        var clients = new List<ClientRecord>();
        long lastClient = clientsAfter;
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            lastClient = r.GetInt64(9);
            if (!r.GetBoolean(10)) clients.Add(ClientOf(r));
        }
        Volatile.Write(ref _lastObjectChange, lastObject);
        Volatile.Write(ref _lastClientChange, lastClient);
        return new SharedChanges(objects, clients);
    }

    private static ObjectRecord ObjectOf(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3),
        (byte[])r[4], r.IsDBNull(5) ? null : (byte[])r[5]);

    private static ClientRecord ClientOf(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        r.GetBoolean(4), r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)));

    private NpgsqlBatchCommand ObjectsAfter(long after) => new("""
        SELECT id, owner, object_type, version, attributes, sealed_value, change, written_by = $1
        FROM objects WHERE change > $2 ORDER BY change
        """) { Parameters = { new NpgsqlParameter { Value = Node }, new NpgsqlParameter { Value = after } } };

    private NpgsqlBatchCommand ClientsAfter(long after) => new("""
        SELECT identity, subject, sha1, certificate_pem, allowed, effective_from, first_seen, acts_as, retired_at, change, written_by = $1
        FROM clients WHERE change > $2 ORDER BY change
        """) { Parameters = { new NpgsqlParameter { Value = Node }, new NpgsqlParameter { Value = after } } };

    public Task CommitAsync(IReadOnlyList<ObjectRecord> records)
    {
        if (records.Count == 0) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((records, done)))
            done.SetException(new ObjectDisposedException(nameof(PostgresDurableStore)));
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(IReadOnlyList<ObjectRecord> Records, TaskCompletionSource Done)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 1024 && _queue.Reader.TryRead(out var item)) batch.Add(item);
            List<(TaskCompletionSource Done, Exception Refusal)> refused;
            try { refused = await CommitBatchAsync(batch).ConfigureAwait(false); }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch) done.TrySetException(ex);
                continue;
            }
            foreach (var (done, refusal) in refused) done.TrySetException(refusal);
            foreach (var (_, done) in batch) done.TrySetResult();
        }
    }

    /// <summary>
    /// One transaction under the write lock: the stored version of every object the batch changes is read first; a
    /// message whose change another node overtook is refused whole (none of its records is written), the others are
    /// written with the next change numbers.
    /// </summary>
    private async Task<List<(TaskCompletionSource, Exception)>> CommitBatchAsync(List<(IReadOnlyList<ObjectRecord> Records, TaskCompletionSource Done)> batch)
    {
        await using var connection = await _source.OpenConnectionAsync().ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var ids = batch.SelectMany(b => b.Records).Select(r => r.Id).Distinct().ToArray();
        var stored = new Dictionary<string, (long Version, bool Mine)>(StringComparer.Ordinal);
        await using (var read = new NpgsqlBatch(connection, tx))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({WriteLockKey})"));
            var select = new NpgsqlBatchCommand("SELECT id, version, written_by = $2 FROM objects WHERE id = ANY($1)");
            select.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            select.Parameters.Add(new NpgsqlParameter { Value = Node });
            read.BatchCommands.Add(select);
            await using var r = await read.ExecuteReaderAsync().ConfigureAwait(false);
            await r.NextResultAsync().ConfigureAwait(false);
            while (await r.ReadAsync().ConfigureAwait(false)) stored[r.GetString(0)] = (r.GetInt64(1), r.GetBoolean(2));
        }
        var refused = new List<(TaskCompletionSource, Exception)>();
        // The newest version of each object this batch writes (one node may queue two versions of an object out of order).
        var newest = new Dictionary<string, ObjectRecord>(StringComparer.Ordinal);
        foreach (var (records, done) in batch)
        {
            var overtaken = records.FirstOrDefault(r => stored.TryGetValue(r.Id, out var s) && !s.Mine && s.Version >= r.Version);
            if (overtaken is not null)
            {
                refused.Add((done, new ConcurrentChangeException(
                    $"another KMS node changed object {overtaken.Id} first (it stored version {stored[overtaken.Id].Version}; this change was made on version {overtaken.Version - 1}): send the request again")));
                continue;
            }
            foreach (var rec in records)
                if (!newest.TryGetValue(rec.Id, out var had) || had.Version < rec.Version) newest[rec.Id] = rec;
        }
        if (newest.Count > 0)
        {
            await using var write = new NpgsqlBatch(connection, tx);
            foreach (var rec in newest.Values)
            {
                // A version of this node's that is older than the stored one (queued out of order) never replaces it.
                if (stored.TryGetValue(rec.Id, out var s) && s.Version >= rec.Version) continue;
                var cmd = new NpgsqlBatchCommand("""
                    INSERT INTO objects (id, owner, object_type, version, attributes, sealed_value, change, written_by)
                    VALUES ($1, $2, $3, $4, $5, $6, nextval('changes'), $7)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, attributes = excluded.attributes,
                        sealed_value = excluded.sealed_value, change = excluded.change, written_by = excluded.written_by
                    """);
                cmd.Parameters.Add(new NpgsqlParameter { Value = rec.Id });
                cmd.Parameters.Add(new NpgsqlParameter { Value = rec.Owner });
                cmd.Parameters.Add(new NpgsqlParameter { Value = rec.ObjectType });
                cmd.Parameters.Add(new NpgsqlParameter { Value = rec.Version });
                cmd.Parameters.Add(new NpgsqlParameter { Value = rec.Attributes, NpgsqlDbType = NpgsqlDbType.Bytea });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)rec.SealedValue ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
                cmd.Parameters.Add(new NpgsqlParameter { Value = Node });
                write.BatchCommands.Add(cmd);
            }
            if (write.BatchCommands.Count > 0) await write.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await tx.CommitAsync().ConfigureAwait(false);
        return refused;
    }

    public async Task SaveClientAsync(ClientRecord c)
    {
        await using var connection = await _source.OpenConnectionAsync().ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({WriteLockKey})"));
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO clients (identity, subject, sha1, certificate_pem, allowed, effective_from, first_seen, acts_as, retired_at, change, written_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nextval('changes'), $10)
            ON CONFLICT (identity) DO UPDATE SET allowed = excluded.allowed, effective_from = excluded.effective_from,
                acts_as = excluded.acts_as, retired_at = excluded.retired_at, change = excluded.change, written_by = excluded.written_by
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.Identity });
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.Subject });
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.Sha1Thumbprint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.CertificatePem });
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.Allowed });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)c.EffectiveFrom?.ToUnixTimeMilliseconds() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = c.FirstSeen.ToUnixTimeMilliseconds() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)c.ActsAs ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)c.RetiredAt?.ToUnixTimeMilliseconds() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Node });
        batch.BatchCommands.Add(cmd);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The Npgsql connection string of a <c>postgres://USER[:PASS]@HOST:PORT/DB</c> location (user and password
    /// percent-encoded where needed; the port defaults to 5432).
    /// </summary>
    /// <exception cref="FormatException">the location is not of that form; the message says what is wrong</exception>
    public static string ConnectionStringFrom(string location)
    {
        const string Form = "postgres://USER[:PASS]@HOST:PORT/DB";
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
            throw new FormatException($"'{location}' is not a PostgreSQL location: use {Form}");
        if (string.IsNullOrEmpty(uri.UserInfo))
            throw new FormatException($"'{Redacted(uri)}' names no user: use {Form}");
        if (string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"'{Redacted(uri)}' names no host: use {Form}");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length == 0 || database.Contains('/'))
            throw new FormatException($"'{Redacted(uri)}' names no database (or more than one path segment): use {Form}");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new FormatException($"'{Redacted(uri)}' has a query or fragment, which Harness does not read: use {Form}");
        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Username = Uri.UnescapeDataString(userInfo[0]),
            Database = database,
            // Nodes wait for a database that is briefly away rather than fail the request at once.
            Timeout = 15,
            MaxPoolSize = 64,
        };
        if (userInfo.Length == 2) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        return builder.ConnectionString;
    }

    private static string Redacted(Uri uri) => uri.UserInfo.Contains(':')
        ? uri.OriginalString.Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":***") : uri.OriginalString;

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
    }
}
