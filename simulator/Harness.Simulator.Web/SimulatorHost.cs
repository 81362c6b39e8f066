using System.Net;
using System.Text.Json;
using Harness.Steps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness.Simulator.Web;

/// <summary>
/// The simulator's REST API (README "Simulator REST API") around a <see cref="VsphereDriver"/>, which owns the simulation
/// and the KMS clusters. The host does not own the driver: dispose the host, then the driver.
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

    private SimulatorHost(VsphereDriver site, WebApplication app, StreamHub hub, KmsAdminReader admin)
    {
        Site = site;
        _app = app;
        Hub = hub;
        Admin = admin;
        // A vCenter can be added behind the API's back (by code using the driver): subscribe to it soon after.
        _watcher = new Timer(_ => hub.Sync(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>JSON as the API writes it: camelCase, ISO 8601 times.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Plain quotes and non-ASCII in JSON strings (the API's JSON never lands in HTML unescaped).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public VsphereDriver Site { get; }
    public Simulation Simulation => Site.Simulation;

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
            await Simulation.AdvanceAsync(by);
            Hub.Sync();
        }
        finally { Gate.Release(); }
    }

    /// <summary>Starts the API on 127.0.0.1, a free port.</summary>
    public static Task<SimulatorHost> StartAsync(VsphereDriver site) => StartAsync(site, new IPEndPoint(IPAddress.Loopback, 0));

    /// <summary>Starts the API on a loopback endpoint (port 0: a free port; see <see cref="Url"/>).</summary>
    public static async Task<SimulatorHost> StartAsync(VsphereDriver site, IPEndPoint endpoint, ILoggerFactory? logs = null)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!IPAddress.IsLoopback(endpoint.Address))
            throw new ArgumentException($"the simulator API listens on loopback only (it has no authentication), not on {endpoint.Address}", nameof(endpoint));

        var builder = WebApplication.CreateSlimBuilder();
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
        SimulatorApi.Map(app, host);
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

    /// <summary>The dashboard: one self-contained page at GET / that reads /api and listens to /api/stream.</summary>
    private static void MapDashboard(WebApplication app)
    {
        byte[] page;
        using (var stream = typeof(SimulatorHost).Assembly.GetManifestResourceStream(DashboardResource)
                            ?? throw new InvalidOperationException($"the dashboard page {DashboardResource} is not embedded"))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            page = copy.ToArray();
        }
        app.MapGet("/", (HttpContext ctx) =>
        {
            ctx.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(page, "text/html; charset=utf-8");
        });
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Stops the API (ending the live streams); the driver and its simulation stay as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _watcher.DisposeAsync();
        _stopping.Cancel();
        Hub.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Admin.Dispose();
        _stopping.Dispose();
    }
}
