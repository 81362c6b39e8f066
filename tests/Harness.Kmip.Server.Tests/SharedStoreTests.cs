using Harness.Kmip.Client;
using Harness.Kmip.Server.Storage;
using Harness.Pki;
using Harness.Testing;
using Npgsql;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// The PostgreSQL store shared by several KMS nodes (here: servers in this process, each with its own data folder and a
/// copy of one root key, on one real PostgreSQL database): schema, identifiers, changes seen by every node on its next
/// request, and changes another node overtook refused.
/// </summary>
public class SharedStoreTests(PostgresOnDemand postgres)
{
    /// <summary>A second node on the database of <paramref name="first"/>: its own data folder, the first's root key and PKI.</summary>
    private static async Task<KmsFixture> SecondNodeAsync(KmsFixture first, string location)
    {
        var data = Directory.CreateTempSubdirectory("harness-node-").FullName;
        File.Copy(Path.Combine(first.DataDirectory, "root.key"), Path.Combine(data, "root.key"));
        return await KmsFixture.StartAsync(o => o.PostgresStore = location, first.Pki, data);
    }

    private async Task<(KmsFixture A, KmsFixture B, string Location)> TwoNodesAsync()
    {
        var location = await postgres.CreateDatabaseAsync();
        var a = await KmsFixture.StartAsync(o => o.PostgresStore = location);
        return (a, await SecondNodeAsync(a, location), location);
    }

    private static async Task<T> ScalarAsync<T>(string location, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresContainer.ConnectionStringOf(location));
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Start_EmptyDatabase_CreatesTheSchemaAtItsVersionAndAStartOnItKeepsIt()
    {
        var location = await postgres.CreateDatabaseAsync();
        await using var kms = await KmsFixture.StartAsync(o => o.PostgresStore = location);
        await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();

        await kms.RestartAsync();

        (await ScalarAsync<int>(location, "SELECT version FROM schema_version")).Should().Be(PostgresDurableStore.SchemaVersion);
        (await ScalarAsync<long>(location, "SELECT count(*) FROM schema_version")).Should().Be(1);
        (await ScalarAsync<long>(location, "SELECT count(*) FROM objects")).Should().Be(1);
    }

    [Fact]
    public async Task Start_DatabaseWithANewerSchema_FailsNamingBothVersions()
    {
        var location = await postgres.CreateDatabaseAsync();
        await using (var kms = await KmsFixture.StartAsync(o => o.PostgresStore = location)) { }
        await ScalarAsync<int>(location, $"UPDATE schema_version SET version = {PostgresDurableStore.SchemaVersion + 1} RETURNING version");

        var act = async () => { await using var kms = await KmsFixture.StartAsync(o => o.PostgresStore = location); };

        (await act.Should().ThrowAsync<KmsStartException>()).Which.Message.Should()
            .Contain($"schema version {PostgresDurableStore.SchemaVersion + 1}").And.Contain($"knows up to {PostgresDurableStore.SchemaVersion}");
    }

    [Fact]
    public async Task Start_DatabaseNotReachable_FailsNamingIt()
    {
        var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        int port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var act = async () => { await using var kms = await KmsFixture.StartAsync(o => o.PostgresStore = $"postgres://kms:pw@127.0.0.1:{port}/keys"); };

        (await act.Should().ThrowAsync<KmsStartException>()).Which.Message.Should().Contain($"cannot use the PostgreSQL database 127.0.0.1:{port}/keys");
    }

