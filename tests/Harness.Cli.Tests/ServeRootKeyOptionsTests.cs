using Harness.Pki;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>`serve --root-key file|keyprotect` and the Key Protect options: each bad combination is one line, exit 2, nothing created.</summary>
[Collection(ServerProcesses.Name)]
public sealed class ServeRootKeyOptionsTests
{
    private const string Url = "https://us-south.kms.cloud.ibm.com";

    private static async Task<string> RefusedAsync(TempDir dir, params string[] options)
    {
        TestPki.Init(dir.Sub("pki"));
        using var run = await Cli.RunAsync(["serve", "--kmip", "127.0.0.1:0", "--data", dir.Sub("data"), "--pki", dir.Sub("pki"), .. options]);
        var reason = Cli.ReasonOf(run);
        Directory.Exists(dir.Sub("data")).Should().BeFalse("nothing is created when the command is refused");
        return reason;
    }

    private static string[] KeyProtect(TempDir dir, params string[] except)
    {
        File.WriteAllText(dir.Sub("apikey"), "an-api-key\n");
        string[] all = ["--root-key", "keyprotect", "--kp-url", Url, "--kp-instance", "instance-1", "--kp-root-key", "key-1", "--kp-apikey-file", dir.Sub("apikey")];
        var kept = new List<string>();
        for (int i = 0; i < all.Length; i += 2)
            if (!except.Contains(all[i])) kept.AddRange([all[i], all[i + 1]]);
        return kept.ToArray();
    }

    [Fact]
    public async Task Serve_UnknownRootKeyProvider_ExitsWith2()
    {
        using var dir = new TempDir();
        (await RefusedAsync(dir, "--root-key", "hsm")).Should().Be("harness serve: --root-key is file or keyprotect, not 'hsm'");
    }

    [Theory]
    [InlineData("--kp-url", Url)]
    [InlineData("--kp-cache-seconds", "30")]
    [InlineData("--iam-url", "https://iam.cloud.ibm.com")]
    public async Task Serve_KeyProtectOptionWithTheFileRootKey_ExitsWith2NamingTheOption(string option, string value)
    {
        using var dir = new TempDir();
        (await RefusedAsync(dir, option, value)).Should().Be($"harness serve: {option} goes with --root-key keyprotect; the root key is a local file (--root-key file)");
    }

    [Theory]
    [InlineData("--kp-url", "URL (e.g. https://us-south.kms.cloud.ibm.com)")]
    [InlineData("--kp-instance", "ID (the Key Protect instance ID)")]
    [InlineData("--kp-root-key", "KEY_ID (the customer root key's ID)")]
    [InlineData("--kp-apikey-file", "FILE (a file holding the service ID's API key)")]
    public async Task Serve_KeyProtectWithoutARequiredOption_ExitsWith2NamingIt(string missing, string example)
    {
        using var dir = new TempDir();
        (await RefusedAsync(dir, KeyProtect(dir, missing))).Should().Be($"harness serve: --root-key keyprotect needs {missing} {example}");
    }

    [Theory]
    [InlineData("--kp-url", "us-south.kms.cloud.ibm.com", "--kp-url must be an https:// URL, not 'us-south.kms.cloud.ibm.com'")]
    [InlineData("--kp-url", "ftp://kms.example.com", "--kp-url must be an https:// URL, not 'ftp://kms.example.com'")]
    [InlineData("--kp-url", "http://kms.example.com", "--kp-url must be https:// (http:// only to a loopback host), not 'http://kms.example.com'")]
    [InlineData("--iam-url", "http://iam.example.com", "--iam-url must be https:// (http:// only to a loopback host), not 'http://iam.example.com'")]
    [InlineData("--kp-cache-seconds", "-1", "--kp-cache-seconds is a whole number of seconds, 0 or more (0: every use asks Key Protect), not '-1'")]
    [InlineData("--kp-cache-seconds", "a minute", "--kp-cache-seconds is a whole number of seconds, 0 or more (0: every use asks Key Protect), not 'a minute'")]
    public async Task Serve_KeyProtectOptionWithABadValue_ExitsWith2(string option, string value, string reason)
    {
        using var dir = new TempDir();
        (await RefusedAsync(dir, [.. KeyProtect(dir, option), option, value])).Should().Be("harness serve: " + reason);
    }

    [Fact]
    public async Task Serve_KeyProtectApiKeyFileMissing_ExitsWith2()
    {
        using var dir = new TempDir();
        (await RefusedAsync(dir, [.. KeyProtect(dir, "--kp-apikey-file"), "--kp-apikey-file", dir.Sub("no-such-file")]))
            .Should().Be($"harness serve: --kp-apikey-file {dir.Sub("no-such-file")} does not exist");
    }

    [Fact]
    public async Task Serve_KeyProtectApiKeyFileEmpty_ExitsWith2()
    {
        using var dir = new TempDir();
        var args = KeyProtect(dir);
        File.WriteAllText(dir.Sub("apikey"), "  \n");
        (await RefusedAsync(dir, args)).Should().Be($"harness serve: --kp-apikey-file {dir.Sub("apikey")} is empty: it holds the service ID's API key");
    }

    [Fact]
    public async Task Serve_KeyProtect_StartsAndNamesTheRootKey_WithoutAskingKeyProtectForAnEmptyStore()
    {
        using var dir = new TempDir();
        var pki = TestPki.Init(dir.Sub("pki"));
        // Nothing is stored yet, so nothing is unwrapped at start: Key Protect's address is not reached.
        string[] options = [.. KeyProtect(dir, "--kp-url"), "--kp-url", "http://127.0.0.1:9", "--kp-cache-seconds", "0"];
        using var serve = await ServeProcess.StartAsync(pki.Directory, dir.Sub("data"), null, options);

        serve.ObjectsAtStart.Should().Be(0);
        serve.Process.Stdout.Should().Contain("root key: Key Protect root key key-1 (instance instance-1 at http://127.0.0.1:9/)");
        File.Exists(Path.Combine(dir.Sub("data"), "root.key")).Should().BeFalse("the root key lives in Key Protect");
    }
}
