using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// IBM Cloud IAM access tokens for the service ID's API key: POST {iam}/identity/token with
/// grant_type=urn:ibm:params:oauth:grant-type:apikey, answered with access_token and expires_in. A token is reused until
/// <see cref="KeyProtectOptions.RefreshTokenAt"/> of its life has passed on the server's clock, then exchanged again.
/// </summary>
internal sealed class IamTokenSource(KeyProtectOptions options, HttpClient http, TimeProvider time, ILogger log)
{
    public const string GrantType = "urn:ibm:params:oauth:grant-type:apikey";
    private readonly SemaphoreSlim _exchange = new(1, 1);
    private volatile Token? _current;

    private sealed record Token(string AccessToken, DateTimeOffset RefreshAt);

    public async ValueTask<string> AccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && time.GetUtcNow() < fresh.RefreshAt) return fresh.AccessToken;
        await _exchange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } other && time.GetUtcNow() < other.RefreshAt) return other.AccessToken;
            _current = await ExchangeAsync(cancellationToken).ConfigureAwait(false);
            return _current.AccessToken;
        }
        finally { _exchange.Release(); }
    }

    /// <summary>Key Protect refused the token (401): the next call exchanges the API key again.</summary>
    public void Forget(string accessToken)
    {
        if (_current?.AccessToken == accessToken) _current = null;
    }

    private async Task<Token> ExchangeAsync(CancellationToken cancellationToken)
    {
        var apiKey = (await File.ReadAllTextAsync(options.ApiKeyFile, cancellationToken).ConfigureAwait(false)).Trim();
        var url = new Uri(options.IamUrl.AbsoluteUri.TrimEnd('/') + "/identity/token");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent([new("grant_type", GrantType), new("apikey", apiKey)]),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        string body;
        int status;
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"IAM ({url}) gave no access token within {options.RequestTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw Unavailable($"IAM ({url}) could not be reached: {ex.Message}");
        }
        if (status is 429 or >= 500)
            throw Unavailable($"IAM answered {status} {KeyProtectClient.StatusName(status)} to the exchange of the API key for an access token");
        if (status is < 200 or > 299)
        {
            log.LogError("IAM answered {Status} to the API key exchange: {Body}", status, KeyProtectClient.Excerpt(body));
            throw new RootKeyUnavailableException(
                $"IAM answered {status} {KeyProtectClient.StatusName(status)} to the exchange of the API key in {options.ApiKeyFile} for an access token",
                status is 400 or 401 or 403 ? ResultReason.PermissionDenied : ResultReason.GeneralFailure);
        }
        string accessToken;
        long expiresIn;
        try
        {
            using var json = JsonDocument.Parse(body);
            accessToken = json.RootElement.GetProperty("access_token").GetString() ?? throw new FormatException("access_token is null");
            expiresIn = json.RootElement.GetProperty("expires_in").GetInt64();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw Unavailable($"IAM's answer holds no access_token and expires_in: {ex.Message}");
        }
        var now = time.GetUtcNow();
        var refreshAt = now + TimeSpan.FromSeconds(Math.Max(0, expiresIn) * options.RefreshTokenAt);
        log.LogInformation("IAM issued an access token for Key Protect, valid {Seconds} s; refreshed from {RefreshAt:O}", expiresIn, refreshAt);
        return new Token(accessToken, refreshAt);
    }

    private static IamUnavailableException Unavailable(string message) => new(message);
}

/// <summary>IAM did not issue a token this time (a timeout, a dropped connection, 429 or 5xx): retried like Key Protect's own such answers.</summary>
internal sealed class IamUnavailableException(string message) : RootKeyUnavailableException(message, ResultReason.GeneralFailure);
