using System.Net;
using Harness.Kmip.Client;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// <c>--root-key keyprotect</c> (seeds 001-002): each object's data key is wrapped and unwrapped by Key Protect, here
/// WireMock.Net standing in for Key Protect and IAM, behind a real KMIP server over mutual TLS.
/// </summary>
public class KeyProtectRootKeyTests
{
    private static Task<KmsFixture> StartAsync(KeyProtectStandIn kp, TimeSpan? cacheFor = null, TimeSpan? timeout = null) =>
        KmsFixture.StartAsync(o => o.KeyProtect = kp.Options(cacheFor, timeout));

    [Fact]
    public async Task CreateAndGet_AfterARestart_TheDataKeyIsUnwrappedByKeyProtectWithTheExactRequests()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp);
        string id;
        byte[] material;
        await using (var client = await kms.ConnectAsync())
        {
            id = await client.CreateKeyAsync();
            material = await client.GetKeyBytesAsync(id);
        }

        var iam = kp.RequestsTo("/identity/token").Should().ContainSingle().Subject;
        iam.Method.Should().Be("POST");
        KeyProtectStandIn.Header(iam, "Content-Type").Should().StartWith("application/x-www-form-urlencoded");
        iam.Body.Should().Be("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=test-api-key-0123");
        var wrap = kp.RequestsTo(KeyProtectStandIn.WrapPath).Should().ContainSingle().Subject;
        wrap.Method.Should().Be("POST");
        KeyProtectStandIn.Header(wrap, "Authorization").Should().Be("Bearer token-1");
        KeyProtectStandIn.Header(wrap, "bluemix-instance").Should().Be(KeyProtectStandIn.Instance);
        KeyProtectStandIn.Header(wrap, "Content-Type").Should().Be("application/vnd.ibm.kms.key_action+json");
        var wrapBody = KeyProtectStandIn.BodyOf(wrap);
        Convert.FromBase64String(wrapBody["plaintext"]!.GetValue<string>()).Should().HaveCount(32, "the data key is wrapped, never the key material");
        wrapBody["aad"]!.AsArray().Select(a => a!.GetValue<string>()).Should().Equal(id);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().BeEmpty("the data key just wrapped is in the cache");
        var stored = File.ReadAllBytes(Path.Combine(kms.DataDirectory, "kms.db"));
        Contains(stored, material).Should().BeFalse("the store holds the material sealed, not in clear");

        await kms.RestartAsync(); // a fresh server: nothing cached
        await using var again = await kms.ConnectAsync();
        (await again.GetKeyBytesAsync(id)).Should().Equal(material);

        var unwrap = kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().ContainSingle().Subject;
        KeyProtectStandIn.Header(unwrap, "Authorization").Should().Be("Bearer token-2", "the restarted server exchanged the API key again");
        KeyProtectStandIn.Header(unwrap, "bluemix-instance").Should().Be(KeyProtectStandIn.Instance);
        KeyProtectStandIn.Header(unwrap, "Content-Type").Should().Be("application/vnd.ibm.kms.key_action+json");
        var unwrapBody = KeyProtectStandIn.BodyOf(unwrap);
        unwrapBody["ciphertext"]!.GetValue<string>().Should().StartWith("kp-wrapped-").And.Be(kp.LastCiphertext);
        unwrapBody["aad"]!.AsArray().Select(a => a!.GetValue<string>()).Should().Equal(id);
    }

    [Fact]
    public async Task Get_WithinTheCacheTime_AsksKeyProtectOnlyOnceTheCachedDataKeyExpired()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.FromSeconds(60));
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();

        await client.GetKeyBytesAsync(id);
        kms.Clock.Advance(TimeSpan.FromSeconds(59));
        await client.GetKeyBytesAsync(id);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().BeEmpty();

        kms.Clock.Advance(TimeSpan.FromSeconds(2));
        await client.GetKeyBytesAsync(id);
        await client.GetKeyBytesAsync(id);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(1);
    }

    [Fact]
    public async Task DataKeyCache_KeysNotAskedForAgain_AreForgottenOnceTheirTimeIsUp()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.FromSeconds(60));
        await using var client = await kms.ConnectAsync();
        var first = await client.CreateKeyAsync();
        await client.CreateKeyAsync();
        var rootKey = (RootKeys.KeyProtectRootKey)kms.Server.State.Store.RootKey;
        rootKey.CachedDataKeys.Should().Be(2);

        kms.Clock.Advance(TimeSpan.FromSeconds(61));
        await client.CreateKeyAsync(); // any use of the cache sweeps it

        rootKey.CachedDataKeys.Should().Be(1, "only the data key just wrapped is held");
        await client.GetKeyBytesAsync(first);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().ContainSingle();
    }

    [Fact]
    public async Task Get_CacheSeconds0_EveryUseAsksKeyProtect()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();

        for (int i = 0; i < 3; i++) await client.GetKeyBytesAsync(id);

        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(3);
    }

    [Fact]
    public async Task Get_AnotherClientsKey_KeyProtectIsNotAskedAndTheAnswerIsNotFound()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var owner = await kms.ConnectAsync();
        var id = await owner.CreateKeyAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));

        (await other.OneAsync(V14, KmipBatchItems.Get(id))).ResultReason.Should().Be(ResultReason.ItemNotFound);

        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().BeEmpty();
    }

    [Fact]
    public async Task AccessToken_PastEightyPercentOfItsLife_IsRefreshedBeforeItExpires()
    {
        using var kp = new KeyProtectStandIn { TokenLifetimeSeconds = 3600 };
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();

        kms.Clock.Advance(TimeSpan.FromSeconds(2879)); // just under 80% of an hour: the token is kept
        await client.GetKeyBytesAsync(id);
        kms.Clock.Advance(TimeSpan.FromSeconds(2)); // past 80%, still 12 minutes before it expires
        await client.GetKeyBytesAsync(id);

        kp.RequestsTo("/identity/token").Should().HaveCount(2);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Select(r => KeyProtectStandIn.Header(r, "Authorization"))
            .Should().Equal("Bearer token-1", "Bearer token-2");
    }

    [Fact]
    public async Task AccessToken_IamAnswers503Once_RetriedAfterTheFirstBackoff()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp);
        await using var client = await kms.ConnectAsync();
        kp.AnswerIamWith(503);

        var id = await client.CreateKeyAsync();

        (await client.GetKeyBytesAsync(id)).Should().HaveCount(32);
        kp.RequestsTo("/identity/token").Should().HaveCount(2);
        KeyProtectStandIn.Header(kp.RequestsTo(KeyProtectStandIn.WrapPath).Single(), "Authorization").Should().Be("Bearer token-1");
        kp.Waits.Should().Equal(TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task AccessToken_IamRefusesTheApiKey_PermissionDeniedNamingIamAndTheFile()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.AlwaysAnswerIam = 400;
        kms.Clock.Advance(TimeSpan.FromHours(1)); // the token is due for a refresh

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.PermissionDenied);
        get.ResultMessage.Should().Contain("IAM answered 400 Bad Request").And.Contain(kp.ApiKeyFile);
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().BeEmpty();
        kp.Waits.Should().BeEmpty("a refused API key is not retried");
    }

    [Fact]
    public async Task Unwrap_Answered401Once_ExchangesTheApiKeyAgainAndRetriesOnce()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        var material = await client.GetKeyBytesAsync(id);
        kp.AnswerUnwrapWith(401);

        (await client.GetKeyBytesAsync(id)).Should().Equal(material);

        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Select(r => KeyProtectStandIn.Header(r, "Authorization"))
            .Should().Equal("Bearer token-1", "Bearer token-1", "Bearer token-2");
        kp.Waits.Should().BeEmpty("a refused token is exchanged at once, not backed off");
        kms.Log.Lines.Should().Contain(l => l.Contains("Key Protect answered 401 Unauthorized"));
    }

    [Fact]
    public async Task Unwrap_Answered401Twice_PermissionDeniedNamingKeyProtect()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.AlwaysAnswerUnwrap = 401;

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.PermissionDenied);
        get.ResultMessage.Should().Contain("Key Protect answered 401").And.Contain("fresh IAM token");
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(2);
    }

    [Theory]
    [InlineData(409, "409 Conflict")]
    [InlineData(422, "422 Unprocessable Entity")]
    public async Task Get_RootKeyDisabledOrSuspended_CannotBeServedNow_UntilKeyProtectUnwrapsAgain(int status, string answer)
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        var material = await client.GetKeyBytesAsync(id);
        kp.AlwaysAnswerUnwrap = status;

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultStatus.Should().Be(ResultStatus.OperationFailed);
        get.ResultReason.Should().Be(ResultReason.PermissionDenied);
        get.ResultMessage.Should().Contain($"'{id}' cannot be served now").And.Contain($"Key Protect answered {answer}")
            .And.Contain(KeyProtectStandIn.RootKeyId).And.Contain("disabled or suspended");
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(2, "a disabled key is not retried");
        kp.Waits.Should().BeEmpty();
        kms.Log.Lines.Should().Contain(l => l.Contains($"Key Protect answered {answer}"));

        kp.AlwaysAnswerUnwrap = 0; // enabled again
        (await client.GetKeyBytesAsync(id)).Should().Equal(material);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task Get_RootKeyDeleted_EveryKeyItProtectedIsCryptoShredded_EvenAfterARestart(int status)
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        string first, second;
        await using (var client = await kms.ConnectAsync())
        {
            first = await client.CreateKeyAsync();
            second = await client.CreateKeyAsync();
            kp.AlwaysAnswerUnwrap = status;

            var get = await client.OneAsync(V14, KmipBatchItems.Get(first));
            get.ResultReason.Should().Be(ResultReason.ItemNotFound);
            get.ResultMessage.Should().Contain("crypto-shredded").And.Contain($"Key Protect answered {status}").And.Contain(KeyProtectStandIn.RootKeyId);

            var unwraps = kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Count;
            kp.AlwaysAnswerUnwrap = 0; // even were Key Protect to answer again, the server does not ask
            (await client.OneAsync(V14, KmipBatchItems.Get(second))).ResultMessage.Should().Contain("crypto-shredded");
            kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(unwraps);
            kms.Log.Lines.Should().Contain(l => l.Contains($"Key Protect answered {status}") && l.Contains("crypto-shredded"));
        }

        kp.AlwaysAnswerUnwrap = status;
        await kms.RestartAsync();
        await using var again = await kms.ConnectAsync();
        var afterRestart = await again.OneAsync(V14, KmipBatchItems.Get(first));
        afterRestart.ResultReason.Should().Be(ResultReason.ItemNotFound);
        afterRestart.ResultMessage.Should().Contain("crypto-shredded");
    }

    [Fact]
    public async Task Unwrap_Answered429ThenOk_RetriesAfterTheFirstBackoff()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.AnswerUnwrapWith(429);

        (await client.GetKeyBytesAsync(id)).Should().HaveCount(32);

        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(2);
        kp.Waits.Should().Equal(TimeSpan.FromMilliseconds(250));
        kms.Log.Lines.Should().Contain(l => l.Contains("429 Too Many Requests") && l.Contains("retrying in 250 ms"));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Unwrap_ServerErrorsEveryTime_FourAttemptsWithBackoffThenGeneralFailure(int status)
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.AlwaysAnswerUnwrap = status;

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.GeneralFailure);
        get.ResultMessage.Should().Contain("Key Protect did not unwrap").And.Contain("after 4 attempts").And.Contain($"answered {status}");
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(4);
        kp.Waits.Should().Equal(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
    }

    [Fact]
    public async Task Unwrap_SlowerThanTheTimeout_EachCallIsCutShortAndRetried()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero, timeout: TimeSpan.FromMilliseconds(200));
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.Server.Given(Request.Create().WithPath(KeyProtectStandIn.UnwrapPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("{}").WithDelay(TimeSpan.FromMilliseconds(1500)));

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.GeneralFailure);
        get.ResultMessage.Should().Contain("after 4 attempts").And.Contain("no answer within 200 ms");
        kp.Waits.Should().HaveCount(3);
    }

    [Fact]
    public async Task Unwrap_AnswerCutShort_IsRetriedThenGeneralFailure()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        kp.Server.Given(Request.Create().WithPath(KeyProtectStandIn.UnwrapPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(new string('x', 4096)).WithFault(WireMock.ResponseBuilders.FaultType.MALFORMED_RESPONSE_CHUNK));

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.GeneralFailure);
        get.ResultMessage.Should().Contain("after 4 attempts").And.Contain("not JSON");
        kp.RequestsTo(KeyProtectStandIn.UnwrapPath).Should().HaveCount(4);
        kp.Waits.Should().HaveCount(3);
    }

    [Fact]
    public async Task Unwrap_ConnectionResetByKeyProtect_IsRetriedThenGeneralFailure()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp, cacheFor: TimeSpan.Zero);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        // Key Protect's address now leads to a peer that resets every connection (TCP RST) once the request arrived.
        using var resetting = new ResettingPeer();
        kms.Server.State.Store.RootKey.Should().BeOfType<RootKeys.KeyProtectRootKey>().Which.Options.Url = resetting.Url;

        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));

        get.ResultReason.Should().Be(ResultReason.GeneralFailure);
        get.ResultMessage.Should().Contain("after 4 attempts").And.Contain("the connection failed");
        resetting.Connections.Should().Be(4);
        kp.Waits.Should().Equal(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
    }

    /// <summary>A peer that reads a request and answers with a TCP reset.</summary>
    private sealed class ResettingPeer : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public ResettingPeer()
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    System.Net.Sockets.Socket socket;
                    try { socket = await _listener.AcceptSocketAsync(); }
                    catch (Exception) { return; }
                    Interlocked.Increment(ref _connections);
                    var buffer = new byte[4096];
                    try { await socket.ReceiveAsync(buffer); } catch (Exception) { }
                    socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                    socket.Close(); // linger 0: RST, not FIN
                }
            });
        }

        public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        public int Connections => Volatile.Read(ref _connections);
        public void Dispose() => _listener.Stop();
    }

    [Fact]
    public async Task Create_KeyProtectRefusesToWrap_GeneralFailureNamingKeyProtectsAnswer()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp);
        await using var client = await kms.ConnectAsync();
        kp.AlwaysAnswerWrap = 409;

        var item = await client.OneAsync(V14, KmipBatchItems.CreateSymmetricKey(V14, KmipAttribute.Aes256EncryptDecrypt));

        item.ResultReason.Should().Be(ResultReason.GeneralFailure);
        item.ResultMessage.Should().Contain("could not store").And.Contain("Key Protect answered 409 Conflict (stand-in error 409, KEY_ACTION_INVALID_STATE_ERR) to wrap").And.Contain(KeyProtectStandIn.RootKeyId);
        var unsealed = kms.Server.State.Store.All.Should().ContainSingle().Subject.Id;
        kp.AlwaysAnswerWrap = 0;
        var get = await client.OneAsync(V14, KmipBatchItems.Get(unsealed));
        get.ResultReason.Should().Be(ResultReason.GeneralFailure, "a key whose data key Key Protect never wrapped is not served from memory");
        get.ResultMessage.Should().Contain("not sealed by Key Protect root key " + KeyProtectStandIn.RootKeyId);
    }

    [Fact]
    public async Task Restart_KeyProtectRefusesToUnwrap_TheServerDoesNotStartAndSaysWhy()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp);
        await using (var client = await kms.ConnectAsync()) await client.CreateKeyAsync();
        kp.AlwaysAnswerUnwrap = 409;

        var restart = () => kms.RestartAsync();

        (await restart.Should().ThrowAsync<Storage.KmsStartException>()).Which.Message.Should()
            .Contain("cannot be opened now").And.Contain("Key Protect answered 409 Conflict (stand-in error 409, KEY_ACTION_INVALID_STATE_ERR) to unwrap").And.Contain("disabled or suspended");
        kp.AlwaysAnswerUnwrap = 0;
        await kms.RestartAsync();
    }

    [Fact]
    public async Task AdminDeleteRootKey_KeyProtect_AnswersThatTheRootKeyLivesInKeyProtect()
    {
        using var kp = new KeyProtectStandIn();
        await using var kms = await StartAsync(kp);
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        using var admin = kms.Admin();

        var response = await admin.PostAsync("root-key/delete", null, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain("lives in Key Protect").And.Contain(KeyProtectStandIn.RootKeyId);
        (await client.GetKeyBytesAsync(id)).Should().HaveCount(32, "nothing was shredded");
    }

    [Fact]
    public async Task Start_FileRootKeyDataWithKeyProtect_RefusedNamingBothRootKeys()
    {
        using var kp = new KeyProtectStandIn();
        string data;
        await using (var file = await KmsFixture.StartAsync())
        {
            await using var client = await file.ConnectAsync();
            await client.CreateKeyAsync();
            data = file.DataDirectory;
            // keep the directory: the fixture deletes it on dispose, so copy it first
            CopyDirectory(data, data + "-copy");
        }
        try
        {
            var act = () => KmsFixture.StartAsync(o => o.KeyProtect = kp.Options(), dataDirectory: data + "-copy");
            (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should()
                .Contain("Key Protect root key " + KeyProtectStandIn.RootKeyId).And.Contain("local root key file");
        }
        finally { Directory.Delete(data + "-copy", true); }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
