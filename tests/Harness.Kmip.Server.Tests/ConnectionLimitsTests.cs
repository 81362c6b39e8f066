using System.Text;
using Harness.Kmip.Client;
using Harness.Pki;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Slow and idle clients: a message that has begun must complete within the read timeout, a connection with nothing to
/// say closes after the idle timeout; other clients go on meanwhile. (Timeouts are short here; the defaults are 10 s
/// and 120 s.)
/// </summary>
public class ConnectionTimeoutTests
{
    private static Task<KmsFixture> StartAsync(TimeSpan read, TimeSpan idle) =>
        KmsFixture.StartAsync(o => { o.ReadTimeout = read; o.IdleTimeout = idle; });

    [Fact]
    public async Task HalfAHeader_IsClosedAfterTheReadTimeout_AndOtherClientsGoOn()
    {
        await using var kms = await StartAsync(read: TimeSpan.FromMilliseconds(300), idle: TimeSpan.FromMinutes(5));
        await using var stalled = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync();

        await stalled.WriteRawAsync(new byte[] { 0x42, 0x00, 0x78, 0x01 }, Ct);
        await other.ShouldStillWorkAsync();
        await stalled.ExpectClosedByServerAsync();

        (await kms.Log.WaitForLineAsync(l => l.Contains("was not complete within"))).Should().Contain("00:00:00.3");
        await other.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task HalfABody_IsClosedAfterTheReadTimeout()
    {
        await using var kms = await StartAsync(read: TimeSpan.FromMilliseconds(300), idle: TimeSpan.FromMinutes(5));
        await using var stalled = await kms.ConnectAsync();

        // A Request Message header claiming 1,000 bytes, then 100 of them.
        var bytes = Convert.FromHexString("42007801000003E8").Concat(new byte[100]).ToArray();
        await stalled.WriteRawAsync(bytes, Ct);

        await stalled.ExpectClosedByServerAsync();
        await kms.Log.WaitForLineAsync(l => l.Contains("was not complete within"));
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterTheIdleTimeout_AfterWorkingNormally()
    {
        await using var kms = await StartAsync(read: TimeSpan.FromSeconds(10), idle: TimeSpan.FromMilliseconds(300));
        await using var client = await kms.ConnectAsync();
        await client.ShouldStillWorkAsync();

        await client.ExpectClosedByServerAsync();

        await kms.Log.WaitForLineAsync(l => l.Contains("closed the idle connection"));
        await using var fresh = await kms.ConnectAsync();
        await fresh.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task FiftyStalledConnections_AreAllClosed_WhileANormalClientWorks()
    {
        await using var kms = await StartAsync(read: TimeSpan.FromMilliseconds(300), idle: TimeSpan.FromMilliseconds(600));
        var stalled = new List<KmipClient>();
        for (int i = 0; i < 50; i++)
        {
            var c = await kms.ConnectAsync();
            if (i % 2 == 0) await c.WriteRawAsync(new byte[] { 0x42, 0x00 }, Ct); // half a header; the others say nothing
            stalled.Add(c);
        }
        await using (var normal = await kms.ConnectAsync()) await normal.ShouldStillWorkAsync();

        await Task.WhenAll(stalled.Select(c => c.ExpectClosedByServerAsync()));
        foreach (var c in stalled) await c.DisposeAsync();
    }
}

/// <summary>
/// Refused certificates cost the server memory, bounded, and nothing on disk; the log names each refused identity at
/// most once a minute, with how many attempts it made since.
/// </summary>
public class RefusedClientTests
{
    private static byte[] DatabaseBytes(KmsFixture kms) => Directory.EnumerateFiles(kms.DataDirectory, "kms.db*").OrderBy(f => f).SelectMany(f =>
    {
        using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }).ToArray();

    [Fact]
    public async Task DistinctRefusedCertificates_WriteNothingToTheDatabase_AndAreListedNewestFirst()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using (var client = await kms.ConnectAsync()) await client.ShouldStillWorkAsync();
        var before = DatabaseBytes(kms);

        var refused = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            using var cert = CertificateAuthority.CreateSelfSigned($"intruder-{i}");
            await kms.ExpectRefusedAsync(cert);
            refused.Add(Thumbprints.Sha1(cert));
        }

        DatabaseBytes(kms).Should().Equal(before, "a refused certificate is not written anywhere");
        using var admin = kms.Admin();
        var clients = (await (await admin.GetAsync("/clients", Ct)).JsonAsync()).EnumerateArray().ToList();
        var listed = clients.Where(c => c.GetProperty("refused").GetBoolean()).ToList();
        listed.Select(c => c.GetProperty("sha1").GetString()).Should().Equal(Enumerable.Reverse(refused), "newest first");
        listed.Should().OnlyContain(c => c.GetProperty("attempts").GetInt64() == 1);
    }

    [Fact]
    public async Task OneCertificateRefusedRepeatedly_IsLoggedOnceAMinuteWithTheCount()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var cert = CertificateAuthority.CreateSelfSigned("noisy-vcenter");
        bool Mentions(string l) => l.Contains("CN=noisy-vcenter");

        for (int i = 0; i < 5; i++) await kms.ExpectRefusedAsync(cert);
        kms.Log.Lines.Where(Mentions).Should().ContainSingle("the first refusal is logged, the next four within the minute are counted");

        kms.Clock.Advance(TimeSpan.FromSeconds(61));
        await kms.ExpectRefusedAsync(cert);
        var lines = kms.Log.Lines.Where(Mentions).ToList();
        lines.Should().HaveCount(2);
        lines[1].Should().Contain("(5 attempts since the last line)");
    }

