using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Harness.Simulator.Web;

/// <summary>
/// Reads a KMS cluster's keys (GET /objects) and allowed client certificates (GET /clients) from its KMS admin API, as a
/// KMS administrator sees them. Each client gets "inEffect": whether its "trustedFrom" has come on the simulation's clock.
/// </summary>
internal sealed class KmsAdminReader : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<KmsClusterView> FillAsync(KmsClusterView view, KmsClusterInstance kms, DateTimeOffset now, CancellationToken ct)
    {
        if (kms.AdminAccess is not var (url, token))
            return view with { AdminError = kms.Nodes.Count > 0 ? "no node of the KMS cluster is running" : "the KMS has no admin interface" };
        try
        {
            var keys = await GetArrayAsync(url, "objects", token, ct);
            var clients = await GetArrayAsync(url, "clients", token, ct);
            foreach (var c in clients.OfType<JsonObject>())
            {
                var from = c["trustedFrom"]?.GetValue<DateTimeOffset?>();
                bool allowed = c["allowed"]?.GetValue<bool>() ?? false;
                c["inEffect"] = allowed && from is { } f && f <= now;
            }
            return view with { Keys = keys, Clients = clients };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or FormatException)
        {
            return view with { AdminError = $"the KMS admin API at {url} did not answer: {ex.Message}" };
        }
    }

    private async Task<JsonArray> GetArrayAsync(Uri adminUrl, string path, string token, CancellationToken ct)
    {
        var baseUrl = adminUrl.AbsoluteUri.EndsWith('/') ? adminUrl.AbsoluteUri : adminUrl.AbsoluteUri + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET /{path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body) as JsonArray ?? throw new JsonException($"GET /{path} did not answer a JSON array");
    }

    public void Dispose() => _http.Dispose();
}
