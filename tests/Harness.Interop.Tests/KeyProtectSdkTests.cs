using System.Text.Json;
using Harness.Pki;
using Harness.Simulator.Web.KeyProtect;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// IBM's own Key Protect Node.js SDK (@ibm-cloud/ibm-key-protect with its IamAuthenticator) against the Key Protect
/// emulator over HTTPS with the test PKI (the SDK trusts the CA through NODE_EXTRA_CA_CERTS): Node/keyprotect/keyprotect_sdk.js
/// runs every step and prints one JSON line per step, checked here.
/// </summary>
public sealed class KeyProtectSdkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ApiKey = "harness-sdk-api-key";
    private readonly TempDir _dir = new("harness-keyprotect-");
    private KeyProtectEmulator _kp = null!;
    private PkiPaths _pki = null!;

    public async ValueTask InitializeAsync()
    {
        _pki = TestPki.Init(_dir.Sub("pki"));
        // The SDK's token manager decodes the JWT's exp against the real clock: the emulator runs on real time here.
        _kp = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions
        {
            ApiKeys = [ApiKey],
            Certificate = _pki.LoadServerIdentity().Certificate,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _kp.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<Dictionary<string, JsonElement>> RunSdkAsync(string apiKey = ApiKey)
    {
        var dir = await KeyProtectNodeSdk.EnsureInstalledAsync();
        using var run = ChildProcess.Start(KeyProtectNodeSdk.Node, [Path.Combine(dir, "keyprotect_sdk.js")], dir, new Dictionary<string, string>
        {
            ["IAM_URL"] = _kp.IamUrl.ToString().TrimEnd('/'),
            ["KP_URL"] = _kp.Url.ToString().TrimEnd('/'),
            ["KP_INSTANCE_ID"] = _kp.InstanceId,
            ["IBMCLOUD_API_KEY"] = apiKey,
            ["NODE_EXTRA_CA_CERTS"] = _pki.Ca,
        });
        await run.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(run.Stdout);
        if (run.Stderr.Length > 0) output.WriteLine("stderr:\n" + run.Stderr);
        var steps = new Dictionary<string, JsonElement>();
        foreach (var line in run.StdoutLines.Where(l => l.StartsWith('{')))
        {
            var json = JsonDocument.Parse(line).RootElement.Clone();
            steps[json.GetProperty("step").GetString()!] = json;
        }
        steps["exit"] = JsonDocument.Parse(run.ExitCode.ToString()).RootElement.Clone();
        steps["describe"] = JsonSerializer.SerializeToElement(run.Describe());
        return steps;
    }

    [Fact]
    public async Task Ibm_sdk_creates_wraps_rotates_disables_enables_and_deletes_a_root_key()
    {
        var steps = await RunSdkAsync();
        steps.Should().ContainKey("done", $"the script prints {{\"step\":\"done\"}} last\n{steps["describe"]}");
        steps["exit"].GetInt32().Should().Be(0);
        foreach (var (name, step) in steps.Where(s => s.Value.ValueKind == JsonValueKind.Object))
            step.GetProperty("ok").GetBoolean().Should().BeTrue($"step {name}: {step}");

        var id = steps["create"].GetProperty("id").GetString()!;
        steps["create"].GetProperty("status").GetInt32().Should().Be(201);
        steps["create"].GetProperty("state").GetInt32().Should().Be(1);
        steps["create"].GetProperty("extractable").GetBoolean().Should().BeFalse();
        steps["list"].GetProperty("ids").EnumerateArray().Select(e => e.GetString()).Should().Contain(id);
        steps["get"].GetProperty("name").GetString().Should().Be("sdk-root-key");

        steps["wrap"].GetProperty("keyVersion").GetString().Should().Be(id, "the first version's ID is the key's");
        steps["unwrap"].GetProperty("roundTrip").GetBoolean().Should().BeTrue("the DEK comes back as it was wrapped");

        steps["rotate"].GetProperty("status").GetInt32().Should().Be(204);
        var key = _kp.Key(id);
        key.Versions.Should().HaveCount(2);
        steps["versions"].GetProperty("ids").EnumerateArray().Select(v => v.GetString()).Should().BeEquivalentTo(key.Versions.Select(v => v.Id));
        steps["unwrap-old"].GetProperty("roundTrip").GetBoolean().Should().BeTrue("a ciphertext of the old version still unwraps");
        steps["unwrap-old"].GetProperty("rewrapped").GetBoolean().Should().BeTrue("the DEK comes back wrapped under the newest version too");
        steps["unwrap-old"].GetProperty("keyVersion").GetString().Should().Be(id, "keyVersion is the version the given ciphertext was made under");
        steps["unwrap-old"].GetProperty("rewrappedKeyVersion").GetString().Should().Be(key.Versions[1].Id);
        steps["unwrap-rewrapped"].GetProperty("roundTrip").GetBoolean().Should().BeTrue();
        steps["unwrap-rewrapped"].GetProperty("keyVersion").GetString().Should().Be(key.Versions[1].Id);
        steps["rewrap"].GetProperty("rewrapped").GetBoolean().Should().BeTrue();
        steps["rewrap"].GetProperty("plaintextShown").GetBoolean().Should().BeFalse();
        steps["rewrap"].GetProperty("rewrappedKeyVersion").GetString().Should().Be(key.Versions[1].Id);
        steps["wrap-new"].GetProperty("keyVersion").GetString().Should().Be(key.Versions[1].Id);
        steps["wrap-new"].GetProperty("generated").GetBoolean().Should().BeTrue("wrap without plaintext makes a 256-bit DEK");

        steps["disable"].GetProperty("status").GetInt32().Should().Be(204);
        steps["wrap-disabled"].GetProperty("status").GetInt32().Should().Be(409);
        steps["wrap-disabled"].GetProperty("code").GetString().Should().Be("KEY_ACTION_INVALID_STATE_ERR");
        steps["enable"].GetProperty("status").GetInt32().Should().Be(204);
        steps["wrap-enabled"].GetProperty("status").GetInt32().Should().Be(200);

        steps["delete"].GetProperty("status").GetInt32().Should().Be(204);
        steps["wrap-deleted"].GetProperty("status").GetInt32().Should().Be(410);
        steps["wrap-deleted"].GetProperty("code").GetString().Should().Be("KEY_DELETED_ERR");
        steps["get-deleted"].GetProperty("state").GetInt32().Should().Be(5);
        _kp.Key(id).State.Should().Be(KeyState.Destroyed);
    }

    [Fact]
    public async Task Ibm_sdk_with_an_unknown_api_key_is_refused_by_iam()
    {
        var steps = await RunSdkAsync("not-a-key");
        steps.Should().NotContainKey("done");
        steps["create"].GetProperty("ok").GetBoolean().Should().BeFalse();
        steps["create"].GetProperty("message").GetString().Should().Contain("Provided API key could not be found", steps["describe"].ToString());
        _kp.RootKeys.Should().BeEmpty();
    }
}
