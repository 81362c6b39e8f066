using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness.Simulator.Web.KeyProtect;

/// <summary>How a <see cref="KeyProtectEmulator"/> starts.</summary>
public sealed record KeyProtectEmulatorOptions
{
    /// <summary>The API keys IAM exchanges for tokens (at least one).</summary>
    public required IReadOnlyList<string> ApiKeys { get; init; }

    /// <summary>Where it listens (port 0: a free port). Default 127.0.0.1:0.</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The TLS server certificate (with its key), e.g. the site PKI's server.crt/server.key; null: plain HTTP.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The clock tokens expire by: the simulation's <see cref="SimClock"/> in tests, real time by default.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long an IAM access token is good for (IAM's default: one hour).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The service instance ID clients send in bluemix-instance (default: a new UUID).</summary>
    public string InstanceId { get; init; } = Guid.NewGuid().ToString();

    public string Region { get; init; } = "us-south";

    /// <summary>The account in the keys' CRNs.</summary>
    public string AccountId { get; init; } = "harness0000000000000000000000000";

    public ILoggerFactory? Logs { get; init; }
}

/// <summary>
/// An emulated IBM Key Protect service instance with IAM's token endpoint, speaking Key Protect's REST API v2 over real
/// HTTP(S) so that IBM's own clients (the @ibm-cloud/ibm-key-protect SDK with its IamAuthenticator) work against it.
/// Root keys are real AES-256 key material; wrap is AES-256-GCM. The same keys are driven from C#
/// (<see cref="Disable"/>, <see cref="Enable"/>, <see cref="Rotate"/>, <see cref="Delete"/>) for scenarios and the demo,
/// and read with <see cref="RootKeys"/> for the dashboard.
/// </summary>
public sealed class KeyProtectEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private KeyProtectEmulator(WebApplication app, KeyProtectInstance instance, IamTokens iam)
    {
        _app = app;
        Instance = instance;
        Iam = iam;
    }

    /// <summary>The service instance: its ID, root keys and the actions on them.</summary>
    public KeyProtectInstance Instance { get; }

    internal IamTokens Iam { get; }

    /// <summary>The value of the bluemix-instance header.</summary>
    public string InstanceId => Instance.InstanceId;

    /// <summary>The Key Protect service URL (the SDK's serviceUrl), e.g. https://127.0.0.1:41234/.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>IAM's URL (the IamAuthenticator's url; tokens are at POST {IamUrl}identity/token). The same host as <see cref="Url"/>.</summary>
    public Uri IamUrl => Url;

    public IPEndPoint Endpoint { get; private set; } = null!;

    public bool Https { get; private set; }

    /// <summary>Starts the emulator (Kestrel) on the options' endpoint.</summary>
    public static async Task<KeyProtectEmulator> StartAsync(KeyProtectEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Guid.TryParse(options.InstanceId, out _))
            throw new ArgumentException($"the instance ID must be a UUID, not '{options.InstanceId}'", nameof(options));
        var iam = new IamTokens(options.ApiKeys, options.Time, options.TokenLifetime);
        var instance = new KeyProtectInstance(options.InstanceId.ToLowerInvariant(), options.Region, options.AccountId, options.Time);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [SimulatorHost.NoConfigReload] });
        builder.Logging.ClearProviders();
        if (options.Logs is not null) builder.Services.AddSingleton(options.Logs);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var certificate = options.Certificate;
        builder.WebHost.UseKestrel(k => k.Listen(options.Endpoint, l =>
        {
            if (certificate is not null) l.UseHttps(certificate);
        }));
        var app = builder.Build();
        var emulator = new KeyProtectEmulator(app, instance, iam);
        KeyProtectApi.Map(app, emulator);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
        var bound = new Uri(app.Urls.First());
        emulator.Endpoint = new IPEndPoint(IPAddress.Parse(bound.Host.Trim('[', ']')), bound.Port);
        emulator.Https = certificate is not null;
        // Clients name the host by the address it listens on (the test PKI's server certificate has SAN 127.0.0.1 and localhost).
        emulator.Url = new Uri($"{(emulator.Https ? "https" : "http")}://{bound.Authority}/");
        return emulator;
    }

    /// <summary>Every root key with its state and versions (deleted ones with state Destroyed), oldest first.</summary>
    public IReadOnlyList<RootKeyView> RootKeys => Instance.RootKeys;

    /// <summary>A root key by ID (404 KEY_NOT_FOUND_ERR as <see cref="KeyProtectError"/> when there is none).</summary>
    public RootKeyView Key(string id) => Instance.Get(id);

    /// <summary>Creates a root key, as POST /api/v2/keys with extractable false does.</summary>
    public RootKeyView CreateRootKey(string name, string? description = null) => Instance.CreateRootKey(name, description);

    /// <summary>Disables the key (state 2, Suspended): wrap and unwrap answer 409 KEY_ACTION_INVALID_STATE_ERR.</summary>
    /// <exception cref="KeyProtectError">the key is not Active (409), deleted (410) or unknown (404).</exception>
    public RootKeyView Disable(string id) => Instance.Disable(id);

    /// <summary>Enables a disabled key (back to 1, Active).</summary>
    public RootKeyView Enable(string id) => Instance.Enable(id);

    /// <summary>Rotates the key: a new version for new wraps; older ciphertexts still unwrap (with a rewrappedKey).</summary>
    public RootKeyView Rotate(string id) => Instance.Rotate(id);

    /// <summary>Deletes the key (state 5, Destroyed; its key material erased): every action answers 410 KEY_DELETED_ERR.</summary>
    public RootKeyView Delete(string id) => Instance.Delete(id);

    /// <summary>The routes it answers (for --help and the CLI's banner).</summary>
    public static IReadOnlyList<string> Endpoints => KeyProtectApi.Endpoints;

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        Iam.Dispose();
    }
}
