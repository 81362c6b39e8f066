using System.Net.Http.Headers;
using System.Text.Json;

namespace Harness.Simulator.KmsAdministration;

/// <summary>
/// The Harness KMS admin interface (HTTP, bearer token): what a KMS administrator does to keys that KMIP clients cannot.
/// Errors come back as application/problem+json; their detail is what a failed step reports.
/// </summary>
public sealed class KmsAdministrator : IKmsAdministration, IDisposable
{
    private readonly HttpClient _http;

    public KmsAdministrator(Uri adminUrl, string? token)
    {
        var baseUrl = adminUrl.AbsoluteUri.EndsWith('/') ? adminUrl : new Uri(adminUrl.AbsoluteUri + "/");
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(20) };
        if (token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Url => _http.BaseAddress!;

    /// <summary>The KMS stops serving the key: Get answers Permission Denied.</summary>
    public Task<JsonElement> DeactivateAsync(string uniqueIdentifier) => ActAsync(uniqueIdentifier, "deactivate");

    /// <summary>A deactivated or compromised key becomes Active again.</summary>
    public Task<JsonElement> ReactivateAsync(string uniqueIdentifier) => ActAsync(uniqueIdentifier, "reactivate");

    /// <summary>Destroys the key for clients; the KMS keeps its material so that it can be restored.</summary>
    public Task<JsonElement> DestroyAsync(string uniqueIdentifier) => ActAsync(uniqueIdentifier, "destroy");

    public Task<JsonElement> RestoreAsync(string uniqueIdentifier) => ActAsync(uniqueIdentifier, "restore");

    /// <summary>
    /// Deletes the KMS's root key (seed 002: deleting the customer root key): every stored key's material is gone, so
    /// KMIP Get fails for every key from now on (crypto-shredding). POST /root-key/delete.
    /// </summary>
    public async Task<JsonElement> DeleteRootKeyAsync()
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "root-key/delete")).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.IsSuccessStatusCode && string.IsNullOrWhiteSpace(body)) return default;
        using var again = new HttpResponseMessage(response.StatusCode) { ReasonPhrase = response.ReasonPhrase, Content = new StringContent(body) };
        return await ReadAsync(again, "POST /root-key/delete").ConfigureAwait(false);
    }

    /// <summary>The administrator's view of an object: id, objectType, state, ownerSubject, name, customAttributes, ...</summary>
    public async Task<JsonElement> GetObjectAsync(string uniqueIdentifier)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"objects/{Uri.EscapeDataString(uniqueIdentifier)}")).ConfigureAwait(false);
        return await ReadAsync(response, $"GET /objects/{uniqueIdentifier}").ConfigureAwait(false);
    }

    /// <summary>Allows a client certificate (PEM) on the KMS; it is trusted once the KMS's delay has passed.</summary>
    /// <param name="actsAsSha1">Make the certificate use the keys of this known client (the same tenant).</param>
    public async Task<JsonElement> AllowClientAsync(string certificatePem, string? actsAsSha1 = null)
    {
        var path = actsAsSha1 is null ? "clients" : $"clients?actsAs={Uri.EscapeDataString(actsAsSha1)}";
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(certificatePem) }).ConfigureAwait(false);
        return await ReadAsync(response, "POST /clients").ConfigureAwait(false);
    }

    /// <summary>The objects the KMS holds (GET /objects), or those a client owns (GET /objects?owner=SHA1), oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> ObjectsAsync(string? ownerSha1 = null)
    {
        var path = ownerSha1 is null ? "objects" : $"objects?owner={Uri.EscapeDataString(ownerSha1)}";
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path)).ConfigureAwait(false);
        return (await ReadAsync(response, $"GET /{path}").ConfigureAwait(false)).EnumerateArray().ToList();
    }

    /// <summary>The KMS stops trusting a client certificate (POST /clients/{sha1}/revoke): its handshakes are refused.</summary>
    public async Task<JsonElement> RevokeClientAsync(string clientSha1)
    {
        var path = $"clients/{Uri.EscapeDataString(clientSha1)}/revoke";
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path)).ConfigureAwait(false);
        return await ReadAsync(response, $"POST /{path}").ConfigureAwait(false);
    }

    private async Task<JsonElement> ActAsync(string uniqueIdentifier, string action)
    {
        var path = $"objects/{Uri.EscapeDataString(uniqueIdentifier)}/{action}";
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path)).ConfigureAwait(false);
        return await ReadAsync(response, $"POST /{path}").ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        try { return await _http.SendAsync(request).ConfigureAwait(false); }
        catch (HttpRequestException ex)
        {
            throw new KmsAdministrationException($"the KMS admin interface at {Url} cannot be reached: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex)
        {
            throw new KmsAdministrationException($"the KMS admin interface at {Url} did not answer within {_http.Timeout.TotalSeconds:0} s", ex);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new KmsAdministrationException($"{what} answered {(int)response.StatusCode} {response.ReasonPhrase}: {ProblemText(body)}")
            {
                Status = response.StatusCode,
            };
        try { return JsonDocument.Parse(body).RootElement.Clone(); }
        catch (JsonException ex) { throw new KmsAdministrationException($"{what} answered with a body that is not JSON: {ex.Message}", ex); }
    }

    /// <summary>"title: detail" of a problem+json body, or the body itself.</summary>
    private static string ProblemText(string body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (title is not null || detail is not null) return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException) { /* not problem+json */ }
        return string.IsNullOrWhiteSpace(body) ? "(no body)" : body.Trim();
    }

    async Task<JsonElement?> IKmsAdministration.DeactivateAsync(string keyId) => await DeactivateAsync(keyId).ConfigureAwait(false);
    async Task<JsonElement?> IKmsAdministration.ReactivateAsync(string keyId) => await ReactivateAsync(keyId).ConfigureAwait(false);
    async Task<JsonElement?> IKmsAdministration.DestroyAsync(string keyId) => await DestroyAsync(keyId).ConfigureAwait(false);
    async Task<JsonElement?> IKmsAdministration.RestoreAsync(string keyId) => await RestoreAsync(keyId).ConfigureAwait(false);
    async Task<JsonElement?> IKmsAdministration.DeleteRootKeyAsync() => await DeleteRootKeyAsync().ConfigureAwait(false);

    public async Task<string> KeyStateAsync(string keyId) => (await GetObjectAsync(keyId).ConfigureAwait(false)).GetProperty("state").GetString() ?? "";

    public void Dispose() => _http.Dispose();
}

/// <summary>The admin interface refused a request or could not be reached.</summary>
public sealed class KmsAdministrationException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The admin interface's HTTP status when it answered with an error; null when it could not be reached (or the refusal came from elsewhere).</summary>
    public System.Net.HttpStatusCode? Status { get; init; }
}
