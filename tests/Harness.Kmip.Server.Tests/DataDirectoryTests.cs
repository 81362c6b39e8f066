using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Harness.Kmip.Client;
using Harness.Kmip.Server.Storage;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// The data folder at rest and at start-up: private whatever the umask, nothing derived from key material in clear, one
/// server at a time, and a start that fails leaves the folder as it was.
/// </summary>
public class DataDirectoryTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    private static string NewFolderPath() => Path.Combine(Path.GetTempPath(), "harness-data-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The folder's files and their sizes (the lock file is held open by the running server: not read).</summary>
    private static Dictionary<string, long> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder).ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length);

    [Fact]
    public async Task Start_OnAnOpenFolderWithOpenFiles_MakesTheFolder0700AndEveryFile0600()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var kms = await KmsFixture.StartAsync();
        var folder = kms.DataDirectory;
        await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();
        await kms.Server.DisposeAsync();
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF); // 0777: a folder made or changed under a careless umask
        foreach (var file in Directory.EnumerateFiles(folder)) File.SetUnixFileMode(file, (UnixFileMode)0x1B6); // 0666

        await kms.RestartAsync();
        await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();

        File.GetUnixFileMode(folder).Should().Be(PrivateFolder);
        var files = Directory.EnumerateFiles(folder).ToList();
        files.Select(Path.GetFileName).Should().Contain(["kms.db", "kms.db-wal", "kms.db-shm", "root.key", "admin.token", DataDirectory.LockFileName, DataDirectory.PidFileName]);
        foreach (var file in files) File.GetUnixFileMode(file).Should().Be(Private, $"{Path.GetFileName(file)} is the KMS's alone");
    }

    [Fact]
    public async Task DatabaseFiles_HoldNoDigestOfAnyKey_AndTheDigestSurvivesARestart()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var digests = new List<(string Id, byte[] Digest)>();
        for (int i = 0; i < 10; i++)
        {
            var id = await client.CreateKeyAsync(V14, Name($"digest-{i}"));
            digests.Add((id, SHA256.HashData(await client.GetKeyBytesAsync(id))));
        }
        var digestAttribute = await client.GetAttributesAsync(digests[0].Id, V14, "Digest");
        digestAttribute.Should().ContainSingle("the server still answers the Digest (computed, not stored)");

        var bytes = Directory.EnumerateFiles(kms.DataDirectory, "kms.db*").SelectMany(f =>
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }).ToArray();
        foreach (var (id, digest) in digests)
            bytes.AsSpan().IndexOf(digest).Should().BeLessThan(0, $"the SHA-256 of key {id} must not be on disk in clear");

        await client.DisposeAsync();
        await kms.RestartAsync();
        await using var again = await kms.ConnectAsync();
        var after = await again.GetAttributesAsync(digests[0].Id, V14, "Digest");
        after.Single().Value.ToString().Should().Be(digestAttribute.Single().Value.ToString());
    }

    [Fact]
    public async Task SecondServer_OnTheSameFolder_IsRefusedNamingTheFirstsPid_AndTheFirstKeepsWorking()
    {
        await using var kms = await KmsFixture.StartAsync();
        var before = Snapshot(kms.DataDirectory);

        var act = async () => { await using var second = await KmipServer.StartAsync(KmsFixture.Options(kms.Pki, kms.DataDirectory)); };

        (await act.Should().ThrowAsync<KmsStartException>()).Which.Message.Should()
            .Contain($"PID {Environment.ProcessId}").And.Contain(kms.DataDirectory);
        Snapshot(kms.DataDirectory).Keys.Should().BeEquivalentTo(before.Keys);
        await using var client = await kms.ConnectAsync();
        await client.ShouldStillWorkAsync();
    }

    [Fact]
    public async Task Start_AdminNotOnLoopback_FailsInOneLineBeforeTouchingTheDisk()
    {
        var folder = NewFolderPath();
        var options = KmsFixture.Options(Harness.Pki.TestPki.CreateInMemory(), folder);
        options.AdminEndpoint = new IPEndPoint(IPAddress.Any, 0);

        var act = async () => { await using var server = await KmipServer.StartAsync(options); };

        (await act.Should().ThrowAsync<KmsStartException>()).Which.Message.Should().Contain("loopback").And.NotContain("\n");
        Directory.Exists(folder).Should().BeFalse("nothing was created");
    }

    [Fact]
    public async Task Start_AdminPortInUse_FailsNamingIt_AndLeavesANewFolderUncreatedAndAnOldOneAsItWas()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var pki = Harness.Pki.TestPki.CreateInMemory();

        var fresh = NewFolderPath();
        var options = KmsFixture.Options(pki, fresh);
        options.AdminEndpoint = new IPEndPoint(IPAddress.Loopback, port);
        var act = async () => { await using var server = await KmipServer.StartAsync(options); };
        (await act.Should().ThrowAsync<KmsStartException>()).Which.Message.Should().Contain($"127.0.0.1:{port}");
        Directory.Exists(fresh).Should().BeFalse("the folder the failed start created is gone again");

        await using (var kms = await KmsFixture.StartAsync(pki: pki))
        {
            await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();
            var folder = kms.DataDirectory;
            await kms.Server.DisposeAsync();
            var before = Snapshot(folder);
            var again = KmsFixture.Options(pki, folder);
            again.AdminEndpoint = new IPEndPoint(IPAddress.Loopback, port);
            var retry = async () => { await using var server = await KmipServer.StartAsync(again); };
            await retry.Should().ThrowAsync<KmsStartException>();
            Snapshot(folder).Keys.Should().BeEquivalentTo(before.Keys);
            await kms.RestartAsync(); // the folder still serves its keys
            await using var client2 = await kms.ConnectAsync();
            await client2.ShouldStillWorkAsync();
        }
    }
}