    [Fact]
    public async Task RefusedCertificatesBeyondTheCapacity_EvictTheOldest()
    {
        var log = new RefusalLog(TimeProvider.System);
        string? first = null;
        for (int i = 0; i < RefusalLog.Capacity + 5; i++)
        {
            using var cert = CertificateAuthority.CreateSelfSigned($"flood-{i}");
            log.Note(cert);
            if (i == 0) first = Thumbprints.Sha1(cert);
        }
        log.Newest.Should().HaveCount(RefusalLog.Capacity);
        log.FindBySha1(first!).Should().BeNull("the oldest refusal made room");
    }
}

/// <summary>Client-supplied text in the log: escaped and cut.</summary>
public class LogTextTests
{
    [Fact]
    public void Of_ControlCharacters_AreEscaped()
    {
        LogText.Of("a\u001b[31mred\u0000\r\nforged line").Should().Be("a\\u001B[31mred\\u0000\\r\\nforged line");
    }

    [Fact]
    public void Of_LongText_IsCutSayingHowLongItWas()
    {
        var text = LogText.Of(new string('x', 1_000_000));
        text.Length.Should().BeLessThan(LogText.MaxLength + 40);
        text.Should().EndWith("… (1,000,000 characters)");
    }

    [Fact]
    public void Of_PlainShortText_IsUnchanged() => LogText.Of("vc01.example.test").Should().Be("vc01.example.test");

    [Fact]
    public async Task AMegabyteIdentifierWithEscapes_GivesAShortSafeLogLine()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = "\u001b[2J" + new string('A', 200_000);

        var item = await client.OneAsync(V14, KmipBatchItems.Get(id));
        item.ResultReason.Should().Be(ResultReason.ItemNotFound);

        var line = await kms.Log.WaitForLineAsync(l => l.Contains("Get from"));
        line.Length.Should().BeLessThan(2_000);
        line.Should().NotContain("\u001b").And.Contain("\\u001B[2J");
    }
}

/// <summary>Lines about client requests are bounded per minute and summed up, so a flood of bad requests cannot fill the disk.</summary>
public class RequestLogLimitTests
{
    [Fact]
    public async Task FailedRequests_BeyondTheLinesPerMinute_AreCountedAndSummedUpTheNextMinute()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxRequestLogLinesPerMinute = 5);
        await using var client = await kms.ConnectAsync();
        int Lines() => kms.Log.Lines.Count(l => l.Contains("Get from"));

        for (int i = 0; i < 20; i++)
            (await client.OneAsync(V14, KmipBatchItems.Get($"missing-{i}"))).ResultReason.Should().Be(ResultReason.ItemNotFound);
        Lines().Should().Be(5);
        kms.Server.State.RequestLog.SuppressedTotal.Should().Be(15);

        kms.Clock.Advance(TimeSpan.FromSeconds(61));
        await client.OneAsync(V14, KmipBatchItems.Get("missing-again"));

        kms.Log.Lines.Should().Contain(l => l.Contains("suppressed 15 log lines about client requests in the last minute"));
        Lines().Should().Be(6);
    }

    [Fact]
    public async Task LogOperation_Flooded_WritesAtMostTheLinesPerMinute()
    {
        await using var kms = await KmsFixture.StartAsync(o => o.MaxRequestLogLinesPerMinute = 5);
        await using var client = await kms.ConnectAsync();

        for (int i = 0; i < 30; i++)
            (await client.OneAsync(V21, new BatchItemRequest(Operation.Log, KmipRequests.Payload(TtlvNode.Text(Tag.LogMessage, $"line {i}"))))).EnsureSuccess();

        kms.Log.Lines.Count(l => l.Contains("client log from")).Should().Be(5);
    }
}

