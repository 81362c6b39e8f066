using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Testing;

[assembly: AssemblyFixture(typeof(PostgresOnDemand))]

namespace Harness.Cli.Tests;

/// <summary>
/// Acceptance 2 of issue 17: three `harness serve` node processes on one PostgreSQL database (a real server in the
/// harness/postgres:15 container), each with its own data folder and a copy of one root key.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class SharedStoreNodesTests(PostgresOnDemand postgres)
{
    private sealed record Node(ServeProcess Serve, KmipClientOptions Client);

    private static async Task<Node[]> StartNodesAsync(TempDir dir, PkiPaths pki, string location, int count)
    {
        var nodes = new List<Node>();
        try
        {
            for (int i = 1; i <= count; i++)
            {
                var data = dir.Sub($"node{i}");
                if (i > 1)
                {
                    Directory.CreateDirectory(data);
                    File.Copy(Path.Combine(dir.Sub("node1"), "root.key"), Path.Combine(data, "root.key"));
                }
                var serve = await ServeProcess.StartAsync(pki.Directory, data, null, "--store", location);
                nodes.Add(new Node(serve, KmipClientOptions.FromPki("127.0.0.1", serve.Port, pki) with { ReceiveTimeout = TimeSpan.FromSeconds(30) }));
            }
            return [.. nodes];
        }
        catch
        {
            foreach (var n in nodes) n.Serve.Dispose();
            throw;
        }
    }

    private static async Task<KmipOperations> ConnectAsync(Node node) =>
        new(await KmipClient.ConnectAsync(node.Client), ProtocolVersion.V1_4);

    [Fact]
    public async Task ThreeNodes_CreatesThroughAllAndOneKilledHard_EveryAcknowledgedKeyServedIdenticallyByTheOthers()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        var location = await postgres.CreateDatabaseAsync("nodes");
        var nodes = await StartNodesAsync(dir, pki, location, 3);
        try
        {
            var random = new Random();
            int victim = random.Next(3);
            int killAfter = random.Next(15, 90);   // the random moment: after this many acknowledged Creates in all
            const int CreatesAfterTheKill = 60;     // the survivors go on creating
            var acknowledged = new ConcurrentDictionary<string, (int Node, byte[]? Bytes)>();
            int total = 0;
            int? countAtKill = null;
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));

            void NoteAcknowledged()
            {
                int now = Interlocked.Increment(ref total);
                if (now == killAfter)
                {
                    killed.TrySetResult(); // first: the victim's streams may see their connection drop at once
                    nodes[victim].Serve.KillHard(); // kill -9 (Process.Kill of the node's PID) in the middle of the stream
                    countAtKill = now;
                }
                if (countAtKill is { } at && now >= at + CreatesAfterTheKill) stop.Cancel();
            }

            // Two connections per node, each creating keys one after another (and reading each key back on its node).
            var streams = Enumerable.Range(0, 6).Select(c => Task.Run(async () =>
            {
                int node = c % 3;
                await using var client = await KmipClient.ConnectAsync(nodes[node].Client);
                var kms = new KmipOperations(client, ProtocolVersion.V1_4);
                while (!stop.IsCancellationRequested)
                {
                    string id;
                    try { id = await kms.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt); }
                    catch (Exception) when (node == victim && killed.Task.IsCompleted) { return; }
                    catch (Exception ex) { throw new Xunit.Sdk.XunitException($"Create on node {node + 1} (victim {victim + 1}, killed: {killed.Task.IsCompleted}) failed: {ex.Message}\n{nodes[node].Serve.Process.Describe()}"); }
                    acknowledged[id] = (node, null);
                    NoteAcknowledged();
                    try { acknowledged[id] = (node, (await kms.GetAsync(id)).KeyMaterial); }
                    catch (Exception) when (node == victim && killed.Task.IsCompleted) { return; }
                }
            })).ToArray();
            await Task.WhenAll(streams);

            killed.Task.IsCompleted.Should().BeTrue("node {0} was killed after {1} Creates", victim + 1, killAfter);
            nodes[victim].Serve.Process.HasExited.Should().BeTrue();
            var survivors = Enumerable.Range(0, 3).Where(n => n != victim).ToArray();
            await using var first = (await ConnectAsync(nodes[survivors[0]])).Client;
            await using var second = (await ConnectAsync(nodes[survivors[1]])).Client;
            var onFirst = new KmipOperations(first, ProtocolVersion.V1_4);
            var onSecond = new KmipOperations(second, ProtocolVersion.V1_4);
            acknowledged.Keys.Should().OnlyHaveUniqueItems().And.HaveCountGreaterThan(killAfter + CreatesAfterTheKill - 1);
            acknowledged.Values.Select(v => v.Node).Should().Contain(victim, "the killed node acknowledged Creates before it died");
            foreach (var (id, (node, bytes)) in acknowledged)
            {
                var a = (await onFirst.GetAsync(id)).KeyMaterial;
                var b = (await onSecond.GetAsync(id)).KeyMaterial;
                a.Should().NotBeNull($"key {id} (acknowledged by node {node + 1}) is served by node {survivors[0] + 1}");
                b.Should().Equal(a, $"nodes {survivors[0] + 1} and {survivors[1] + 1} serve key {id} identically");
                if (bytes is not null) a.Should().Equal(bytes, $"key {id} is the key node {node + 1} served");
            }
        }
        finally
        {
            foreach (var n in nodes) n.Serve.Dispose();
        }
    }

    [Fact]
    public async Task ThreeNodes_ObjectChangedOnOne_SeenChangedOnTheNextRequestToAnother()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        var location = await postgres.CreateDatabaseAsync("nodes");
        var nodes = await StartNodesAsync(dir, pki, location, 3);
        try
        {
            await using var one = (await ConnectAsync(nodes[0])).Client;
            await using var two = (await ConnectAsync(nodes[1])).Client;
            await using var three = (await ConnectAsync(nodes[2])).Client;
            var onOne = new KmipOperations(one, ProtocolVersion.V1_4);
            var onTwo = new KmipOperations(two, ProtocolVersion.V1_4);
            var onThree = new KmipOperations(three, ProtocolVersion.V1_4);
            var id = await onOne.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

            await onTwo.AddAttributeAsync(id, KmipAttribute.ObjectName("renamed-on-node-2"));
            (await onThree.LocateAsync([KmipAttribute.ObjectName("renamed-on-node-2")])).Should().Equal(id);
            await onThree.ActivateAsync(id);
            StateOf(await onOne.GetAttributesAsync(id, ["State"])).Should().Be(State.Active);

            // Node 1's administrator deactivates it: node 2 answers Deactivated on its very next request.
            using (var admin = new HttpClient { BaseAddress = nodes[0].Serve.AdminUrl })
            {
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(nodes[0].Serve.AdminTokenFile).Trim());
                (await admin.PostAsync($"objects/{id}/deactivate", null)).EnsureSuccessStatusCode();
            }
            StateOf(await onTwo.GetAttributesAsync(id, ["State"])).Should().Be(State.Deactivated);
        }
        finally
        {
            foreach (var n in nodes) n.Serve.Dispose();
        }
    }

    private static State StateOf(IReadOnlyList<KmipAttribute> attributes) =>
        (State)attributes.Single(a => a.Name == "State").Value.AsEnum;
}
