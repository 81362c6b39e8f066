using System.Text.Json;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// PyKMIP's ProxyKmipClient (a real third-party client: Python's ssl module over OpenSSL, PyKMIP's own TTLV codec)
/// against the Harness KMS. The script Python/pykmip_client_ops.py does create, register, get, get_attributes,
/// get_attribute_list, locate, activate, revoke, destroy and prints one JSON line per step.
/// </summary>
public sealed class PyKmipClientTests(HarnessKms kms, ITestOutputHelper output) : IClassFixture<HarnessKms>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("1.2")] // PyKMIP's default
    [InlineData("1.4")]
    [InlineData("2.0")] // the newest PyKMIP 0.10 speaks
    public async Task PyKmipClient_EveryOperationAgainstHarnessKms_SucceedsWithRightValues(string kmipVersion)
    {
        var steps = await RunScriptAsync(kmipVersion, "PROTOCOL_SSLv23");

        steps.Keys.Should().Contain(["open", "create", "get_created", "check", "attributes", "rekey", "register", "get", "get_attributes", "get_attribute_list",
            "locate", "activate", "state_after_activate", "revoke", "state_after_revoke", "destroy", "get_after_destroy", "mac", "encrypt_decrypt", "key_pair", "derive_key", "done"]);
        foreach (var (op, step) in steps)
            step.GetProperty("ok").GetBoolean().Should().BeTrue($"PyKMIP step '{op}' should succeed: {step}");

        steps["open"].GetProperty("tls_version").GetString().Should().Be("TLSv1.3", "PROTOCOL_SSLv23 negotiates the highest version");

        // create: an AES-256 key; Get returns 32 bytes, and the Harness client (same certificate, same owner) reads the same bytes
        var createdId = steps["create"].GetProperty("uid").GetString()!;
        steps["get_created"].GetProperty("algorithm").GetString().Should().Be("AES");
        steps["get_created"].GetProperty("length").GetInt32().Should().Be(256);
        var createdKey = Convert.FromHexString(steps["get_created"].GetProperty("key_hex").GetString()!);
        createdKey.Should().HaveCount(32);
        (await GetWithHarnessClientAsync(createdId)).Should().Equal(createdKey, "the Harness client reads the key PyKMIP created");

        // check: the key serves Encrypt; attributes: changed and removed as asked, read back by PyKMIP
        steps["check"].GetProperty("uid").GetString().Should().Be(createdId);
        var edited = steps["attributes"];
        if (kmipVersion.StartsWith('2'))
        {
            Attributes(edited, "modified")["Contact Information"].Should().Equal($"secops@{Suffix(steps)}");
            Attributes(edited, "after_delete").Should().NotContainKey("Contact Information");
        }
        else
        {
            Attributes(edited, "modified")["Name"].Should().ContainSingle().Which.Should().Contain($"pykmip-renamed-{Suffix(steps)}");
            Attributes(edited, "after_delete").Should().NotContainKey("Name");
        }
        // rekey: a new AES-256 key with other bytes replaces the created one
        var rekey = steps["rekey"];
        rekey.GetProperty("new_uid").GetString().Should().NotBe(createdId);
        rekey.GetProperty("length").GetInt32().Should().Be(256);
        rekey.GetProperty("new_hex").GetString().Should().HaveLength(64).And.NotBe(rekey.GetProperty("old_hex").GetString());

        // register + get: the bytes PyKMIP supplied come back identical
        var registeredId = steps["register"].GetProperty("uid").GetString()!;
        registeredId.Should().NotBe(createdId);
        var supplied = steps["register"].GetProperty("key_hex").GetString();
        steps["get"].GetProperty("key_hex").GetString().Should().Be(supplied, "Get returns the registered key's bytes unchanged");
        steps["get"].GetProperty("object_type").GetString().Should().Be("SYMMETRIC_KEY");
        steps["get"].GetProperty("algorithm").GetString().Should().Be("AES");
        steps["get"].GetProperty("length").GetInt32().Should().Be(256);

        var attributes = Attributes(steps["get_attributes"]);
        steps["get_attributes"].GetProperty("uid").GetString().Should().Be(registeredId);
        attributes["Cryptographic Algorithm"].Should().Equal("AES");
        attributes["Cryptographic Length"].Should().Equal("256");
        attributes["Object Type"].Should().Equal("SYMMETRIC_KEY");
        attributes["State"].Should().Equal("PRE_ACTIVE");
        attributes["Name"].Should().ContainSingle().Which.Should().Contain(steps["register"].GetProperty("name").GetString());

        var names = steps["get_attribute_list"].GetProperty("names").EnumerateArray().Select(n => n.GetString()).ToList();
        names.Should().Contain(["Cryptographic Algorithm", "Cryptographic Length", "Name", "Object Type", "State", "Unique Identifier"]);

        steps["locate"].GetProperty("uids").EnumerateArray().Select(u => u.GetString()).Should().Equal([registeredId],
            "the name is unique to this run");

        Attributes(steps["state_after_activate"])["State"].Should().Equal("ACTIVE");
        Attributes(steps["state_after_revoke"])["State"].Should().Equal("DEACTIVATED");
        steps["get_after_destroy"].GetProperty("reason").GetString().Should().BeOneOf("ITEM_NOT_FOUND", "OBJECT_DESTROYED");

        // mac: the HMAC-SHA256 of the data under the key PyKMIP registered
        var mac = steps["mac"];
        mac.GetProperty("mac_uid").GetString().Should().Be(mac.GetProperty("uid").GetString());
        Convert.FromHexString(mac.GetProperty("mac_hex").GetString()!).Should().Equal(System.Security.Cryptography.HMACSHA256.HashData(
            Convert.FromHexString(mac.GetProperty("key_hex").GetString()!), Convert.FromHexString(mac.GetProperty("data_hex").GetString()!)));

        // encrypt_decrypt: AES-256-CBC with PKCS5 padding under the IV the server made; PyKMIP decrypts back what it sent
        var crypt = steps["encrypt_decrypt"];
        var data = Convert.FromHexString(crypt.GetProperty("data_hex").GetString()!);
        var iv = Convert.FromHexString(crypt.GetProperty("iv_hex").GetString()!);
        iv.Should().HaveCount(16, "the request gave no IV: the server made one and returned it");
        Convert.FromHexString(crypt.GetProperty("decrypted_hex").GetString()!).Should().Equal(data);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = Convert.FromHexString(crypt.GetProperty("key_hex").GetString()!);
        Convert.FromHexString(crypt.GetProperty("encrypted_hex").GetString()!).Should().Equal(aes.EncryptCbc(data, iv, System.Security.Cryptography.PaddingMode.PKCS7));

        // key_pair: an RSA pair made by the server; PyKMIP's signatures verify (a tampered message does not), the PKCS#1 v1.5
        // one in .NET too, and what PyKMIP encrypts under the public key decrypts under the private key
        var pair = steps["key_pair"];
        pair.GetProperty("pss_valid").GetString().Should().Be("VALID");
        pair.GetProperty("pss_tampered").GetString().Should().Be("INVALID");
        pair.GetProperty("pkcs1_valid").GetString().Should().Be("VALID");
        pair.GetProperty("public_format").GetString().Should().Be("PKCS_1");
        var signed = Convert.FromHexString(pair.GetProperty("data_hex").GetString()!);
        Convert.FromHexString(pair.GetProperty("decrypted_hex").GetString()!).Should().Equal(signed);
        Convert.FromHexString(pair.GetProperty("encrypted_hex").GetString()!).Should().HaveCount(256);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportRSAPublicKey(Convert.FromHexString(pair.GetProperty("public_hex").GetString()!), out _);
        rsa.VerifyData(signed, Convert.FromHexString(pair.GetProperty("pkcs1_signature_hex").GetString()!),
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1).Should().BeTrue();

        // derive_key: the AES-128 key PyKMIP asked for is PBKDF2-HMAC-SHA256 of the base key, as .NET derives it
        var derived = steps["derive_key"];
        derived.GetProperty("algorithm").GetString().Should().Be("AES");
        derived.GetProperty("length").GetInt32().Should().Be(128);
        Convert.FromHexString(derived.GetProperty("derived_hex").GetString()!).Should().Equal(System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            Convert.FromHexString(derived.GetProperty("base_hex").GetString()!), Convert.FromHexString(derived.GetProperty("salt_hex").GetString()!),
            1000, System.Security.Cryptography.HashAlgorithmName.SHA256, 16));
    }

    [Fact]
    public async Task PyKmipClient_Tls12Only_NegotiatesAnEcdheGcmSuiteAndWorks()
    {
        var steps = await RunScriptAsync("1.2", "PROTOCOL_TLSv1_2");

        foreach (var (op, step) in steps)
            step.GetProperty("ok").GetBoolean().Should().BeTrue($"PyKMIP step '{op}' should succeed: {step}");
        steps["open"].GetProperty("tls_version").GetString().Should().Be("TLSv1.2");
        steps["open"].GetProperty("cipher").GetString().Should().StartWith("ECDHE-ECDSA-").And.Contain("GCM");
        steps["get"].GetProperty("key_hex").GetString().Should().Be(steps["register"].GetProperty("key_hex").GetString());
    }

    [Fact]
    public async Task PyKmipClient_Tls10_IsRefusedAtTheHandshake()
    {
        var steps = await RunScriptAsync("1.2", "PROTOCOL_TLSv1");

        steps["open"].GetProperty("ok").GetBoolean().Should().BeFalse("the KMS speaks TLS 1.2 and 1.3 only");
        steps["open"].GetProperty("error").GetString().Should().Contain("PROTOCOL_VERSION");
    }

    private async Task<Dictionary<string, JsonElement>> RunScriptAsync(string kmipVersion, string sslVersion)
    {
        await PyKmip.EnsureInstalledAsync();
        using var run = await ChildProcess.RunAsync(PyKmip.Python,
            [PyKmip.Script("pykmip_client_ops.py"), "127.0.0.1", kms.Port.ToString(), kms.Pki.Directory, kmipVersion, sslVersion],
            ScriptTimeout);
        output.WriteLine(run.Stdout);
        if (run.Stderr.Length > 0) output.WriteLine("stderr:\n" + run.Stderr);
        run.ExitCode.Should().Be(0, $"the script should run to its end\n{run.Describe()}");

        var steps = new Dictionary<string, JsonElement>();
        foreach (var line in run.StdoutLines.Where(l => l.StartsWith('{')))
        {
            var json = JsonDocument.Parse(line).RootElement.Clone();
            steps[json.GetProperty("op").GetString()!] = json;
        }
        steps.Should().ContainKey("done", $"the script prints {{\"op\": \"done\"}} last\n{run.Describe()}");
        return steps;
    }

    /// <summary>The random suffix of this run's object names (the created key is "pykmip-created-SUFFIX").</summary>
    private static string Suffix(Dictionary<string, JsonElement> steps) => steps["create"].GetProperty("name").GetString()!["pykmip-created-".Length..];

    private static Dictionary<string, List<string>> Attributes(JsonElement step, string property = "attributes") =>
        step.GetProperty(property).EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()).ToList());

    private async Task<byte[]?> GetWithHarnessClientAsync(string id)
    {
        await using var client = await KmipClient.ConnectAsync(KmipClientOptions.FromPki("127.0.0.1", kms.Port, kms.Pki));
        var ops = new KmipOperations(client, ProtocolVersion.V1_4);
        return (await ops.GetAsync(id)).KeyMaterial;
    }
}