    [Fact]
    public async Task Commit_OnAVersionAnotherNodeStoredFirst_IsRefusedNamingTheObject()
    {
        var connection = PostgresContainer.ConnectionStringOf(await postgres.CreateDatabaseAsync());
        // The stores open and load synchronously: not on the socket event thread the await above may have resumed on
        // (inline socket completions), whose event loop their database reads need.
        await Task.Yield();
        await using var nodeA = new PostgresDurableStore(connection);
        await using var nodeB = new PostgresDurableStore(connection);
        nodeA.LoadObjects().Should().BeEmpty();
        nodeB.LoadObjects().Should().BeEmpty();
        await nodeA.CommitAsync([new ObjectRecord("k1", "owner", 2, 1, [1], null)]);
        (await nodeB.ChangesSinceLastSeenAsync()).Objects.Should().ContainSingle(r => r.Id == "k1" && r.Version == 1);

        await nodeA.CommitAsync([new ObjectRecord("k1", "owner", 2, 2, [2], null)]);
        var act = () => nodeB.CommitAsync([new ObjectRecord("k1", "owner", 2, 2, [20], null)]);

        (await act.Should().ThrowAsync<ConcurrentChangeException>()).Which.Message.Should()
            .Contain("another KMS node changed object k1 first").And.Contain("version 2");
        var seen = (await nodeB.ChangesSinceLastSeenAsync()).Objects.Should().ContainSingle().Which;
        seen.Attributes.Should().Equal([2], "node A's version stays, and node B catches up with it");
        await nodeB.CommitAsync([new ObjectRecord("k1", "owner", 2, 3, [3], null)]);
        (await nodeA.ChangesSinceLastSeenAsync()).Objects.Should().ContainSingle().Which.Attributes.Should().Equal([3]);
    }

    [Fact]
    public async Task TwoNodes_KeysMadeOnEach_UniqueAndServedByTheOtherOnTheNextRequest()
    {
        var (a, b, location) = await TwoNodesAsync();
        await using var _ = a;
        await using var __ = b;
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();

        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await onA.CreateKeyAsync(V14, Name($"shared-a-{i}")));
            ids.Add(await onB.CreateKeyAsync(V14, Name($"shared-b-{i}")));
        }

        ids.Should().OnlyHaveUniqueItems();
        foreach (var id in ids)
            (await onA.GetKeyBytesAsync(id)).Should().Equal(await onB.GetKeyBytesAsync(id), $"both nodes serve key {id} identically");
        (await onB.LocateAsync(V14, [Name("shared-a-3")])).Ids.Should().Equal(ids[6]);
        (await onA.LocateAsync(V14, [Name("shared-b-4")])).Ids.Should().Equal(ids[9]);
        (await ScalarAsync<long>(location, "SELECT count(*) FROM objects")).Should().Be(10);
    }

    [Fact]
    public async Task TwoNodes_AttributeEditAndAdminActionsOnOne_SeenByTheOtherOnItsNextRequest()
    {
        var (a, b, _) = await TwoNodesAsync();
        await using var __ = a;
        await using var ___ = b;
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        var id = await onA.CreateKeyAsync(V14, Name("before"));
        (await onB.OneAsync(V14, KmipBatchItems.Activate(id))).EnsureSuccess();
        (await onA.StateAsync(id)).Should().Be(State.Active, "node B activated it");

        await new KmipOperations(onA, V14).AddAttributeAsync(id, KmipAttribute.ObjectName("after"));
        (await onB.LocateAsync(V14, [Name("after")])).Ids.Should().Equal(id);

        using (var admin = a.Admin())
            (await admin.PostTextAsync($"/objects/{id}/deactivate")).EnsureSuccessStatusCode();
        (await onB.StateAsync(id)).Should().Be(State.Deactivated, "node A's administrator deactivated it");

        using (var admin = b.Admin())
        {
            var view = await (await admin.GetPathAsync($"/objects/{id}")).JsonAsync();
            view.GetProperty("state").GetString().Should().Be("Deactivated");
        }
    }

    [Fact]
    public async Task TwoNodes_ClientAllowedOnOne_AcceptedByTheOtherAtItsNextHandshake()
    {
        var (a, b, _) = await TwoNodesAsync();
        await using var __ = a;
        await using var ___ = b;
        using var selfSigned = CertificateAuthority.CreateSelfSigned("vcenter-on-two-nodes");
        await b.ExpectRefusedAsync(selfSigned);

        using (var admin = a.Admin())
            (await admin.PostTextAsync("/clients", selfSigned.ExportCertificatePem())).EnsureSuccessStatusCode();

        await using var allowed = await b.ConnectAsync(selfSigned);
        await allowed.ShouldStillWorkAsync();
    }
}
