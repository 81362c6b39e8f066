using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Harness.Simulator.Web.KeyProtect;

/// <summary>
/// The routes of the emulator: IAM's POST /identity/token and Key Protect's REST API v2 (the paths, headers, bodies
/// and status codes IBM's SDKs use: @ibm-cloud/ibm-key-protect calls /api/v2/keys/{id}/actions/{action}; the older
/// form POST /api/v2/keys/{id}?action={action} is answered too).
/// </summary>
internal static class KeyProtectApi
{
    public const string CollectionMediaType = "application/vnd.ibm.collection+json";
    public const string KeyType = "application/vnd.ibm.kms.key+json";
    public const string ErrorType = "application/vnd.ibm.kms.error+json";
    public const string KeyVersionType = "application/vnd.ibm.kms.key_version+json";

    public static readonly string[] Endpoints =
    [
        "POST   /identity/token (form: grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...)",
        "POST   /api/v2/keys", "GET    /api/v2/keys[?limit=&offset=&state=]", "GET    /api/v2/keys/{id}", "GET    /api/v2/keys/{id}/metadata", "GET    /api/v2/keys/{id}/versions", "DELETE /api/v2/keys/{id}",
        "POST   /api/v2/keys/{id}/actions/wrap|unwrap|rewrap|rotate|disable|enable", "POST   /api/v2/keys/{id}?action=wrap|unwrap|rewrap|rotate|disable|enable",
    ];

    public static void Map(WebApplication app, KeyProtectEmulator emulator)
    {
        var instance = emulator.Instance;
        app.MapPost("/identity/token", (Delegate)(async (HttpContext ctx) =>
        {
            string? grant = null, apiKey = null;
            if (ctx.Request.HasFormContentType)
            {
                var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
                grant = form["grant_type"].FirstOrDefault();
                apiKey = form["apikey"].FirstOrDefault();
            }
            try
            {
                return Json(emulator.Iam.Issue(grant, apiKey), 200);
            }
            catch (IamTokens.IamError e)
            {
                return Json(new JsonObject
                {
                    ["errorCode"] = e.Code,
                    ["errorMessage"] = e.Message,
                    ["context"] = new JsonObject { ["requestId"] = ctx.TraceIdentifier, ["url"] = emulator.IamUrl.ToString().TrimEnd('/') },
                }, 400);
            }
        }));

        app.MapPost("/api/v2/keys", (Delegate)((HttpContext ctx) => Answer(ctx, emulator, async () =>
        {
            var body = await Body(ctx, "Key could not be created") ?? throw KeyProtectError.BadBody("Key could not be created", "Missing body in request");
            var resource = CreateRequest(body);
            var name = resource["name"]?.GetValue<string>() ?? throw KeyProtectError.BadBody("Key could not be created", "the resource has no name");
            var created = instance.CreateRootKey(name, resource["description"]?.GetValue<string>(), Subject(ctx));
            return Collection(KeyType, [Resource(instance, created)], 201);
        })));

        app.MapGet("/api/v2/keys", (Delegate)((HttpContext ctx) => Answer(ctx, emulator, () =>
        {
            var q = ctx.Request.Query;
            int limit = Number(q["limit"], "limit", 200, 1, 5000), offset = Number(q["offset"], "offset", 0, 0, int.MaxValue);
            var states = q["state"].Count == 0 ? new HashSet<KeyState> { KeyState.PreActivation, KeyState.Active, KeyState.Suspended, KeyState.Deactivated }
                : q["state"].SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                    .Select(s => int.TryParse(s, out var n) && Enum.IsDefined((KeyState)n) ? (KeyState)n
                        : throw KeyProtectError.BadBody("Keys could not be listed", $"state must be a list of 0, 1, 2, 3 and 5, not '{s}'")).ToHashSet();
            var keys = instance.RootKeys.Where(k => states.Contains(k.State)).Skip(offset).Take(limit).Select(k => (JsonNode?)Resource(instance, k)).ToList();
            return Task.FromResult(Collection(KeyType, keys, 200));
        })));

        app.MapGet("/api/v2/keys/{id}", (HttpContext ctx, string id) => Answer(ctx, emulator, () =>
            Task.FromResult(Collection(KeyType, [Resource(instance, instance.Get(id))], 200))));

        // The key's metadata (GET .../metadata, the SDK's getKeyMetadata) is what GET .../{id} answers: root keys carry no payload.
        app.MapGet("/api/v2/keys/{id}/metadata", (HttpContext ctx, string id) => Answer(ctx, emulator, () =>
            Task.FromResult(Collection(KeyType, [Resource(instance, instance.Get(id))], 200))));

        app.MapGet("/api/v2/keys/{id}/versions", (HttpContext ctx, string id) => Answer(ctx, emulator, () =>
            Task.FromResult(Collection(KeyVersionType, instance.Get(id).Versions.Reverse()
                .Select(v => (JsonNode?)new JsonObject { ["id"] = v.Id, ["creationDate"] = Date(v.CreationDate) }).ToList(), 200))));

        app.MapDelete("/api/v2/keys/{id}", (HttpContext ctx, string id) => Answer(ctx, emulator, () =>
        {
            var deleted = instance.Delete(id);
            return Task.FromResult(WantsRepresentation(ctx)
                ? Collection(KeyType, [Resource(instance, deleted)], 200)
                : Results.StatusCode(204));
        }));

        app.MapPost("/api/v2/keys/{id}/actions/{action}", (HttpContext ctx, string id, string action) => Answer(ctx, emulator, () => Act(ctx, instance, id, action)));
        app.MapPost("/api/v2/keys/{id}", (HttpContext ctx, string id) => Answer(ctx, emulator, () =>
        {
            var action = ctx.Request.Query["action"].FirstOrDefault()
                ?? throw new KeyProtectError(400, "Bad Request: the action query parameter is missing", "BAD_REQUEST_ERR",
                    "POST /api/v2/keys/{id} needs ?action=wrap|unwrap|rewrap|rotate|disable|enable (or use /api/v2/keys/{id}/actions/{action})");
            return Act(ctx, instance, id, action);
        }));
    }

