using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Harness.Pki;
using Harness.Simulator.Web.KeyProtect;

namespace Harness.Simulator.Web.Tests;

/// <summary>
/// The Key Protect emulator over real HTTPS (the test PKI's server certificate), through IAM's token endpoint and Key
/// Protect's REST API v2: status codes, bodies, and Key Protect's error shape for bad input. Token expiry runs on a
/// <see cref="SimClock"/>.
/// </summary>
public sealed class KeyProtectEmulatorTests : IAsyncLifetime
{
    private const string ApiKey = "harness-test-api-key";
    private readonly SimClock _clock = new();
    private InMemoryPki _pki = null!;
    private KeyProtectEmulator _kp = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _pki = TestPki.CreateInMemory();
        _kp = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions { ApiKeys = [ApiKey], Certificate = _pki.Server, Time = _clock });
        var ca = _pki.Ca.Certificate;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert);
            },
        };
        _http = new HttpClient(handler) { BaseAddress = _kp.Url };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _kp.DisposeAsync();
        _pki.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(string apiKey, string grant = IamTokens.ApiKeyGrant)
    {
        using var response = await _http.PostAsync("identity/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = grant, ["apikey"] = apiKey, ["response_type"] = "cloud_iam",
        }));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<string> BearerAsync()
    {
        var (status, body) = await TokenAsync(ApiKey);
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }

    private sealed record Answer(HttpStatusCode Status, string? MediaType, JsonElement Body)
    {
        public JsonElement Resource => Body.GetProperty("resources")[0];
    }

    private async Task<Answer> SendAsync(HttpMethod method, string path, object? body = null, string? bearer = "", string? instance = "",
        string contentType = "application/json", string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer == "") bearer = await BearerAsync();
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (instance == "") instance = _kp.InstanceId;
        if (instance is not null) request.Headers.Add("Bluemix-Instance", instance);
        var text = rawBody ?? (body is null ? null : JsonSerializer.Serialize(body));
        if (text is not null) request.Content = new StringContent(text, Encoding.UTF8, contentType);
        using var response = await _http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        var json = content.Length == 0 ? default : JsonDocument.Parse(content).RootElement.Clone();
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, json);
    }

    private static object CreateBody(string name, bool extractable = false) => new
    {
        metadata = new { collectionType = "application/vnd.ibm.kms.key+json", collectionTotal = 1 },
        resources = new[] { new { type = "application/vnd.ibm.kms.key+json", name, extractable } },
    };

    private async Task<string> CreateKeyAsync(string name = "vmware-crk")
    {
        var created = await SendAsync(HttpMethod.Post, "api/v2/keys", CreateBody(name), contentType: "application/vnd.ibm.kms.key+json");
        created.Status.Should().Be(HttpStatusCode.Created, created.Body.ToString());
        return created.Resource.GetProperty("id").GetString()!;
    }

    private Task<Answer> WrapAsync(string id, byte[]? plaintext, string[]? aad = null) => SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/wrap",
        new Dictionary<string, object?> { ["plaintext"] = plaintext is null ? null : Convert.ToBase64String(plaintext), ["aad"] = aad }
            .Where(p => p.Value is not null).ToDictionary(), contentType: "application/vnd.ibm.kms.key_action_wrap+json");

    private Task<Answer> UnwrapAsync(string id, string ciphertext, string[]? aad = null) => SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/unwrap",
        aad is null ? new { ciphertext } : new { ciphertext, aad }, contentType: "application/vnd.ibm.kms.key_action_unwrap+json");

    /// <summary>Key Protect's error shape: one resource with errorMsg and reasons [{code, message, status, moreInfo}].</summary>
    private static void ShouldBeKeyProtectError(Answer answer, HttpStatusCode status, string code, string? mentioning = null)
    {
        answer.Status.Should().Be(status, answer.Body.ToString());
        answer.Body.GetProperty("metadata").GetProperty("collectionType").GetString().Should().Be("application/vnd.ibm.kms.error+json");
        answer.Body.GetProperty("metadata").GetProperty("collectionTotal").GetInt32().Should().Be(1);
        var error = answer.Resource;
        error.GetProperty("errorMsg").GetString().Should().StartWith(status switch
        {
            HttpStatusCode.BadRequest => "Bad Request", HttpStatusCode.Unauthorized => "Unauthorized", HttpStatusCode.NotFound => "Not Found",
            HttpStatusCode.Conflict => "Conflict", HttpStatusCode.Gone => "Gone", _ => "Unprocessable Entity",
        });
        var reason = error.GetProperty("reasons")[0];
        reason.GetProperty("code").GetString().Should().Be(code);
        reason.GetProperty("status").GetInt32().Should().Be((int)status);
        reason.GetProperty("moreInfo").GetString().Should().Be("https://cloud.ibm.com/apidocs/key-protect");
        if (mentioning is not null) reason.GetProperty("message").GetString().Should().Contain(mentioning);
    }

    [Fact]
    public async Task Iam_exchanges_an_api_key_for_a_bearer_jwt_with_iat_and_exp()
    {
        var (status, body) = await TokenAsync(ApiKey);
        status.Should().Be(HttpStatusCode.OK);
        body.GetProperty("token_type").GetString().Should().Be("Bearer");
        body.GetProperty("expires_in").GetInt64().Should().Be(3600);
        body.GetProperty("expiration").GetInt64().Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds() + 3600);
        body.GetProperty("refresh_token").GetString().Should().NotBeNullOrEmpty();
        var parts = body.GetProperty("access_token").GetString()!.Split('.');
        parts.Should().HaveCount(3);
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='))).RootElement;
        claims.GetProperty("iat").GetInt64().Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds());
        claims.GetProperty("exp").GetInt64().Should().Be(body.GetProperty("expiration").GetInt64());
    }

    [Fact]
    public async Task Iam_refuses_an_unknown_api_key_with_400_BXNIM0415E()
    {
        var (status, body) = await TokenAsync("not-a-key");
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("errorCode").GetString().Should().Be("BXNIM0415E");
        body.GetProperty("errorMessage").GetString().Should().Be("Provided API key could not be found.");
        body.GetProperty("context").GetProperty("requestId").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Iam_refuses_another_grant_type()
    {
        var (status, body) = await TokenAsync(ApiKey, grant: "password");
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("errorMessage").GetString().Should().Contain("password");
    }

    [Fact]
    public async Task Create_list_get_a_root_key_answer_Key_Protect_collections()
    {
        var created = await SendAsync(HttpMethod.Post, "api/v2/keys", CreateBody("vmware-crk"), contentType: "application/vnd.ibm.kms.key+json");
        created.Status.Should().Be(HttpStatusCode.Created);
        created.MediaType.Should().Be("application/vnd.ibm.collection+json");
        created.Body.GetProperty("metadata").GetProperty("collectionType").GetString().Should().Be("application/vnd.ibm.kms.key+json");
        created.Body.GetProperty("metadata").GetProperty("collectionTotal").GetInt32().Should().Be(1);
        var key = created.Resource;
        var id = key.GetProperty("id").GetString()!;
        Guid.TryParse(id, out _).Should().BeTrue();
        key.GetProperty("name").GetString().Should().Be("vmware-crk");
        key.GetProperty("state").GetInt32().Should().Be(1);
        key.GetProperty("extractable").GetBoolean().Should().BeFalse();
        key.GetProperty("crn").GetString().Should().Be($"crn:v1:bluemix:public:kms:us-south:a/harness0000000000000000000000000:{_kp.InstanceId}:key:{id}");
        key.TryGetProperty("payload", out _).Should().BeFalse("a root key's material never leaves the service");

        var other = await CreateKeyAsync("second-crk");
        var list = await SendAsync(HttpMethod.Get, "api/v2/keys");
        list.Status.Should().Be(HttpStatusCode.OK);
        list.Body.GetProperty("metadata").GetProperty("collectionTotal").GetInt32().Should().Be(2);
        list.Body.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("id").GetString()).Should().Equal(id, other);

        var got = await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}");
        got.Status.Should().Be(HttpStatusCode.OK);
        got.Resource.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(id);
        _kp.RootKeys.Select(k => k.Name).Should().Equal("vmware-crk", "second-crk");
    }

    [Fact]
    public async Task Wrap_then_unwrap_round_trips_the_DEK_under_AES_GCM()
    {
        var id = await CreateKeyAsync();
        var dek = RandomNumberGenerator.GetBytes(32);
        var wrapped = await WrapAsync(id, dek, ["vm-42"]);
        wrapped.Status.Should().Be(HttpStatusCode.OK, wrapped.Body.ToString());
        wrapped.Body.TryGetProperty("plaintext", out _).Should().BeFalse("the caller gave the DEK");
        var ciphertext = wrapped.Body.GetProperty("ciphertext").GetString()!;
        Convert.FromBase64String(ciphertext).Length.Should().Be(4 + 16 + 12 + 32 + 16);
        wrapped.Body.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(id);

        var unwrapped = await UnwrapAsync(id, ciphertext, ["vm-42"]);
        unwrapped.Status.Should().Be(HttpStatusCode.OK, unwrapped.Body.ToString());
        Convert.FromBase64String(unwrapped.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
        unwrapped.Body.TryGetProperty("rewrappedKey", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Wrap_without_plaintext_makes_a_256_bit_DEK_and_answers_it()
    {
        var id = await CreateKeyAsync();
        var wrapped = await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/wrap");
        wrapped.Status.Should().Be(HttpStatusCode.OK, wrapped.Body.ToString());
        var dek = Convert.FromBase64String(wrapped.Body.GetProperty("plaintext").GetString()!);
        dek.Should().HaveCount(32);
        var unwrapped = await UnwrapAsync(id, wrapped.Body.GetProperty("ciphertext").GetString()!);
        Convert.FromBase64String(unwrapped.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
    }

    [Fact]
    public async Task The_older_action_query_form_wraps_and_unwraps_too()
    {
        var id = await CreateKeyAsync();
        var dek = RandomNumberGenerator.GetBytes(16);
        var wrapped = await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}?action=wrap", new { plaintext = Convert.ToBase64String(dek) });
        wrapped.Status.Should().Be(HttpStatusCode.OK, wrapped.Body.ToString());
        var unwrapped = await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}?action=unwrap", new { ciphertext = wrapped.Body.GetProperty("ciphertext").GetString() });
        Convert.FromBase64String(unwrapped.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
    }

    [Fact]
    public async Task Unwrap_with_other_aad_or_a_changed_ciphertext_is_422_UNPROCESSABLE_CIPHERTEXT_ERR()
    {
        var id = await CreateKeyAsync();
        var ciphertext = (await WrapAsync(id, RandomNumberGenerator.GetBytes(32), ["vm-42"])).Body.GetProperty("ciphertext").GetString()!;
        ShouldBeKeyProtectError(await UnwrapAsync(id, ciphertext, ["vm-43"]), (HttpStatusCode)422, "UNPROCESSABLE_CIPHERTEXT_ERR", "aad");
        ShouldBeKeyProtectError(await UnwrapAsync(id, ciphertext), (HttpStatusCode)422, "UNPROCESSABLE_CIPHERTEXT_ERR");
        var bytes = Convert.FromBase64String(ciphertext);
        bytes[^1] ^= 1;
        ShouldBeKeyProtectError(await UnwrapAsync(id, Convert.ToBase64String(bytes), ["vm-42"]), (HttpStatusCode)422, "UNPROCESSABLE_CIPHERTEXT_ERR");
        var otherKey = await CreateKeyAsync("other-crk");
        ShouldBeKeyProtectError(await UnwrapAsync(otherKey, ciphertext, ["vm-42"]), (HttpStatusCode)422, "UNPROCESSABLE_CIPHERTEXT_ERR", "not wrapped by this key");
    }

    [Fact]
    public async Task Rotate_adds_a_version_and_an_old_ciphertext_unwraps_with_the_DEK_rewrapped_under_the_newest()
    {
        var id = await CreateKeyAsync();
        var dek = RandomNumberGenerator.GetBytes(32);
        var old = (await WrapAsync(id, dek)).Body.GetProperty("ciphertext").GetString()!;
        var rotated = await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/rotate", contentType: "application/vnd.ibm.kms.key_action_rotate+json");
        rotated.Status.Should().Be(HttpStatusCode.NoContent);
        var newVersion = _kp.Key(id).CurrentVersion.Id;
        newVersion.Should().NotBe(id);
        _kp.Key(id).Versions.Should().HaveCount(2);

        // Key Protect's answer to an older ciphertext: keyVersion is the version it was made under, ciphertext the DEK
        // wrapped under the newest version, rewrappedKeyVersion that version.
        var unwrapped = await UnwrapAsync(id, old);
        unwrapped.Status.Should().Be(HttpStatusCode.OK, unwrapped.Body.ToString());
        Convert.FromBase64String(unwrapped.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
        unwrapped.Body.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(id);
        unwrapped.Body.GetProperty("rewrappedKeyVersion").GetProperty("id").GetString().Should().Be(newVersion);
        var rewrapped = unwrapped.Body.GetProperty("ciphertext").GetString()!;
        var again = await UnwrapAsync(id, rewrapped);
        Convert.FromBase64String(again.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
        again.Body.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(newVersion);
        again.Body.TryGetProperty("ciphertext", out _).Should().BeFalse("it is under the newest version");
        again.Body.TryGetProperty("rewrappedKeyVersion", out _).Should().BeFalse();

        var rewrap = await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/rewrap", new { ciphertext = old }, contentType: "application/vnd.ibm.kms.key_action_rewrap+json");
        rewrap.Status.Should().Be(HttpStatusCode.OK, rewrap.Body.ToString());
        rewrap.Body.TryGetProperty("plaintext", out _).Should().BeFalse("rewrap does not give the DEK out");
        rewrap.Body.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(id);
        rewrap.Body.GetProperty("rewrappedKeyVersion").GetProperty("id").GetString().Should().Be(newVersion);
        Convert.FromBase64String((await UnwrapAsync(id, rewrap.Body.GetProperty("ciphertext").GetString()!)).Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
        (await WrapAsync(id, dek)).Body.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(newVersion);

        var versions = await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}/versions");
        versions.Status.Should().Be(HttpStatusCode.OK);
        versions.Body.GetProperty("metadata").GetProperty("collectionType").GetString().Should().Be("application/vnd.ibm.kms.key_version+json");
        versions.Body.GetProperty("resources").EnumerateArray().Select(v => v.GetProperty("id").GetString()).Should().Equal(newVersion, id);
        (await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}/metadata")).Resource.GetProperty("keyVersion").GetProperty("id").GetString().Should().Be(newVersion);
    }

    [Fact]
    public async Task A_disabled_key_refuses_wrap_and_unwrap_with_409_until_enabled()
    {
        var id = await CreateKeyAsync();
        var dek = RandomNumberGenerator.GetBytes(32);
        var ciphertext = (await WrapAsync(id, dek)).Body.GetProperty("ciphertext").GetString()!;
        (await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/disable")).Status.Should().Be(HttpStatusCode.NoContent);
        (await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}")).Resource.GetProperty("state").GetInt32().Should().Be(2);
        ShouldBeKeyProtectError(await WrapAsync(id, dek), HttpStatusCode.Conflict, "KEY_ACTION_INVALID_STATE_ERR", "Suspended (2)");
        ShouldBeKeyProtectError(await UnwrapAsync(id, ciphertext), HttpStatusCode.Conflict, "KEY_ACTION_INVALID_STATE_ERR");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/disable"), HttpStatusCode.Conflict, "KEY_ACTION_INVALID_STATE_ERR");

        (await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/enable")).Status.Should().Be(HttpStatusCode.NoContent);
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/enable"), HttpStatusCode.Conflict, "KEY_ACTION_INVALID_STATE_ERR");
        var unwrapped = await UnwrapAsync(id, ciphertext);
        Convert.FromBase64String(unwrapped.Body.GetProperty("plaintext").GetString()!).Should().Equal(dek);
    }

    [Fact]
    public async Task A_deleted_key_is_state_5_and_every_action_is_410_KEY_DELETED_ERR()
    {
        var id = await CreateKeyAsync();
        var ciphertext = (await WrapAsync(id, RandomNumberGenerator.GetBytes(32))).Body.GetProperty("ciphertext").GetString()!;
        (await SendAsync(HttpMethod.Delete, $"api/v2/keys/{id}")).Status.Should().Be(HttpStatusCode.NoContent);
        var got = await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}");
        got.Resource.GetProperty("state").GetInt32().Should().Be(5);
        got.Resource.GetProperty("deleted").GetBoolean().Should().BeTrue();
        ShouldBeKeyProtectError(await UnwrapAsync(id, ciphertext), HttpStatusCode.Gone, "KEY_DELETED_ERR");
        ShouldBeKeyProtectError(await WrapAsync(id, null), HttpStatusCode.Gone, "KEY_DELETED_ERR");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Delete, $"api/v2/keys/{id}"), HttpStatusCode.Gone, "KEY_DELETED_ERR");
        (await SendAsync(HttpMethod.Get, "api/v2/keys")).Body.GetProperty("metadata").GetProperty("collectionTotal").GetInt32().Should().Be(0);
        (await SendAsync(HttpMethod.Get, "api/v2/keys?state=5")).Body.GetProperty("metadata").GetProperty("collectionTotal").GetInt32().Should().Be(1);
        _kp.Key(id).State.Should().Be(KeyState.Destroyed);
    }

    [Fact]
    public async Task The_csharp_hook_drives_the_same_keys_the_api_serves()
    {
        var key = _kp.CreateRootKey("demo-crk");
        var changes = new List<KeyState>();
        _kp.Instance.Changed += k => changes.Add(k.State);
        _kp.Disable(key.Id).State.Should().Be(KeyState.Suspended);
        ShouldBeKeyProtectError(await WrapAsync(key.Id, null), HttpStatusCode.Conflict, "KEY_ACTION_INVALID_STATE_ERR");
        _kp.Enable(key.Id).State.Should().Be(KeyState.Active);
        _kp.Rotate(key.Id).Versions.Should().HaveCount(2);
        _kp.Delete(key.Id).State.Should().Be(KeyState.Destroyed);
        changes.Should().Equal(KeyState.Suspended, KeyState.Active, KeyState.Active, KeyState.Destroyed);
        var act = () => _kp.Enable(key.Id);
        act.Should().Throw<KeyProtectError>().Which.Status.Should().Be(410);
        act = () => _kp.Disable("no-such-key");
        act.Should().Throw<KeyProtectError>().Which.Code.Should().Be("KEY_NOT_FOUND_ERR");
    }

    [Fact]
    public async Task Media_types_in_bodies_are_written_plainly()
    {
        await CreateKeyAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v2/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await BearerAsync());
        request.Headers.Add("Bluemix-Instance", _kp.InstanceId);
        using var response = await _http.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"collectionType\":\"application/vnd.ibm.kms.key+json\"");
    }

    [Fact]
    public async Task Without_a_certificate_it_serves_plain_http()
    {
        await using var plain = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions { ApiKeys = ["k"], Time = _clock });
        plain.Https.Should().BeFalse();
        plain.Url.Scheme.Should().Be("http");
        plain.Url.Host.Should().Be("127.0.0.1");
        using var http = new HttpClient { BaseAddress = plain.Url };
        using var token = await http.PostAsync("identity/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = IamTokens.ApiKeyGrant, ["apikey"] = "k",
        }));
        token.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task No_bearer_token_is_401_UNAUTHORIZED_ERR()
    {
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys", bearer: null), HttpStatusCode.Unauthorized, "UNAUTHORIZED_ERR", "no Authorization header");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys", bearer: "not.a.token"), HttpStatusCode.Unauthorized, "UNAUTHORIZED_ERR");
    }

    [Fact]
    public async Task A_token_expires_by_the_simulation_clock()
    {
        var bearer = await BearerAsync();
        (await SendAsync(HttpMethod.Get, "api/v2/keys", bearer: bearer)).Status.Should().Be(HttpStatusCode.OK);
        _clock.Advance(TimeSpan.FromMinutes(59));
        (await SendAsync(HttpMethod.Get, "api/v2/keys", bearer: bearer)).Status.Should().Be(HttpStatusCode.OK);
        _clock.Advance(TimeSpan.FromMinutes(1));
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys", bearer: bearer), HttpStatusCode.Unauthorized, "UNAUTHORIZED_ERR", "expired");
        (await SendAsync(HttpMethod.Get, "api/v2/keys")).Status.Should().Be(HttpStatusCode.OK, "a new token works");
    }

    [Fact]
    public async Task A_missing_or_other_instance_is_401_UNAUTHORIZED_ERR()
    {
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys", instance: null), HttpStatusCode.Unauthorized, "UNAUTHORIZED_ERR", "bluemix-instance");
        var other = Guid.NewGuid().ToString();
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys", instance: other), HttpStatusCode.Unauthorized, "UNAUTHORIZED_ERR", other);
    }

    [Fact]
    public async Task An_unknown_key_id_is_404_KEY_NOT_FOUND_ERR()
    {
        var id = Guid.NewGuid().ToString();
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, $"api/v2/keys/{id}"), HttpStatusCode.NotFound, "KEY_NOT_FOUND_ERR", id);
        ShouldBeKeyProtectError(await WrapAsync(id, null), HttpStatusCode.NotFound, "KEY_NOT_FOUND_ERR", id);
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/rotate"), HttpStatusCode.NotFound, "KEY_NOT_FOUND_ERR");
    }

    [Fact]
    public async Task Malformed_input_is_400_BAD_BODY_ERR_naming_what_is_wrong()
    {
        var id = await CreateKeyAsync();
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/wrap", new { plaintext = "not base64!" }),
            HttpStatusCode.BadRequest, "BAD_BODY_ERR", "plaintext is not base64");
        ShouldBeKeyProtectError(await UnwrapAsync(id, "%%%"), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "ciphertext is not base64");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/unwrap", new { }), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "no ciphertext");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/wrap", new { aad = "vm-42" }), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "aad");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/wrap", rawBody: "{not json"), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "not valid JSON");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, "api/v2/keys", rawBody: """{"metadata":{},"resources":[{"name":"x1"}]}"""),
            HttpStatusCode.BadRequest, "BAD_BODY_ERR", "CollectionMetadata is empty");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, "api/v2/keys", CreateBody("std-key", extractable: true)), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "extractable");
        var two = new
        {
            metadata = new { collectionType = "application/vnd.ibm.kms.key+json", collectionTotal = 2 },
            resources = new[] { new { name = "k-1", extractable = false }, new { name = "k-2", extractable = false } },
        };
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, "api/v2/keys", two), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "one key per request");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Post, $"api/v2/keys/{id}/actions/explode"), HttpStatusCode.BadRequest, "BAD_REQUEST_ERR", "explode");
        ShouldBeKeyProtectError(await SendAsync(HttpMethod.Get, "api/v2/keys?limit=0"), HttpStatusCode.BadRequest, "BAD_BODY_ERR", "limit");
    }
}
