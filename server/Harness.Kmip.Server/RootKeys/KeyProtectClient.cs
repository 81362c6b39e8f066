using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// Key Protect's key actions on the customer root key (IBM Key Protect API v2, "Wrap a key" and "Unwrap a key"):
/// <c>POST {url}/api/v2/keys/{id}/actions/wrap</c> with <c>{"plaintext": base64, "aad": [..]}</c>, answered
/// <c>{"ciphertext": .., "keyVersion": {"id": ..}}</c>; <c>…/actions/unwrap</c> with <c>{"ciphertext": .., "aad": [..]}</c>,
/// answered <c>{"plaintext": ..}</c>. Every call carries <c>Authorization: Bearer</c> an IAM token and
/// <c>bluemix-instance</c>. Answers: 401 → a fresh token, once; 409/422 (key disabled or suspended) and 404/410 (key
/// deleted) are final; 429, 5xx, timeouts and dropped connections (of Key Protect, or of IAM for the token) are retried
/// with backoff, a bounded number of times.
/// </summary>
internal sealed class KeyProtectClient : IDisposable
{
    public const string KeyActionMediaType = "application/vnd.ibm.kms.key_action+json";
    private readonly KeyProtectOptions _options;
    private readonly HttpClient _http;
    private readonly IamTokenSource _iam;
    private readonly ILogger _log;