    private static async Task<IResult> Act(HttpContext ctx, KeyProtectInstance instance, string id, string action)
    {
        switch (action)
        {
            case "wrap":
            {
                const string what = "Wrap with key could not be performed";
                var body = await Body(ctx, what);
                byte[]? plaintext = null;
                if (body?["plaintext"] is { } p)
                {
                    try { plaintext = Convert.FromBase64String(Text(p, "plaintext", what)); }
                    catch (FormatException) { throw KeyProtectError.BadBody(what, "the plaintext is not base64"); }
                }
                var wrapped = instance.Wrap(id, plaintext, Aad(body, what));
                var answer = new JsonObject();
                if (wrapped.GeneratedPlaintext is { } dek) answer["plaintext"] = Convert.ToBase64String(dek);
                answer["ciphertext"] = wrapped.Ciphertext;
                answer["keyVersion"] = new JsonObject { ["id"] = wrapped.KeyVersionId };
                return Json(answer, 200);
            }
            case "unwrap":
            case "rewrap":
            {
                var what = action == "unwrap" ? "Unwrap with key could not be performed" : "Rewrap with key could not be performed";
                var body = await Body(ctx, what) ?? throw KeyProtectError.BadBody(what, "Missing body in request");
                var ciphertext = body["ciphertext"] is { } c ? Text(c, "ciphertext", what) : throw KeyProtectError.BadBody(what, "the body has no ciphertext");
                var aad = Aad(body, what);
                var result = action == "unwrap" ? instance.Unwrap(id, ciphertext, aad) : instance.Rewrap(id, ciphertext, aad);
                // As Key Protect answers: keyVersion is the version the given ciphertext was made under; a ciphertext of an
                // older version also gets the DEK wrapped under the newest one (ciphertext) and that version (rewrappedKeyVersion).
                var answer = new JsonObject();
                if (action == "unwrap") answer["plaintext"] = Convert.ToBase64String(result.Plaintext);
                if (result.RewrappedCiphertext is { } rewrapped) answer["ciphertext"] = rewrapped;
                answer["keyVersion"] = new JsonObject { ["id"] = result.KeyVersionId };
                if (result.RewrappedKeyVersionId is { } latest) answer["rewrappedKeyVersion"] = new JsonObject { ["id"] = latest };
                return Json(answer, 200);
            }
            case "rotate":
                instance.Rotate(id);
                return Results.StatusCode(204);
            case "disable":
                instance.Disable(id);
                return Results.StatusCode(204);
            case "enable":
                instance.Enable(id);
                return Results.StatusCode(204);
            default:
                throw new KeyProtectError(400, $"Bad Request: unsupported action '{action}'", "BAD_REQUEST_ERR",
                    $"the emulator's key actions are wrap, unwrap, rewrap, rotate, disable and enable, not '{action}'");
        }
    }

