using System.Net;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Server.Objects;
using Harness.Kmip.Server.Operations;
using Harness.Kmip.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.Admin;

/// <summary>
/// The KMS administrator's interface (HTTP on loopback, bearer token): what an administrator does that KMIP cannot.
/// <list type="bullet">
/// <item>GET /clients · POST /clients[?actsAs=SHA1] (PEM body: allow a certificate, optionally as another client's tenant) · POST /clients/{sha1}/allow · POST /clients/{sha1}/revoke</item>
/// <item>POST /root-key/delete (crypto-shred every key)</item>
/// <item>GET /objects[?owner=sha1] · GET /objects/{id} · POST /objects/{id}/deactivate|reactivate|destroy|restore</item>
/// </list>
/// Errors are application/problem+json with a specific detail.
/// </summary>
public sealed class AdminApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminApi(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>
    /// The web host is configured in code: it must not watch appsettings.json for changes, which on Linux puts an inotify
    /// watch on every folder below the current directory (hundreds of milliseconds per start, more in a large folder).
    /// </summary>
    internal const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static AdminApi Start(KmsState kms, IPEndPoint endpoint, string token, ILoggerFactory logs, Func<int> deleteRootKey)
    {
        if (!IPAddress.IsLoopback(endpoint.Address))
            throw new ArgumentException($"the admin interface listens on loopback only, not on {endpoint.Address}");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(logs);
        builder.Services.AddProblemDetails();
        // The KMS decides when to stop, not the web host: no console lifetime grabbing SIGTERM/Ctrl-C.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        app.Use(async (ctx, next) =>
        {
            if (ctx.Request.Headers.Authorization.ToString() != $"Bearer {token}")
            {
                await Problem(StatusCodes.Status401Unauthorized, "missing or wrong admin token",
                    "send 'Authorization: Bearer <token>' with the token from DATA/admin.token").ExecuteAsync(ctx);
                return;
            }
            await kms.CatchUpAsync(); // a store shared with other KMS nodes: what they committed, before the administrator reads or acts
            await next(ctx);
        });
        Map(app, kms, deleteRootKey);
        app.StartAsync().GetAwaiter().GetResult();
        var address = app.Urls.First();
        return new AdminApi(app, address.TrimEnd('/'));
    }

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);

    private static void Map(WebApplication app, KmsState kms, Func<int> deleteRootKey)
    {
        // Known clients, then the certificates refused recently (newest first, with how many times).
        app.MapGet("/clients", () => kms.Clients.All.Select(c => ClientView(kms, c)).Concat(kms.Clients.Refusals.Newest
            .Where(r => kms.Clients.Find(r.Identity) is null)
            .Select(r => new ClientInfo(r.Subject, r.Sha1Thumbprint, r.Identity, false, null, r.FirstRefused, 0, true, r.Attempts, r.LastRefused))));

        app.MapPost("/clients", async (HttpRequest request, string? actsAs) =>
        {
            var pem = await new StreamReader(request.Body).ReadToEndAsync();
            X509Certificate2 cert;
            try { cert = X509Certificate2.CreateFromPem(pem); }
            catch (Exception ex) { return Problem(400, "not a PEM certificate", $"the body must be one PEM certificate: {ex.Message}"); }
            ClientRecord record;
            try { record = kms.Clients.Allow(cert, actsAs); }
            catch (KeyNotFoundException ex) { return Problem(404, "unknown client to act as", ex.Message); }
            kms.Log.LogInformation("administrator allowed client certificate \"{Subject}\" SHA-1 {Sha1}, trusted from {From:u}", LogText.Of(record.Subject), record.Sha1Thumbprint, record.EffectiveFrom);
            return Results.Ok(ClientView(kms, record));
        });

        app.MapPost("/clients/{sha1}/allow", (string sha1) =>
        {
            try
            {
                var record = kms.Clients.AllowBySha1(sha1);
                kms.Log.LogInformation("administrator allowed client certificate \"{Subject}\" SHA-1 {Sha1}, trusted from {From:u}", LogText.Of(record.Subject), record.Sha1Thumbprint, record.EffectiveFrom);
                return Results.Ok(ClientView(kms, record));
            }
            catch (KeyNotFoundException ex) { return Problem(404, "unknown client", ex.Message); }
        });

        // KMIP 1.x server-to-client operations: where the server sends this client's Put and Notify (NotificationSender).
        app.MapPost("/clients/{sha1}/notifications", (string sha1, string? endpoint, string? version) =>
        {
            var record = kms.Clients.FindBySha1(sha1);
            if (record is null) return Problem(404, "unknown client", $"no client with SHA-1 thumbprint {sha1}");
            var colon = endpoint?.LastIndexOf(':') ?? -1;
            if (endpoint is null || colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out int port) || port is < 1 or > 65535)
                return Problem(400, "bad endpoint", $"endpoint must be HOST:PORT where the client listens for the server's Put and Notify, not '{endpoint}'");
            ProtocolVersion protocol;
            try { protocol = ProtocolVersion.Parse(version ?? "1.4"); }
            catch (FormatException ex) { return Problem(400, "bad version", ex.Message); }
            if (!protocol.IsSupported) return Problem(400, "bad version", $"KMIP {protocol} is not a version this server speaks ({string.Join(", ", ProtocolVersion.Supported)})");
            kms.Notifications.RegisterEndpoint(kms, record.ActsAs ?? record.Identity, new System.Net.DnsEndPoint(endpoint[..colon], port), protocol);
            kms.Log.LogInformation("administrator: Put and Notify for client \"{Subject}\" go to {Endpoint} in KMIP {Version}", LogText.Of(record.Subject), endpoint, protocol);
            return Results.Ok(new { client = record.Sha1Thumbprint, endpoint, version = protocol.ToString() });
        });

        app.MapDelete("/clients/{sha1}/notifications", (string sha1) =>
        {
            var record = kms.Clients.FindBySha1(sha1);
            if (record is null) return Problem(404, "unknown client", $"no client with SHA-1 thumbprint {sha1}");
            return kms.Notifications.UnregisterEndpoint(record.ActsAs ?? record.Identity)
                ? Results.NoContent() : Problem(404, "no endpoint", $"client {sha1} has no endpoint registered for Put and Notify");
        });

        app.MapPost("/clients/{sha1}/revoke", (string sha1) =>
        {
            try { return Results.Ok(ClientView(kms, kms.Clients.Revoke(sha1))); }
            catch (KeyNotFoundException ex) { return Problem(404, "unknown client", ex.Message); }
        });

        app.MapPost("/root-key/delete", () =>
        {
            int count;
            try { count = deleteRootKey(); }
            catch (RootKeyElsewhereException ex) { return Problem(409, "root key in Key Protect", ex.Message); }
            return Results.Ok(new { shredded = count });
        });

        app.MapGet("/objects", (string? owner) =>
        {
            var ownerId = owner is null ? null : kms.Clients.FindBySha1(owner)?.Identity ?? "(none)";
            var now = kms.Time.GetUtcNow();
            return kms.Store.All.Where(o => ownerId is null || o.Owner == ownerId)
                .Select(o => ObjectView(kms, Lifecycle.WithDueTransitions(o, now)))
                .OrderBy(o => o.InitialDate);
        });

        app.MapGet("/objects/{id}", (string id) =>
            kms.Store.Find(id) is { } o
                ? Results.Ok(ObjectView(kms, Lifecycle.WithDueTransitions(o, kms.Time.GetUtcNow())))
                : Problem(404, "unknown object", $"no object with Unique Identifier '{id}'"));

        app.MapPost("/objects/{id}/{action}", async (string id, string action) =>
        {
            Action<ManagedObject, DateTimeOffset>? change = action switch
            {
                "deactivate" => Administration.Deactivate,
                "reactivate" => Administration.Reactivate,
                "destroy" => Administration.Destroy,
                "restore" => Administration.Restore,
                _ => null,
            };
            if (change is null)
                return Problem(404, "unknown action", $"'{action}' is not an action; use deactivate, reactivate, destroy or restore");
            ObjectStore.Publication publication;
            ManagedObject changed;
            lock (kms.Store.WriteLock)
            {
                var current = kms.Store.Find(id);
                if (current is null) return Problem(404, "unknown object", $"no object with Unique Identifier '{id}'");
                var now = DateTimeOffset.FromUnixTimeSeconds(kms.Time.GetUtcNow().ToUnixTimeSeconds());
                changed = current.Clone();
                Lifecycle.ApplyDueTransitions(changed, now);
                try { change(changed, now); }
                catch (KmipException ex) { return Problem(409, $"cannot {action} this object", ex.Message); }
                publication = kms.Store.Publish([changed]);
            }
            try { await publication.CommitAsync(); }
            catch (ConcurrentChangeException ex) { return Problem(409, $"cannot {action} this object now", ex.Message); }
            kms.Log.LogInformation("administrator: {Action} {Id} → {State}", action, id, changed.State);
            return Results.Ok(ObjectView(kms, changed));
        });
    }

    /// <param name="Refused">a certificate the handshake refused recently (kept in memory only; allow it by its SHA-1)</param>
    public sealed record ClientInfo(string Subject, string Sha1, string Identity, bool Allowed, DateTimeOffset? TrustedFrom, DateTimeOffset FirstSeen, int Objects,
        bool Refused = false, long? Attempts = null, DateTimeOffset? LastRefused = null);

    public sealed record ObjectInfo(string Id, string ObjectType, string State, string OwnerSubject, string OwnerSha1, string? Name,
        string? Algorithm, int? Length, DateTimeOffset? InitialDate, DateTimeOffset? ActivationDate, DateTimeOffset? DeactivationDate,
        DateTimeOffset? DestroyDate, bool DisabledByAdministrator, bool Restorable, Dictionary<string, string> CustomAttributes);

    private static ClientInfo ClientView(KmsState kms, Storage.ClientRecord c) =>
        new ClientInfo(c.Subject, c.Sha1Thumbprint, c.Identity, c.Allowed, c.EffectiveFrom, c.FirstSeen, kms.Store.All.Count(o => o.Owner == c.Identity));

    private static ObjectInfo ObjectView(KmsState kms, ManagedObject o)
    {
        var owner = kms.Clients.Find(o.Owner);
        return new ObjectInfo(o.Id, o.ObjectType.ToString(), o.State.ToString(), owner?.Subject ?? "?", owner?.Sha1Thumbprint ?? "?",
            o.Get(AttributeNames.Name)?.Child(Tag.NameValue)?.AsText,
            o.Get(AttributeNames.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a
                ? EnumNames.Name((int)Tag.CryptographicAlgorithm, a.AsEnum) ?? a.ValueText() : null,
            o.Get(AttributeNames.CryptographicLength) is { Type: ItemType.Integer } l ? l.AsInt32 : null,
            o.Date(AttributeNames.InitialDate), o.Date(AttributeNames.ActivationDate), o.Date(AttributeNames.DeactivationDate),
            o.Date(AttributeNames.DestroyDate), o.Has(Administration.DisabledAttribute), o.Has(Administration.RestorableAttribute),
            o.Attributes.Where(x => x.IsCustom).GroupBy(x => x.FullName).ToDictionary(g => g.Key, g => g.First().Value.ValueText()));
    }

    /// <summary>The KMS decides when an embedded web host stops, not the host: no console lifetime grabbing SIGTERM/Ctrl-C.</summary>
    internal sealed class EmbeddedLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
