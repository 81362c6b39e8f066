using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Harness.Kmip.Server.RootKeys;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// WireMock.Net standing in for IBM Key Protect and IAM (a cloud service that cannot run here): IAM issues token-1,
/// token-2, … (valid an hour); wrap answers an opaque ciphertext that unwrap (with the same aad) turns back into the data
/// key. A test queues other answers for unwrap (<see cref="AnswerUnwrapWith"/>) or adds mappings of its own (delays,
/// faults). Every request is in <see cref="Requests"/>.
/// </summary>
public sealed class KeyProtectStandIn : IDisposable
{
    public const string Instance = "6f2c1e4a-0d0b-4b8e-9f3a-2a1c3d4e5f60";
    public const string RootKeyId = "12e8c9c2-a162-472d-b7d6-8b9a86b815a6";
    public static string WrapPath => $"/api/v2/keys/{RootKeyId}/actions/wrap";
    public static string UnwrapPath => $"/api/v2/keys/{RootKeyId}/actions/unwrap";
    private readonly ConcurrentDictionary<string, (string Plaintext, string Aad)> _wrapped = new();
    private readonly ConcurrentQueue<int> _unwrapAnswers = new();
    private readonly ConcurrentQueue<int> _iamAnswers = new();
    private int _tokens;

    public KeyProtectStandIn()
    {
        Server = WireMockServer.Start();
        ApiKeyFile = Path.Combine(Path.GetTempPath(), "harness-kp-apikey-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(ApiKeyFile, "test-api-key-0123\n");
        Server.Given(Request.Create().WithPath("/identity/token").UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(_ => _iamAnswers.TryDequeue(out var status) || (status = AlwaysAnswerIam) != 0 ? Error(status) : Json(200, new JsonObject
            {
                ["access_token"] = $"token-{Interlocked.Increment(ref _tokens)}",
                ["refresh_token"] = "not-used",
                ["token_type"] = "Bearer",
                ["expires_in"] = TokenLifetimeSeconds,
                ["expiration"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + TokenLifetimeSeconds,
            })));
        Server.Given(Request.Create().WithPath(WrapPath).UsingPost()).AtPriority(10).RespondWith(Response.Create().WithCallback(Wrap));
        Server.Given(Request.Create().WithPath(UnwrapPath).UsingPost()).AtPriority(10).RespondWith(Response.Create().WithCallback(Unwrap));
    }

    public WireMockServer Server { get; }
    public string ApiKeyFile { get; }
    public int TokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>The ciphertext of the last data key wrapped.</summary>
    public string? LastCiphertext { get; private set; }
    public Uri Url => new(Server.Url!);

    /// <summary>The backoff waits the server asked for (recorded, not spent).</summary>
    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public KeyProtectOptions Options(TimeSpan? cacheFor = null, TimeSpan? timeout = null) => new()
    {
        Url = Url,
        IamUrl = Url,
        InstanceId = Instance,
        RootKeyId = RootKeyId,
        ApiKeyFile = ApiKeyFile,
        CacheFor = cacheFor ?? TimeSpan.FromSeconds(60),
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(5),
        Wait = (wait, _) => { Waits.Enqueue(wait); return Task.CompletedTask; },
    };

    /// <summary>The next unwraps are answered with these statuses (with a Key Protect error body), in order; then as usual.</summary>
    public void AnswerUnwrapWith(params int[] statuses)
    {
        foreach (var s in statuses) _unwrapAnswers.Enqueue(s);
    }

    /// <summary>The next token exchanges are answered with these statuses, in order; then as usual.</summary>
    public void AnswerIamWith(params int[] statuses)
    {
        foreach (var s in statuses) _iamAnswers.Enqueue(s);
    }

    /// <summary>Every token exchange from now on is answered with this status (0: as usual).</summary>
    public int AlwaysAnswerIam { get; set; }

    /// <summary>Every wrap from now on is answered with this status (0: as usual).</summary>
    public int AlwaysAnswerWrap { get; set; }

    /// <summary>Every unwrap from now on is answered with this status (0: as usual).</summary>
    public int AlwaysAnswerUnwrap { get; set; }

    public IReadOnlyList<IRequestMessage> Requests => Server.LogEntries.Select(e => e.RequestMessage).ToList();

    public IReadOnlyList<IRequestMessage> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToList();

    public static string Header(IRequestMessage request, string name) =>
        request.Headers!.First(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value.Single();

    public static JsonNode BodyOf(IRequestMessage request) => JsonNode.Parse(request.Body!)!;

    private ResponseMessage Wrap(IRequestMessage request)
    {
        if (AlwaysAnswerWrap != 0) return Error(AlwaysAnswerWrap);
        var body = BodyOf(request);
        var ciphertext = "kp-wrapped-" + Guid.NewGuid().ToString("N");
        _wrapped[ciphertext] = (body["plaintext"]!.GetValue<string>(), body["aad"]![0]!.GetValue<string>());
        LastCiphertext = ciphertext;
        return Json(200, new JsonObject
        {
            ["ciphertext"] = ciphertext,
            ["keyVersion"] = new JsonObject { ["id"] = RootKeyId, ["creationDate"] = "2026-01-01T00:00:00Z" },
        });
    }

    private ResponseMessage Unwrap(IRequestMessage request)
    {
        int status = _unwrapAnswers.TryDequeue(out var queued) ? queued : AlwaysAnswerUnwrap;
        if (status != 0) return Error(status);
        var body = BodyOf(request);
        if (!_wrapped.TryGetValue(body["ciphertext"]!.GetValue<string>(), out var w) || body["aad"]![0]!.GetValue<string>() != w.Aad)
            return Error(400);
        return Json(200, new JsonObject { ["plaintext"] = w.Plaintext, ["keyVersion"] = new JsonObject { ["id"] = RootKeyId } });
    }

    /// <summary>Key Protect's error body (application/vnd.ibm.kms.error+json).</summary>
    private static ResponseMessage Error(int status) => Json(status, new JsonObject
    {
        ["metadata"] = new JsonObject { ["collectionType"] = "application/vnd.ibm.kms.error+json", ["collectionTotal"] = 1 },
        ["resources"] = new JsonArray(new JsonObject
        {
            ["errorMsg"] = $"stand-in error {status}",
            ["reasons"] = new JsonArray(new JsonObject { ["code"] = status switch { 409 => "KEY_ACTION_INVALID_STATE_ERR", 404 => "KEY_NOT_FOUND_ERR", 410 => "KEY_DELETED_ERR", _ => "STAND_IN_ERR" } }),
        }),
    });

    private static ResponseMessage Json(int status, JsonNode body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        File.Delete(ApiKeyFile);
    }
}
