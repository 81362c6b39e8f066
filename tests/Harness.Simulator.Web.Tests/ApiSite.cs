using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Harness.Runbooks;
using Harness.Simulator.Web;
using Harness.Steps;

namespace Harness.Simulator.Web.Tests;

/// <summary>A preset site with its REST API, and an HTTP client for it: real KMS, real relays, real HTTP.</summary>
internal sealed class ApiSite : IAsyncDisposable
{
    private ApiSite(SimulatedSite driver, SimulatorHost host, PresetSummary preset)
    {
        Driver = driver;
        Host = host;
        Preset = preset;
        Http = new HttpClient { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public SimulatedSite Driver { get; }
    public SimulatorHost Host { get; }
    public PresetSummary Preset { get; }
    public HttpClient Http { get; }

    /// <summary>The repository's features/ folder (the one holding features/vsphere), as the player finds it.</summary>
    public static string FeaturesFolder { get; } = FeatureRunbooks.FindFeaturesFolder()
        ?? throw new DirectoryNotFoundException($"no features/vsphere folder above {AppContext.BaseDirectory}");

    /// <param name="runbooks">The features folder the runbook player offers (default: the repository's, <see cref="FeaturesFolder"/>).</param>
    /// <param name="keyProtect">the KMS keeps its root key in Key Protect (the emulator), as `./harness demo --keyprotect` does.</param>
    public static async Task<ApiSite> StartAsync(int clusters = 1, int hostsPerCluster = 2, int vmsPerHost = 3, double encryptedShare = 0.3,
        string? runbooks = null, bool keyProtect = false)
    {
        var driver = new SimulatedSite();
        try
        {
            if (keyProtect)
            {
                await driver.AddKmsClusterAsync(PresetInventory.KmsClusterName, 2);
                driver.KeyProtect = await Harness.Simulator.Web.KeyProtect.SiteKeyProtect.StartAsync(driver.Clock);
                await driver.Actions.KeepRootKeyInKeyProtectAsync(driver.Kms(PresetInventory.KmsClusterName));
            }
            var preset = await PresetInventory.BuildAsync(driver, clusters, hostsPerCluster, vmsPerHost, encryptedShare);
            var host = await SimulatorHost.StartAsync(driver, runbooks: new FeatureRunbooks(runbooks ?? FeaturesFolder));
            return new ApiSite(driver, host, preset);
        }
        catch
        {
            await driver.DisposeAsync();
            throw;
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.IsSuccessStatusCode.Should().BeTrue($"GET {path} should succeed, but answered {(int)response.StatusCode}: {body}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<JsonElement> PostAsync(string path, object? body = null)
    {
        var (status, json, _) = await SendAsync(HttpMethod.Post, path, body is null ? null : JsonSerializer.Serialize(body));
        ((int)status).Should().BeInRange(200, 299, $"POST {path} should succeed, but answered {(int)status}: {json}");
        return json;
    }

    /// <summary>Any request; answers the status, the parsed body and its media type.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body, string? MediaType)> SendAsync(HttpMethod method, string path, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (rawBody is not null) request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json, response.Content.Headers.ContentType?.MediaType);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        await Driver.DisposeAsync();
    }
}

internal static class JsonExtensions
{
    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;

    public static IEnumerable<JsonElement> Items(this JsonElement e) => e.EnumerateArray();

    public static IEnumerable<JsonElement> Items(this JsonElement e, string property) => e.GetProperty(property).EnumerateArray();

    public static JsonElement Vm(this JsonElement hostView, string name) => hostView.Items("vms").Single(v => v.Str("name") == name);
}
