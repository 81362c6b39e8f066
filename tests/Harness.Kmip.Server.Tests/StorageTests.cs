using System.Text;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Testing;
using static Harness.Kmip.Server.Tests.KmipTestClient;

[assembly: AssemblyFixture(typeof(PostgresOnDemand))]

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// The durable store: SQLite in DATA/kms.db (WAL), or a PostgreSQL database (serve --store postgres://…); key material
/// sealed under DATA/root.key. The tests marked with a store run against both.
/// </summary>
public class StorageTests(PostgresOnDemand postgres)
{
    /// <summary>The stores the parameterised tests run against.</summary>
    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    /// <summary>A server on the store named (a new PostgreSQL database for "postgres").</summary>
    private async Task<KmsFixture> StartOnAsync(string store) => store == "sqlite"
        ? await KmsFixture.StartAsync()
        : await KmsFixture.StartAsync(PostgresStore(await postgres.CreateDatabaseAsync()));

    private static Action<KmipServerOptions> PostgresStore(string location) => o => o.PostgresStore = location;

    /// <summary>An empty durable store of the kind named, and a way to open it again.</summary>
    private async Task<(Func<Storage.IDurableStore> Open, Action Remove)> EmptyStoreAsync(string store)
    {
        if (store == "postgres")
        {
            var connection = PostgresContainer.ConnectionStringOf(await postgres.CreateDatabaseAsync());
            return (() => new Storage.PostgresDurableStore(connection), () => { });
        }
        var dir = Directory.CreateTempSubdirectory("harness-store-").FullName;
        return (() => new Storage.SqliteDurableStore(Path.Combine(dir, "kms.db")), () => Directory.Delete(dir, true));
    }

