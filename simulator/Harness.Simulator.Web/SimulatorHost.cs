using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness.Simulator.Web;

/// <summary>
/// The simulator's REST API (README "Simulator REST API") around a <see cref="SimulatedSite"/>, which owns the simulation
/// and the KMS clusters. The host does not own the site: dispose the host, then the site.
/// </summary>
/// <remarks>
/// The simulation is not thread-safe, so requests that read or change it take turns (one gate); the live stream
/// (/api/stream) does not hold the gate. Listens on loopback only: the API has no authentication.
/// </remarks>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Timer _watcher;
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    private SimulatorHost(SimulatedSite site, WebApplication app, StreamHub hub, KmsAdminReader admin)
    {
        Site = site;
        HomeSite = site;
        _app = app;
        Hub = hub;
        Admin = admin;
        // A vCenter can be added behind the API's back (by code using the site): subscribe to it soon after.
        _watcher = new Timer(_ => hub.Sync(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>JSON as the API writes it: camelCase, ISO 8601 times.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Plain quotes and non-ASCII in JSON strings (the API's JSON never lands in HTML unescaped).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The site the API and the dashboard show now: the home site, or a runbook's site while the player runs one.</summary>
    public SimulatedSite Site { get; private set; }

    /// <summary>The site the host was started with (the demo's preset site).</summary>
    public SimulatedSite HomeSite { get; }

    public Simulation Simulation => Site.Simulation;

    /// <summary>Counts the switches of <see cref="Site"/>: the stream's "ready" and "site" messages carry it, so a page
    /// knows that event keys start again.</summary>
    public int SiteGeneration { get; private set; }

    /// <summary>The runbook player (GET/POST /api/player, /api/runbooks).</summary>
    public RunbookPlayer Player { get; private set; } = null!;

    /// <summary>
    /// Shows another site through the API and the stream (the player's scenario site, or back to <see cref="HomeSite"/>);
    /// subscribers get a "site" message and should read everything again. The caller holds the gate.
    /// </summary>
    internal void ShowLocked(SimulatedSite site, string why)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (ReferenceEquals(site, Site)) return;
        Site = site;
        SiteGeneration++;
        Hub.Retarget(site.Simulation);
        Hub.Publish("site", null, new { generation = SiteGeneration, home = ReferenceEquals(site, HomeSite), why });
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234/ (the API is under /api).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The live changes /api/stream sends (subscribe to hear them in-process too).</summary>
    public StreamHub Hub { get; }
    internal KmsAdminReader Admin { get; }
    internal SemaphoreSlim Gate { get; } = new(1, 1);
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Time passes on the simulation (<see cref="Simulation.AdvanceAsync"/>: the clock, certificate checks, vSAN
    /// retries), taking its turn with the API's requests: what the demo's real-time clock calls.
    /// </summary>
    public async Task AdvanceClockAsync(TimeSpan by, CancellationToken ct = default)
    {
        await Gate.WaitAsync(ct);
        try
        {
            // Real time moves the home site only: a runbook's site keeps the scenario's own clock ("<n> minutes pass").
            await HomeSite.Simulation.AdvanceAsync(by);
            if (ReferenceEquals(Site, HomeSite)) Hub.Sync();
        }
        finally { Gate.Release(); }
    }

    /// <summary>Starts the API on 127.0.0.1, a free port.</summary>
    /// <summary>
    /// The web hosts are configured in code: they must not watch appsettings.json for changes, which on Linux puts an
    /// inotify watch on every folder below the current directory (hundreds of milliseconds per start, more in a large folder).
    /// </summary>
    internal const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static Task<SimulatorHost> StartAsync(SimulatedSite site, IRunbookLibrary? runbooks = null) =>
        StartAsync(site, new IPEndPoint(IPAddress.Loopback, 0), runbooks: runbooks);

    /// <summary>Starts the API on a loopback endpoint (port 0: a free port; see <see cref="Url"/>).</summary>
    /// <param name="runbooks">The runbooks the player offers (features/Harness.Runbooks has them; null: none).</param>
    public static async Task<SimulatorHost> StartAsync(SimulatedSite site, IPEndPoint endpoint, ILoggerFactory? logs = null, IRunbookLibrary? runbooks = null)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!IPAddress.IsLoopback(endpoint.Address))
            throw new ArgumentException($"the simulator API listens on loopback only (it has no authentication), not on {endpoint.Address}", nameof(endpoint));

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload] });
        builder.Logging.ClearProviders();
        if (logs is not null) builder.Services.AddSingleton(logs);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Json.PropertyNamingPolicy;
            o.SerializerOptions.Encoder = Json.Encoder;
            o.SerializerOptions.WriteIndented = false;
        });
        // The caller decides when to stop, not the web host: no console lifetime grabbing SIGTERM/Ctrl-C.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrel(k => k.Listen(endpoint));
        var app = builder.Build();

        var host = new SimulatorHost(site, app, new StreamHub(site.Simulation, Json), new KmsAdminReader());
        host.Player = new RunbookPlayer(host, runbooks);
        SimulatorApi.Map(app, host);
        RunbookPlayer.Map(app, host);
        ManagedObjectBrowser.Map(app, host);
        MapDashboard(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        host.Url = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return host;
    }

    /// <summary>The dashboard's embedded page (HTML, inline CSS and script; no build tool chain).</summary>
    public const string DashboardResource = "Harness.Simulator.Web.Dashboard.index.html";

    private const string DashboardPrefix = "Harness.Simulator.Web.Dashboard.";

    /// <summary>
    /// The dashboard: the page at GET / and its scripts and style sheet at GET /dashboard/{file}, all embedded in this
    /// assembly (plain HTML, CSS and JavaScript: no front-end tool chain).
    /// </summary>
    private static void MapDashboard(WebApplication app)
    {
        var files = new Dictionary<string, (byte[] Bytes, string Type)>(StringComparer.Ordinal);
        var assembly = typeof(SimulatorHost).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(DashboardPrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name[DashboardPrefix.Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[file] = (copy.ToArray(), type);
        }
        if (!files.ContainsKey("index.html"))
            throw new InvalidOperationException($"the dashboard page {DashboardResource} is not embedded");

        IResult Serve(HttpContext ctx, string file)
        {
            if (!files.TryGetValue(file, out var f))
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "no such dashboard file",
                    detail: $"the dashboard has no file \"{file}\" (it has: {string.Join(", ", files.Keys.Order(StringComparer.Ordinal))})");
            ctx.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(f.Bytes, f.Type);
        }
        app.MapGet("/", (HttpContext ctx) => Serve(ctx, "index.html"));
        app.MapGet("/dashboard/{file}", (HttpContext ctx, string file) => Serve(ctx, file));
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Stops the API (ending the live streams); the site and its simulation stay as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _watcher.DisposeAsync();
        await Player.DisposeAsync();
        _stopping.Cancel();
        Hub.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Admin.Dispose();
        _stopping.Dispose();
    }
}