/// <summary>Where a message is processed: short ones on the socket thread that read them, long ones on the thread pool.</summary>
public class MessageSchedulingTests
{
    [Fact]
    public void MayRunLong_ManyItemsALocateOrALargeMessage_LeaveTheSocketThread_AGetDoesNot()
    {
        static TtlvNode Message(params Operation[] operations) => KmipRequests.Message(V14, KmipRequestOptions.None,
            operations.Select(o => new BatchItemRequest(o, TtlvNode.Structure(Tag.RequestPayload))).ToArray());

        DurableResponse.MayRunLong(Message(Operation.Get), 120).Should().BeFalse("a Get is short: it stays on the thread that read it");
        DurableResponse.MayRunLong(Message(Operation.Create), 300).Should().BeFalse();
        DurableResponse.MayRunLong(Message(Operation.Locate), 120).Should().BeTrue("a Locate walks the store");
        DurableResponse.MayRunLong(Message(Operation.Get, Operation.Get), 200).Should().BeTrue("a batch runs item after item");
        DurableResponse.MayRunLong(Message(Operation.Get), 20_000).Should().BeTrue("a large message takes long to process");
    }

    [Fact]
    public async Task TryProcessWithoutWaiting_GivesNothingForAChangeWhileAnotherHoldsTheWriteLock_AndRunsNothing()
    {
        await using var kms = await KmsFixture.StartAsync();
        var store = kms.Server.State.Store;
        var processor = new MessageProcessor(kms.Server.State);
        var client = ClientIdentity.FromCertificate(kms.Pki.Client);
        var create = KmipRequests.Message(V14, KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt));
        var query = KmipRequests.Message(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));
        int before = store.Count;

        using (WriteLockHeldElsewhere(store))
        {
            processor.TryProcessWithoutWaiting(create, client).Should().BeNull("the Create would have to wait for the write lock");
            store.Count.Should().Be(before, "nothing of the message ran");
            processor.TryProcessWithoutWaiting(query, client).Should().NotBeNull("a Query changes nothing: it needs no lock");
        }

        var processed = processor.TryProcessWithoutWaiting(create, client);
        processed.Should().NotBeNull("the lock is free again");
        await processed!.Value.Durable;
        KmipResponse.Parse(processed.Value.Response).BatchItems.Should().ContainSingle().Which.IsSuccess.Should().BeTrue();
        store.Count.Should().Be(before + 1);
    }

    [Fact]
    public async Task ACreateThatWaitsForTheWriteLock_HoldsUpNoOtherConnection_AndRunsOnceTheLockIsFree()
    {
        await using var kms = await KmsFixture.StartAsync();
        var store = kms.Server.State.Store;
        await using var writer = await kms.ConnectAsync();
        // Several readers: connections are spread over the socket event threads, so one shares the writer's.
        var readers = new List<KmipClient>();
        for (int i = 0; i < 4; i++) readers.Add(await kms.ConnectAsync());
        var id = await readers[0].CreateKeyAsync();
        await readers[0].GetKeyBytesAsync(id); // the first Get clears Fresh; the next ones change nothing
        int before = store.Count;

        Task<string> waiting;
        using (WriteLockHeldElsewhere(store))
        {
            waiting = writer.CreateKeyAsync();
            foreach (var reader in readers)
                (await reader.GetKeyBytesAsync(id)).Should().HaveCount(32);
            waiting.IsCompleted.Should().BeFalse("the Create waits for the write lock");
            store.Count.Should().Be(before);
        }

        var created = await waiting;
        store.Find(created).Should().NotBeNull();
        foreach (var reader in readers) await reader.DisposeAsync();
    }

    /// <summary>Holds the store's write lock on another thread (the lock is re-entrant: the test's own thread would pass it) until disposed.</summary>
    private static IDisposable WriteLockHeldElsewhere(Storage.ObjectStore store)
    {
        var held = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var holder = new Thread(() => { lock (store.WriteLock) { held.Set(); release.Wait(); } });
        holder.Start();
        held.Wait(Ct);
        return new Release(() => { release.Set(); holder.Join(); });
    }

    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
