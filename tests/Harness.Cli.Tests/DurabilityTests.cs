using System.Collections.Concurrent;
using System.Diagnostics;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>
/// Acceptance: "A kill -9 during a stream of Creates, then restart: every acknowledged key is returned by Get with
/// identical bytes." The server is a real `harness serve` process; SIGKILL gives it no chance to flush anything.
/// In the suite: one kill after 1,000 keys. As a load test, on the same code: HARNESS_DURABILITY_ROUNDS kills, each
/// after HARNESS_DURABILITY_KEYS acknowledged keys or HARNESS_DURABILITY_SECONDS, every key of every round checked
/// after each restart, e.g.
/// <c>HARNESS_DURABILITY_ROUNDS=5 HARNESS_DURABILITY_KEYS=20000 HARNESS_DURABILITY_SECONDS=60 dotnet test tests/Harness.Cli.Tests --filter KillDashNine --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class DurabilityTests(ITestOutputHelper output)
{
    private const int Connections = 8;
    private static readonly int Rounds = Setting("HARNESS_DURABILITY_ROUNDS", 1);
    private static readonly int KillAfterAcknowledged = Setting("HARNESS_DURABILITY_KEYS", 1000);
    private static readonly TimeSpan KillAfterAtMost = TimeSpan.FromSeconds(Setting("HARNESS_DURABILITY_SECONDS", 2));

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
    private static readonly ProtocolVersion Version = ProtocolVersion.V1_4;

    [Fact]
    public async Task KillDashNineDuringCreates_Restart_EveryAcknowledgedKeyIsReturnedWithIdenticalBytes()
    {
        using var dir = new TempDir("harness-durability-");
        var pki = TestPki.Init(dir.Sub("pki"));
        var data = dir.Sub("data");
        var acknowledged = new ConcurrentDictionary<string, byte[]>();
        for (int round = 1; round <= Rounds; round++)
            await KillDuringCreatesThenCheckAsync(pki, data, acknowledged, round);
    }

    private async Task KillDuringCreatesThenCheckAsync(PkiPaths pki, string data, ConcurrentDictionary<string, byte[]> acknowledged, int round)
    {
        int before = acknowledged.Count;

        // 1. serve, 8 connections streaming Create+Get (one batch: Get uses the ID Placeholder Create set), each ack recorded
        using (var serve = await ServeProcess.StartAsync(pki.Directory, data))
        {
            var clientOptions = Options(pki, serve.Port);
            var clients = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => KmipClient.ConnectAsync(clientOptions)));
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var killed = 0;
            var endings = new ConcurrentBag<string>();
            var request = KmipRequests.Message(Version, new KmipRequestOptions { AssignBatchItemIds = true },
                KmipBatchItems.CreateSymmetricKey(Version, KmipAttribute.Aes256EncryptDecrypt),
                KmipBatchItems.Get(null));

            var workers = clients.Select(client => Task.Run(async () =>
            {
                await using var _ = client;
                while (true)
                {
                    KmipResponse response;
                    try { response = await client.SendMessageAsync(request); }
                    catch (Exception e) when (e is KmipConnectionException or IOException or KmipTimeoutException)
                    {
                        endings.Add(Volatile.Read(ref killed) == 1 ? "lost at the kill" : $"lost BEFORE the kill: {e.Message}");
                        return;
                    }
                    // The response is the acknowledgement: from here on the KMS promised the key is durable.
                    var id = response.BatchItems[0].EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
                    var key = KmipManagedObject.Parse(response.BatchItems[1].EnsureSuccess().RequiredPayload);
                    key.UniqueIdentifier.Should().Be(id);
                    acknowledged[id] = key.KeyMaterial!;
                    if (acknowledged.Count - before >= KillAfterAcknowledged) enough.TrySetResult();
                }
            })).ToArray();

            await Task.WhenAny(enough.Task, Task.WhenAll(workers), Task.Delay(KillAfterAtMost));
            Volatile.Write(ref killed, 1);
            serve.KillHard();
            int atKill = acknowledged.Count;

            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(TimeSpan.FromSeconds(30)));
            Task.WhenAll(workers).IsCompleted.Should().BeTrue("every connection notices the dead server within the client's timeouts");
            await Task.WhenAll(workers); // surfaces a failed assertion or an unexpected error inside a worker

            serve.Process.HasExited.Should().BeTrue();
            endings.Should().HaveCount(Connections).And.OnlyContain(e => e == "lost at the kill",
                "all 8 connections were still streaming when the server was killed");
            output.WriteLine($"round {round}: killed after {atKill - before:N0} acknowledged keys ({acknowledged.Count - before:N0} once every connection had noticed; {acknowledged.Count:N0} in all)");
            acknowledged.Count.Should().BeGreaterThan(before, "some Creates were acknowledged before the kill");
        }

        // 2. restart on the same data directory, within a bounded time
        var restart = Stopwatch.StartNew();
        using var again = await ServeProcess.StartAsync(pki.Directory, data, timeout: TimeSpan.FromSeconds(60));
        await using var probe = await KmipClient.ConnectAsync(Options(pki, again.Port));
        var ops = new KmipOperations(probe, Version);
        await ops.GetAsync(acknowledged.Keys.First());
        restart.Stop();
        output.WriteLine($"restarted: endpoint printed after {again.StartedIn.TotalMilliseconds:0} ms, first Get answered after {restart.ElapsedMilliseconds} ms; {again.ObjectsAtStart} objects in the store");
        restart.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the server restarts and serves promptly after a crash");
        again.ObjectsAtStart.Should().BeGreaterThanOrEqualTo(acknowledged.Count, "every acknowledged Create is in the store (unacknowledged ones may be too)");

        // 3. every acknowledged key, identical bytes (4 connections in parallel)
        var ids = acknowledged.Keys.ToArray();
        var problems = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            await using var client = await KmipClient.ConnectAsync(Options(pki, again.Port));
            var getter = new KmipOperations(client, Version);
            for (int i = worker; i < ids.Length; i += 4)
            {
                try
                {
                    var got = await getter.GetAsync(ids[i]);
                    if (got.KeyMaterial is not { } bytes || !bytes.AsSpan().SequenceEqual(acknowledged[ids[i]]))
                        problems.Add($"{ids[i]}: different bytes");
                }
                catch (KmipOperationException e)
                {
                    problems.Add($"{ids[i]}: {e.ResultStatus} {e.Message}");
                }
            }
        }));
        problems.Should().BeEmpty($"all {ids.Length} acknowledged keys survive {round} kill -9");
        output.WriteLine($"round {round}: all {ids.Length:N0} acknowledged keys returned with identical bytes");
    }

    private static KmipClientOptions Options(PkiPaths pki, int port) =>
        KmipClientOptions.FromPki("127.0.0.1", port, pki) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(20),
            ReceiveTimeout = TimeSpan.FromSeconds(20),
        };
}