    public KeyProtectClient(KeyProtectOptions options, TimeProvider time, ILogger log, HttpMessageHandler? handler = null)
    {
        _options = options;
        _log = log;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }) { Timeout = Timeout.InfiniteTimeSpan }; // each call has its own bound (RequestTimeout)
        _iam = new IamTokenSource(options, _http, time, log);
    }

    private string KeyUrl(string action) =>
        $"{_options.Url.AbsoluteUri.TrimEnd('/')}/api/v2/keys/{Uri.EscapeDataString(_options.RootKeyId)}/actions/{action}";

    /// <summary>Wraps a data key; returns Key Protect's ciphertext (opaque, kept in the sealed blob) and the root key version that wrapped it.</summary>
    public async Task<(string Ciphertext, string? KeyVersion)> WrapAsync(byte[] dataKey, string associatedData, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["plaintext"] = Convert.ToBase64String(dataKey), ["aad"] = new JsonArray(associatedData) };
        using var answer = await ActAsync("wrap", body, cancellationToken).ConfigureAwait(false);
        var root = answer.RootElement;
        var ciphertext = root.TryGetProperty("ciphertext", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : throw Malformed("wrap", "ciphertext");
        string? version = root.TryGetProperty("keyVersion", out var v) && v.ValueKind == JsonValueKind.Object && v.TryGetProperty("id", out var id) ? id.GetString() : null;
        return (ciphertext, version);
    }

    /// <summary>Unwraps a data key Key Protect wrapped (with the same associated data).</summary>
    public async Task<byte[]> UnwrapAsync(string ciphertext, string associatedData, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["ciphertext"] = ciphertext, ["aad"] = new JsonArray(associatedData) };
        using var answer = await ActAsync("unwrap", body, cancellationToken).ConfigureAwait(false);
        if (!answer.RootElement.TryGetProperty("plaintext", out var p) || p.ValueKind != JsonValueKind.String) throw Malformed("unwrap", "plaintext");
        try { return Convert.FromBase64String(p.GetString()!); }
        catch (FormatException) { throw Malformed("unwrap", "plaintext (base64)"); }
    }

    private RootKeyUnavailableException Malformed(string action, string field) =>
        new($"Key Protect's answer to {action} with root key {_options.RootKeyId} holds no {field}", ResultReason.GeneralFailure);

    private async Task<JsonDocument> ActAsync(string action, JsonObject body, CancellationToken cancellationToken)
    {
        var url = KeyUrl(action);
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        bool tokenRefreshed = false;
        string? lastFailure = null;
        for (int attempt = 1; attempt <= _options.Attempts; attempt++)
        {
            string token;
            try { token = await _iam.AccessTokenAsync(cancellationToken).ConfigureAwait(false); }
            catch (IamUnavailableException ex)
            {
                lastFailure = ex.Message;
                await BackOffAsync(action, attempt, lastFailure, cancellationToken).ConfigureAwait(false);
                continue;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(KeyActionMediaType);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("bluemix-instance", _options.InstanceId);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            int status;
            string text;
            try
            {
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastFailure = $"no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms";
                await BackOffAsync(action, attempt, lastFailure, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                lastFailure = $"the connection failed ({ex.Message})";
                await BackOffAsync(action, attempt, lastFailure, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (status is >= 200 and <= 299)
            {
                _log.LogDebug("Key Protect answered {Status} to {Action} with root key {RootKey}", status, action, _options.RootKeyId);
                try { return JsonDocument.Parse(text); }
                catch (JsonException)
                {
                    // A body cut short (the connection dropped mid-answer) is a transport failure like a reset: retried.
                    lastFailure = $"it answered {status} with a body that is not JSON ({text.Length} characters; cut short?)";
                    await BackOffAsync(action, attempt, lastFailure, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            var answer = $"{status} {StatusName(status)}{Reasons(text)}";
            switch (status)
            {
                case 401 when !tokenRefreshed:
                    _log.LogWarning("Key Protect answered {Answer} to {Action} with root key {RootKey}: exchanging the API key for a fresh IAM token, once", answer, action, _options.RootKeyId);
                    _iam.Forget(token);
                    tokenRefreshed = true;
                    attempt--; // a refused token is not one of the bounded retries
                    continue;
                case 401 or 403:
                    _log.LogError("Key Protect answered {Answer} to {Action} with root key {RootKey}", answer, action, _options.RootKeyId);
                    throw new RootKeyUnavailableException(
                        $"Key Protect answered {answer} to {action} with root key {_options.RootKeyId} (instance {_options.InstanceId})" +
                        (status == 401 ? ", also with a fresh IAM token" : ": the service ID lacks access to the key"), ResultReason.PermissionDenied);
                case 409 or 422:
                    _log.LogError("Key Protect answered {Answer} to {Action}: root key {RootKey} is disabled or suspended", answer, action, _options.RootKeyId);
                    throw new RootKeyUnavailableException(
                        $"Key Protect answered {answer} to {action}: root key {_options.RootKeyId} (instance {_options.InstanceId}) is disabled or suspended",
                        ResultReason.PermissionDenied);
                case 404 or 410:
                    _log.LogError("Key Protect answered {Answer} to {Action}: root key {RootKey} is deleted; every key it protected is crypto-shredded", answer, action, _options.RootKeyId);
                    throw new RootKeyDeletedException(
                        $"Key Protect answered {answer} to {action}: root key {_options.RootKeyId} (instance {_options.InstanceId}) is deleted, so every key it protected is crypto-shredded");
                case 429 or >= 500:
                    lastFailure = $"it answered {answer}";
                    await BackOffAsync(action, attempt, lastFailure, cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    _log.LogError("Key Protect answered {Answer} to {Action} with root key {RootKey}", answer, action, _options.RootKeyId);
                    throw new RootKeyUnavailableException($"Key Protect answered {answer} to {action} with root key {_options.RootKeyId}", ResultReason.GeneralFailure);
            }
        }
        throw new RootKeyUnavailableException(
            $"Key Protect did not {action} with root key {_options.RootKeyId} after {_options.Attempts} attempts: {lastFailure}", ResultReason.GeneralFailure);
    }

    /// <summary>Logs a failed attempt and, unless it was the last, waits the backoff before the next (<see cref="KeyProtectOptions.BackoffBefore"/>).</summary>
    private Task BackOffAsync(string action, int attempt, string failure, CancellationToken cancellationToken)
    {
        if (attempt >= _options.Attempts)
        {
            _log.LogError("Key Protect {Action} with root key {RootKey}, attempt {Attempt} of {Attempts}: {Failure}; giving up", action, _options.RootKeyId, attempt, _options.Attempts, failure);
            return Task.CompletedTask;
        }
        var wait = _options.BackoffBefore(attempt);
        _log.LogWarning("Key Protect {Action} with root key {RootKey}, attempt {Attempt} of {Attempts}: {Failure}; retrying in {Wait} ms",
            action, _options.RootKeyId, attempt, _options.Attempts, failure, (int)wait.TotalMilliseconds);
        return _options.Wait is { } recorded ? recorded(wait, cancellationToken) : Task.Delay(wait, cancellationToken);
    }

    /// <summary>Key Protect's error body (collectionType application/vnd.ibm.kms.error+json): its errorMsg and reason codes, for the log and the error.</summary>
    private static string Reasons(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array || resources.GetArrayLength() == 0) return "";
            var first = resources[0];
            var parts = new List<string>();
            if (first.TryGetProperty("errorMsg", out var msg) && msg.ValueKind == JsonValueKind.String) parts.Add(msg.GetString()!);
            if (first.TryGetProperty("reasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array)
                foreach (var r in reasons.EnumerateArray())
                    if (r.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String) parts.Add(code.GetString()!);
            return parts.Count == 0 ? "" : $" ({Excerpt(string.Join(", ", parts))})";
        }
        catch (JsonException) { return ""; }
    }

    internal static string StatusName(int status) => status switch
    {
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        _ => Enum.IsDefined((HttpStatusCode)status) ? SplitWords(((HttpStatusCode)status).ToString()) : "",
    };

    private static string SplitWords(string name) => string.Concat(name.Select((ch, i) => i > 0 && char.IsUpper(ch) ? " " + ch : ch.ToString()));

    internal static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public void Dispose() => _http.Dispose();
}