    /// <summary>Runs a Key Protect request: checks the bearer token and the bluemix-instance header, answers errors in Key Protect's shape.</summary>
    private static async Task<IResult> Answer(HttpContext ctx, KeyProtectEmulator emulator, Func<Task<IResult>> handle)
    {
        try
        {
            var authorization = ctx.Request.Headers.Authorization.FirstOrDefault();
            if (string.IsNullOrEmpty(authorization)) throw KeyProtectError.Unauthorized("no Authorization header (Bearer token from IAM)");
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                throw KeyProtectError.Unauthorized("the Authorization header is not 'Bearer <token>'");
            if (!emulator.Iam.TryValidate(authorization["Bearer ".Length..].Trim(), out var subject, out var why))
                throw KeyProtectError.Unauthorized(why);
            ctx.Items[SubjectItem] = subject;
            var instanceId = ctx.Request.Headers["Bluemix-Instance"].FirstOrDefault();
            if (string.IsNullOrEmpty(instanceId)) throw KeyProtectError.Unauthorized("no bluemix-instance header (the Key Protect instance ID)");
            if (!string.Equals(instanceId, emulator.InstanceId, StringComparison.OrdinalIgnoreCase))
                throw KeyProtectError.Unauthorized($"no instance '{instanceId}' (this service's instance is {emulator.InstanceId})");
            return await handle();
        }
        catch (KeyProtectError e)
        {
            return Error(e);
        }
    }

    private const string SubjectItem = "keyprotect.subject";
    private static string Subject(HttpContext ctx) => ctx.Items[SubjectItem] as string ?? "";

    public static IResult Error(KeyProtectError e) => Json(new JsonObject
    {
        ["metadata"] = new JsonObject { ["collectionType"] = ErrorType, ["collectionTotal"] = 1 },
        ["resources"] = new JsonArray(new JsonObject
        {
            ["errorMsg"] = e.ErrorMsg,
            ["reasons"] = new JsonArray(new JsonObject
            {
                ["code"] = e.Code, ["message"] = e.Reason, ["status"] = e.Status, ["moreInfo"] = KeyProtectError.MoreInfo,
            }),
        }),
    }, e.Status);

    /// <summary>"+" and other characters as they are ("application/vnd.ibm.kms.key+json", base64), not \u-escaped.</summary>
    private static readonly JsonSerializerOptions Plain = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IResult Json(JsonNode body, int status, string mediaType = "application/json") =>
        Results.Text(body.ToJsonString(Plain), mediaType, System.Text.Encoding.UTF8, status);

    private static IResult Collection(string type, List<JsonNode?> resources, int status) => Json(new JsonObject
    {
        ["metadata"] = new JsonObject { ["collectionType"] = type, ["collectionTotal"] = resources.Count },
        ["resources"] = new JsonArray(resources.ToArray()),
    }, status, CollectionMediaType);

