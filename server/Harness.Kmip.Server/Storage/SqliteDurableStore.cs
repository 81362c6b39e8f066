using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Harness.Kmip.Server.Storage;

/// <summary>
/// SQLite store (the embedded default). WAL journal with synchronous=FULL: a commit is on disk when it returns.
/// Writers queue their records; one writer task commits everything queued so far in one transaction (group commit),
/// so that many concurrent Creates share one fsync.
/// </summary>
public sealed class SqliteDurableStore : IDurableStore
{
    private readonly SqliteConnection _connection;
    private readonly Channel<(IReadOnlyList<ObjectRecord> Records, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(IReadOnlyList<ObjectRecord>, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly object _connectionLock = new();

    public const string FileName = "kms.db";

    public SqliteDurableStore(string path)
    {
        Path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        // The B-tree pages that inserts and updates walk stay in memory (the default 2 MB is read again from the file
        // on every commit once a store holds tens of thousands of keys).
        Execute("PRAGMA cache_size=-16384;");
        Execute("""
            CREATE TABLE IF NOT EXISTS objects (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                object_type INTEGER NOT NULL,
                version INTEGER NOT NULL,
                attributes BLOB NOT NULL,
                sealed_value BLOB
            );
            CREATE TABLE IF NOT EXISTS clients (
                identity TEXT PRIMARY KEY,
                subject TEXT NOT NULL,
                sha1 TEXT NOT NULL,
                certificate_pem TEXT NOT NULL,
                allowed INTEGER NOT NULL,
                effective_from INTEGER,
                first_seen INTEGER NOT NULL,
                acts_as TEXT
            );
            """);
        // A data directory written before client tenants existed has a clients table without acts_as.
        if (!HasColumn("clients", "acts_as")) Execute("ALTER TABLE clients ADD COLUMN acts_as TEXT;");
        // Nor, before Re-Provision, retired_at: when the client's credential was replaced and stopped being accepted.
        if (!HasColumn("clients", "retired_at")) Execute("ALTER TABLE clients ADD COLUMN retired_at INTEGER;");
        _upsert = PrepareUpsert();
        _writer = Task.Run(WriteLoopAsync);
    }

    private readonly (SqliteCommand Command, SqliteParameter Id, SqliteParameter Owner, SqliteParameter Type,
        SqliteParameter Version, SqliteParameter Attributes, SqliteParameter Sealed) _upsert;

    /// <summary>
    /// The one statement the writer runs, prepared once. Records are built outside the object store's lock, so two
    /// versions of an object can arrive out of order: an older version never replaces a newer one.
    /// </summary>
    private (SqliteCommand, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter) PrepareUpsert()
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO objects (id, owner, object_type, version, attributes, sealed_value)
            VALUES ($id, $owner, $type, $version, $attributes, $sealed)
            ON CONFLICT(id) DO UPDATE SET version = excluded.version, attributes = excluded.attributes,
                sealed_value = excluded.sealed_value
            WHERE excluded.version > objects.version
            """;
        var p = (cmd, cmd.Parameters.Add("$id", SqliteType.Text), cmd.Parameters.Add("$owner", SqliteType.Text),
            cmd.Parameters.Add("$type", SqliteType.Integer), cmd.Parameters.Add("$version", SqliteType.Integer),
            cmd.Parameters.Add("$attributes", SqliteType.Blob), cmd.Parameters.Add("$sealed", SqliteType.Blob));
        cmd.Prepare();
        return p;
    }

    public string Path { get; }

    private bool HasColumn(string table, string column)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column";
        cmd.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public IEnumerable<ObjectRecord> LoadObjects()
    {
        var list = new List<ObjectRecord>();
        lock (_connectionLock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT id, owner, object_type, version, attributes, sealed_value FROM objects";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(new ObjectRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3), (byte[])r[4],
                    r.IsDBNull(5) ? null : (byte[])r[5]));
        }
        return list;
    }

    public Task CommitAsync(IReadOnlyList<ObjectRecord> records)
    {
        if (records.Count == 0) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((records, done)))
            done.SetException(new ObjectDisposedException(nameof(SqliteDurableStore)));
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(IReadOnlyList<ObjectRecord> Records, TaskCompletionSource Done)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 4096 && _queue.Reader.TryRead(out var item)) batch.Add(item);
            try
            {
                lock (_connectionLock)
                {
                    using var tx = _connection.BeginTransaction();
                    var (cmd, id, owner, type, version, attributes, sealedValue) = _upsert;
                    cmd.Transaction = tx;
                    foreach (var (records, _) in batch)
                        foreach (var rec in records)
                        {
                            id.Value = rec.Id;
                            owner.Value = rec.Owner;
                            type.Value = rec.ObjectType;
                            version.Value = rec.Version;
                            attributes.Value = rec.Attributes;
                            sealedValue.Value = (object?)rec.SealedValue ?? DBNull.Value;
                            cmd.ExecuteNonQuery();
                        }
                    tx.Commit();
                }
                foreach (var (_, done) in batch) done.TrySetResult();
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch) done.TrySetException(ex);
            }
        }
    }

    public IEnumerable<ClientRecord> LoadClients()
    {
        var list = new List<ClientRecord>();
        lock (_connectionLock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT identity, subject, sha1, certificate_pem, allowed, effective_from, first_seen, acts_as, retired_at FROM clients";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(new ClientRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) != 0,
                    r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7),
                    r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8))));
        }
        return list;
    }

    public Task SaveClientAsync(ClientRecord c)
    {
        lock (_connectionLock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = """
                INSERT INTO clients (identity, subject, sha1, certificate_pem, allowed, effective_from, first_seen, acts_as, retired_at)
                VALUES ($identity, $subject, $sha1, $pem, $allowed, $effective, $first, $actsAs, $retired)
                ON CONFLICT(identity) DO UPDATE SET allowed = excluded.allowed, effective_from = excluded.effective_from,
                    acts_as = excluded.acts_as, retired_at = excluded.retired_at
                """;
            cmd.Parameters.AddWithValue("$identity", c.Identity);
            cmd.Parameters.AddWithValue("$subject", c.Subject);
            cmd.Parameters.AddWithValue("$sha1", c.Sha1Thumbprint);
            cmd.Parameters.AddWithValue("$pem", c.CertificatePem);
            cmd.Parameters.AddWithValue("$allowed", c.Allowed ? 1 : 0);
            cmd.Parameters.AddWithValue("$effective", (object?)c.EffectiveFrom?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$first", c.FirstSeen.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$actsAs", (object?)c.ActsAs ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$retired", (object?)c.RetiredAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            cmd.ExecuteNonQuery();
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        lock (_connectionLock)
        {
            _upsert.Command.Dispose();
            _connection.Dispose();
        }
    }
}
