using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>`harness keyprotect`: the Key Protect emulator in the foreground (HTTPS with --pki), and its refusals of bad input.</summary>
[Collection(ServerProcesses.Name)]
public sealed class KeyProtectCommandTests
{
    private static string KeysFile(TempDir dir, string text)
    {
        var path = dir.Sub("apikeys.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Keyprotect_MissingApiKeyFile_ExitsWith2NamingIt()
    {
        using var dir = new TempDir();
        using var run = await Cli.RunAsync("keyprotect", "--apikey-file", dir.Sub("none.txt"));
        Cli.ReasonOf(run).Should().Be($"harness keyprotect: --apikey-file: {dir.Sub("none.txt")} does not exist");
    }

    [Fact]
    public async Task Keyprotect_ApiKeyFileWithoutKeys_ExitsWith2()
    {
        using var dir = new TempDir();
        var keys = KeysFile(dir, "# no keys here\n\n");
        using var run = await Cli.RunAsync("keyprotect", "--apikey-file", keys);
        Cli.ReasonOf(run).Should().Contain("holds no API key");
    }

    [Fact]
    public async Task Keyprotect_InstanceNotAUuid_ExitsWith2()
    {
        using var dir = new TempDir();
        using var run = await Cli.RunAsync("keyprotect", "--apikey-file", KeysFile(dir, "k1\n"), "--instance", "my-instance");
        Cli.ReasonOf(run).Should().Be("harness keyprotect: --instance must be a UUID, not 'my-instance'");
    }

    [Fact]
    public async Task Keyprotect_PkiWithoutServerCertificate_ExitsWith2AndSaysHowToCreateOne()
    {
        using var dir = new TempDir();
        using var run = await Cli.RunAsync("keyprotect", "--apikey-file", KeysFile(dir, "k1\n"), "--pki", dir.Sub("no-pki"));
        Cli.ReasonOf(run).Should().Contain(Path.Combine(dir.Sub("no-pki"), "server.crt")).And.Contain("pki init");
    }

    [Fact]
    public async Task Keyprotect_PrintsInstanceAndRootKey_ServesThemOverHttps_AndStopsCleanly()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        var instance = Guid.NewGuid().ToString();
        using var process = Cli.Start("keyprotect", "--apikey-file", KeysFile(dir, "# test\nkey-one\n"), "--pki", pki.Directory,
            "--instance", instance, "--root-key", "vmware-crk");
        var urlLine = await process.WaitForLineAsync(l => l.StartsWith("Key Protect emulator (HTTPS): "), TimeSpan.FromSeconds(60));
        var url = urlLine.Split(' ')[4];
        var rootLine = await process.WaitForLineAsync(l => l.Contains("root key ID:"), TimeSpan.FromSeconds(10));
        var rootId = rootLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        (await process.WaitForLineAsync(l => l.Contains("instance ID:"), TimeSpan.FromSeconds(10))).Should().Contain(instance);
        rootLine.Should().Contain("vmware-crk").And.Contain("state 1 Active");

        using var ca = PkiFiles.LoadCertificate(pki.Ca);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return cert is not null && chain.Build(cert);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url + "/") };
        using var token = await http.PostAsync("identity/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:apikey", ["apikey"] = "key-one",
        }));
        token.StatusCode.Should().Be(HttpStatusCode.OK);
        var bearer = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        using var list = new HttpRequestMessage(HttpMethod.Get, "api/v2/keys");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        list.Headers.Add("Bluemix-Instance", instance);
        using var keys = await http.SendAsync(list);
        var body = JsonDocument.Parse(await keys.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("resources").EnumerateArray().Select(k => k.GetProperty("id").GetString()).Should().Equal(rootId);

        using (var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Id.ToString()], TimeSpan.FromSeconds(10)))
            kill.ExitCode.Should().Be(0);
        (await process.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, process.Describe());
        process.Stdout.Should().Contain("stopping");
    }
}