    private static string Date(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A key as Key Protect answers it (never its key material: root keys are not extractable).</summary>
    public static JsonNode Resource(KeyProtectInstance instance, RootKeyView k)
    {
        var r = new JsonObject
        {
            ["type"] = KeyType,
            ["id"] = k.Id,
            ["name"] = k.Name,
        };
        if (k.Description is not null) r["description"] = k.Description;
        r["state"] = (int)k.State;
        r["extractable"] = false;
        r["crn"] = k.Crn;
        r["imported"] = false;
        r["creationDate"] = Date(k.CreationDate);
        r["createdBy"] = instance.CreatedBy(k.Id);
        r["algorithmType"] = "AES";
        r["lastUpdateDate"] = Date(k.LastUpdateDate);
        if (k.LastRotateDate is { } rotated) r["lastRotateDate"] = Date(rotated);
        r["keyVersion"] = new JsonObject { ["id"] = k.CurrentVersion.Id, ["creationDate"] = Date(k.CurrentVersion.CreationDate) };
        r["keyRingID"] = "default";
        r["dualAuthDelete"] = new JsonObject { ["enabled"] = false };
        r["deleted"] = k.Deleted;
        if (k.DeletionDate is { } deleted) r["deletionDate"] = Date(deleted);
        return r;
    }

    /// <summary>The one resource of a create request, checked as Key Protect checks it.</summary>
    private static JsonObject CreateRequest(JsonObject body)
    {
        const string what = "Key could not be created";
        if (body["metadata"] is not JsonObject metadata || metadata.Count == 0) throw KeyProtectError.BadBody(what, "CollectionMetadata is empty");
        if (metadata["collectionType"]?.GetValueKind() != JsonValueKind.String || metadata["collectionType"]!.GetValue<string>() != KeyType)
            throw KeyProtectError.BadBody(what, $"metadata.collectionType must be {KeyType}");
        if (body["resources"] is not JsonArray resources || resources.Count == 0) throw KeyProtectError.BadBody(what, "the body has no resources");
        if (resources.Count > 1) throw KeyProtectError.BadBody(what, "Only creation of one key per request is supported");
        if (metadata["collectionTotal"] is { } total && (total.GetValueKind() != JsonValueKind.Number || total.GetValue<int>() != resources.Count))
            throw new KeyProtectError(400, $"Bad Request: {what}: Please see `reasons` for more details (COLLECTION_TOTAL_MISMATCH_ERR)",
                "COLLECTION_TOTAL_MISMATCH_ERR", "Collection total does not match number of resources");
        if (resources[0] is not JsonObject resource) throw KeyProtectError.BadBody(what, "the resource is not an object");
        if (resource["name"] is { } name && name.GetValueKind() != JsonValueKind.String) throw KeyProtectError.BadBody(what, "name must be a string");
        if (resource["description"] is { } d && d.GetValueKind() != JsonValueKind.String) throw KeyProtectError.BadBody(what, "description must be a string");
        if (resource["extractable"] is { } extractable && extractable.GetValueKind() != JsonValueKind.False)
            throw KeyProtectError.BadBody(what, "this emulator makes root keys only: extractable must be false");
        if (resource["payload"] is not null) throw KeyProtectError.BadBody(what, "this emulator does not import key material (payload): it generates root keys");
        return resource;
    }

    private static async Task<JsonObject?> Body(HttpContext ctx, string what)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw KeyProtectError.BadBody(what, "the body is not a JSON object");
        }
        catch (JsonException e) { throw KeyProtectError.BadBody(what, "the body is not valid JSON: " + e.Message); }
    }

    private static string Text(JsonNode node, string field, string what) =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw KeyProtectError.BadBody(what, $"{field} must be a string");

    private static List<string>? Aad(JsonObject? body, string what)
    {
        if (body?["aad"] is not { } aad) return null;
        if (aad is not JsonArray items) throw KeyProtectError.BadBody(what, "aad must be an array of strings");
        return items.Select(i => i is not null && i.GetValueKind() == JsonValueKind.String ? i.GetValue<string>()
            : throw KeyProtectError.BadBody(what, "aad must be an array of strings")).ToList();
    }

    private static int Number(Microsoft.Extensions.Primitives.StringValues value, string name, int fallback, int min, int max)
    {
        if (value.Count == 0) return fallback;
        return int.TryParse(value[0], out var n) && n >= min && n <= max ? n
            : throw KeyProtectError.BadBody("Keys could not be listed", $"{name} must be a whole number from {min} to {max}, not '{value[0]}'");
    }

    private static bool WantsRepresentation(HttpContext ctx) =>
        ctx.Request.Headers["Prefer"].Any(p => p?.Contains("return=representation", StringComparison.OrdinalIgnoreCase) == true);
}