    private static async Task<List<(string Id, byte[] Bytes)>> CreateKeysAsync(KmipClient client, int count)
    {
        var keys = new List<(string, byte[])>();
        for (int i = 0; i < count; i++)
        {
            var id = await client.CreateKeyAsync(i % 2 == 0 ? V14 : V21, Name($"stored-{i}"));
            keys.Add((id, await client.GetKeyBytesAsync(id)));
        }
        return keys;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>The database files as they are on disk now (read while the server holds them open).</summary>
    private static List<(string Name, byte[] Bytes)> DatabaseFiles(KmsFixture kms)
    {
        var files = new List<(string, byte[])>();
        foreach (var name in new[] { "kms.db", "kms.db-wal" })
        {
            var path = Path.Combine(kms.DataDirectory, name);
            if (!File.Exists(path)) continue;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files.Add((name, copy.ToArray()));
        }
        return files;
    }

    [Fact]
    public async Task DatabaseFiles_After20Keys_HoldNoRawKeyBytes()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var keys = await CreateKeysAsync(client, 20);

        var files = DatabaseFiles(kms);

        files.Select(f => f.Name).Should().Contain("kms.db-wal", "the store runs in WAL mode");
        var all = files.SelectMany(f => f.Bytes).ToArray();
        foreach (var (id, _) in keys)
            Contains(all, Encoding.UTF8.GetBytes(id)).Should().BeTrue($"the record of '{id}' is in the files searched (control)");
        foreach (var (name, bytes) in files)
            foreach (var (id, key) in keys)
                Contains(bytes, key).Should().BeFalse($"{name} must not hold the raw bytes of key '{id}'");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Restart_After20Keys_EveryKeyReturnedWithIdenticalBytes(string store)
    {
        await using var kms = await StartOnAsync(store);
        List<(string Id, byte[] Bytes)> keys;
        await using (var client = await kms.ConnectAsync()) keys = await CreateKeysAsync(client, 20);

        await kms.RestartAsync();

        await using var after = await kms.ConnectAsync();
        foreach (var (id, bytes) in keys)
            (await after.GetKeyBytesAsync(id)).Should().Equal(bytes, $"key '{id}' survives the restart");
        (await after.LocateAsync(V14, [Name("stored-7")])).Ids.Should().Equal(keys[7].Id);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Restart_StateChangesAndAllowedClients_Kept(string store)
    {
        await using var kms = await StartOnAsync(store);
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-persisted");
        using (var admin = kms.Admin())
            (await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem())).EnsureSuccessStatusCode();
        string id;
        await using (var client = await kms.ConnectAsync())
        {
            id = await client.CreateKeyAsync();
            (await client.OneAsync(V14, KmipBatchItems.Activate(id))).EnsureSuccess();
        }

        await kms.RestartAsync();

        await using var after = await kms.ConnectAsync();
        (await after.StateAsync(id)).Should().Be(State.Active);
        await using var allowed = await kms.ConnectAsync(selfSigned);
        await allowed.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task Start_DataDirectoryFromBeforeClientTenants_GainsTheColumnAndKeepsWorking()
    {
        // kms.db as the server wrote it before allowed clients could act as another (no acts_as column).
        var data = Directory.CreateTempSubdirectory("harness-old-schema-").FullName;
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "kms.db")};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE clients (identity TEXT PRIMARY KEY, subject TEXT NOT NULL, sha1 TEXT NOT NULL, certificate_pem TEXT NOT NULL,
                    allowed INTEGER NOT NULL, effective_from INTEGER, first_seen INTEGER NOT NULL);
                """;
            cmd.ExecuteNonQuery();
        }

        await using var kms = await KmsFixture.StartAsync(dataDirectory: data);
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-old-data");
        using (var admin = kms.Admin())
            (await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem())).EnsureSuccessStatusCode();
        await kms.RestartAsync();
        await using var allowed = await kms.ConnectAsync(selfSigned);
        await allowed.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task RootKey_FirstStart_32BytesOwnerOnly()
    {
        await using var kms = await KmsFixture.StartAsync();
        var path = Path.Combine(kms.DataDirectory, "root.key");

        new FileInfo(path).Length.Should().Be(32);
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task Start_RootKeyOfWrongLength_FailsNamingTheFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "harness-kms-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "root.key"), new byte[17]);
            using var pki = TestPki.CreateInMemory();
            var options = KmsFixture.Options(pki, dir);

            var act = async () => { await using var server = await KmipServer.StartAsync(options); };

            var thrown = await act.Should().ThrowAsync<Exception>();
            thrown.Which.Message.Should().Contain(Path.Combine(dir, "root.key")).And.Contain("17 bytes").And.Contain("32");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Start_DifferentRootKeyForExistingData_FailsSayingTheKeysDiffer()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();
        await kms.Server.DisposeAsync();
        File.WriteAllBytes(Path.Combine(kms.DataDirectory, "root.key"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var options = KmsFixture.Options(kms.Pki, kms.DataDirectory);

        var act = async () => { await using var server = await KmipServer.StartAsync(options); };

        (await act.Should().ThrowAsync<Exception>()).Which.Message.Should()
            .Contain(Path.Combine(kms.DataDirectory, "kms.db")).And.Contain(Path.Combine(kms.DataDirectory, "root.key"))
            .And.Contain("root key");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Commit_AnOlderVersionAfterANewerOne_TheStoreKeepsTheNewer(string kind)
    {
        // Records are sealed and encoded outside the object store's lock, so version 2 of an object can reach the
        // writer before version 1; the store must end with version 2, in the same batch or in a later one.
        var (open, remove) = await EmptyStoreAsync(kind);
        try
        {
            await using (var store = open())
            {
                await store.CommitAsync([new Storage.ObjectRecord("k1", "owner", 2, 2, [2], null), new Storage.ObjectRecord("k1", "owner", 2, 1, [1], null)]);
                await store.CommitAsync([new Storage.ObjectRecord("k2", "owner", 2, 5, [5], null)]);
                await store.CommitAsync([new Storage.ObjectRecord("k2", "owner", 2, 4, [4], null)]);
                await store.CommitAsync([new Storage.ObjectRecord("k2", "owner", 2, 6, [6], null)]);
            }
            await using (var reopened = open())
            {
                var records = reopened.LoadObjects().ToDictionary(r => r.Id);
                records["k1"].Version.Should().Be(2);
                records["k1"].Attributes.Should().Equal(2);
                records["k2"].Version.Should().Be(6, "a newer version still replaces an older one");
                records["k2"].Attributes.Should().Equal(6);
            }
        }
        finally
        {
            remove();
        }
    }

    [Fact]
    public void RootKey_Disposed_RefusesToSealOrOpen()
    {
        var key = new RootKeys.RootKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var sealedBlob = key.Seal([1, 2, 3], "id-1");
        key.Open(sealedBlob, "id-1").Should().Equal(1, 2, 3);

        key.Dispose();

        key.Invoking(k => k.Seal([1, 2, 3], "id-1")).Should().Throw<ObjectDisposedException>();
        key.Invoking(k => k.Open(sealedBlob, "id-1")).Should().Throw<ObjectDisposedException>();
    }
}
