using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Harness.Simulator.KmsAdministration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Harness.Simulator.Web;

/// <summary>
/// The routes of the simulator's REST API. Reads answer views of the simulation; actions find their objects, call the
/// site's <see cref="SiteActions"/> (the same action the STEPS.md phrase of the same name calls) and answer an
/// <see cref="ActionResult"/>: the object after the action, the events it logged and the alarms it changed.
/// </summary>
internal static class SimulatorApi
{
    /// <summary>How often an idle stream gets a comment line, so that proxies and clients see it alive.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static readonly string[] Endpoints =
    [
        "GET  /api/inventory",
        "GET  /api/vms[?host=&cryptoState=locked|unlocked]", "GET  /api/vms/{name}",
        "GET  /api/hosts", "GET  /api/hosts/{name}",
        "GET  /api/alarms[?object=&active=true|false&vcenter=]",
        "GET  /api/events[?object=&since=KEY&type=&vcenter=]",
        "GET  /api/kms-clusters", "GET  /api/kms-clusters/{name}",
        "GET  /api/vcenters", "GET  /api/vcenters/{name}",
        "GET  /api/clock",
        "GET  /api/stream (text/event-stream)",
        "POST /api/hosts/{name}/reboot",
        "POST /api/kms-clusters/{name}/unreachable", "POST /api/kms-clusters/{name}/reachable",
        "POST /api/kms-clusters/{name}/servers/{n}/down", "POST /api/kms-clusters/{name}/servers/{n}/up",
        "POST /api/kms-clusters/{name}/root-key/delete",
        "POST /api/kms-clusters/{name}/customer-root-key/{disable|enable|rotate|delete}",
        "POST /api/kms-clusters/{name}/nodes/{n}/kill", "POST /api/kms-clusters/{name}/nodes/{n}/restart",
        "POST /api/vms/{name}/key/deactivate", "POST /api/vms/{name}/key/reactivate", "POST /api/vms/{name}/key/destroy",
        "POST /api/vms/{name}/remove-keys[?host=]",
        "POST /api/vms/{name}/register[?user=]", "POST /api/register-locked-vms[?user=]",
        "POST /api/vms/{name}/unlock[?user=]", "POST /api/vms/{name}/power-on", "POST /api/vms/{name}/power-off",
        "POST /api/vms/{name}/encrypt", "POST /api/vms/{name}/rekey[?deep=true&user=]",
        "POST /api/vcenters {name}", "POST /api/vcenters/{name}/lose",
        "POST /api/vcenters/{name}/trust {kmsCluster, providerName?, waitForTrust?}",
        "POST /api/clock/advance {minutes}",
        "POST /api/vms/{name}/migrate {host}[?user=]", "POST /api/vms/{name}/clone {name}[?user=]", "POST /api/vms/{name}/decrypt[?user=]",
        "POST /api/vms/{name}/unregister", "POST /api/vms/{name}/register-on {host}[?user=]", "POST /api/vms/{name}/reload",
        "POST /api/hosts/{name}/fail", "POST /api/hosts/{name}/back",
        "POST /api/kms-clusters/{name}/stop-answering", "POST /api/vms/{name}/key/revoke",
        "GET  /api/mob", "GET  /api/mob/{type}/{name}",
        "GET  /api/runbooks", "GET  /api/player",
        "POST /api/player/start {feature, scenario}", "POST /api/player/next", "POST /api/player/reset", "POST /api/player/stop",
    ];

    public static void Map(WebApplication app, SimulatorHost host)
    {
        // Anything that escapes a handler (or Kestrel's own bad-request errors) still answers problem+json.
        app.Use(async (ctx, next) =>
        {
            try { await next(ctx); }
            catch (Exception ex) when (!ctx.Response.HasStarted && ex is not OperationCanceledException)
            {
                await Problems.From(ex).ExecuteAsync(ctx);
            }
        });
        app.UseStatusCodePages();

        // The site is looked up per request: the runbook player swaps in a scenario's site (SimulatorHost.ShowAsync).
        var api = app.MapGroup("/api");

        api.MapGet("/", () => Results.Json(new { endpoints = Endpoints }, SimulatorHost.Json));

        // ---- reads -------------------------------------------------------------------------------------------
        api.MapGet("/inventory", () => Read(host, () => View.Inventory(host.Simulation)));

        api.MapGet("/vms", ([FromQuery(Name = "host")] string? host_, string? cryptoState) => Read(host, () =>
        {
            if (cryptoState is not null && cryptoState is not ("locked" or "unlocked"))
                throw ApiProblem.BadRequest($"cryptoState must be \"locked\" or \"unlocked\", not \"{cryptoState}\"");
            if (host_ is not null) host.Simulation.Host(host_);
            return host.Simulation.AllVms.Where(v => host_ is null || v.Host.Name == host_)
                .Select(v => View.Of(v, host.Simulation.VCenter))
                .Where(v => cryptoState is null || v.CryptoState == cryptoState).ToList();
        }));

        api.MapGet("/vms/{name}", (string name) => Read(host, () => View.Of(host.Simulation.Vm(name), host.Simulation.VCenter)));

        api.MapGet("/hosts", () => Read(host, () => host.Simulation.Hosts.Select(h => View.Of(h, host.Simulation.VCenter)).ToList()));

        api.MapGet("/hosts/{name}", (string name) => Read(host, () => View.Of(host.Simulation.Host(name), host.Simulation.VCenter)));

        api.MapGet("/alarms", (string? @object, string? active, string? vcenter) => Read(host, () =>
        {
            bool? onlyActive = active is null ? null
                : bool.TryParse(active, out var a) ? a : throw ApiProblem.BadRequest($"active must be true or false, not \"{active}\"");
            var vc = VCenterOrCurrent(host.Simulation, vcenter);
            if (vc is null) return new List<AlarmView>();
            return vc.Alarms.All
                .Where(x => @object is null || x.ObjectName == @object)
                .Where(x => onlyActive is null || x.IsActive == onlyActive)
                .Select(x => View.Of(x, vc)).ToList();
        }));

        api.MapGet("/events", (string? @object, string? since, string? type, string? vcenter) => Read(host, () =>
        {
            long after = since is null ? 0
                : long.TryParse(since, out var k) && k >= 0 ? k
                : throw ApiProblem.BadRequest($"since must be an event key (a whole number ≥ 0), not \"{since}\"");
            var vc = VCenterOrCurrent(host.Simulation, vcenter);
            if (vc is null) return new List<EventView>();
            return vc.Events.All
                .Where(e => e.Key > after)
                .Where(e => @object is null || e.ObjectName == @object)
                .Where(e => type is null || e.TypeId == type)
                .Select(e => View.Of(e, vc)).ToList();
        }));

        api.MapGet("/kms-clusters", () => ReadAsync(host, async () =>
        {
            var views = new List<KmsClusterView>();
            foreach (var kms in host.Site.KmsClusters) views.Add(await KmsViewAsync(host, kms));
            return views;
        }));

        api.MapGet("/kms-clusters/{name}", (string name) => ReadAsync(host, async () => await KmsViewAsync(host, Kms(host.Site, name))));

        api.MapGet("/vcenters", () => Read(host, () => host.Simulation.VCenters.Values.Select(vc => View.Of(vc, host.Simulation)).ToList()));

        api.MapGet("/vcenters/{name}", (string name) => Read(host, () => View.Of(VCenterNamed(host.Simulation, name), host.Simulation)));

        api.MapGet("/clock", () => Read(host, () => new ClockView(host.Simulation.Clock.GetUtcNow())));

        api.MapGet("/stream", (HttpContext ctx) => StreamAsync(host, ctx));

        // ---- actions: hosts -----------------------------------------------------------------------------------
        // When host "esx01" reboots
        api.MapPost("/hosts/{name}/reboot", (string name) => Act(host, async () =>
        {
            var h = host.Simulation.Host(name);
            await host.Site.Actions.RebootHostAsync(h);
            return new ActionResult($"host \"{name}\" rebooted") { Host = View.Of(h, host.Simulation.VCenter) };
        }));

        // ---- actions: KMS clusters ----------------------------------------------------------------------------
        // When the KMS cluster "kms-prod" becomes unreachable
        api.MapPost("/kms-clusters/{name}/unreachable", (string name) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.MakeKmsUnreachable(kms);
            return new ActionResult($"KMS cluster \"{name}\" became unreachable") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        // When the KMS cluster "kms-prod" is reachable again
        api.MapPost("/kms-clusters/{name}/reachable", (string name) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.MakeKmsReachable(kms);
            return new ActionResult($"KMS cluster \"{name}\" is reachable again") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        // When KMS server <n> of cluster "kms-prod" goes down / is back
        api.MapPost("/kms-clusters/{name}/servers/{n}/down", (string name, string n) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.TakeKmsServerDown(kms, ServerNumber(kms, n));
            return new ActionResult($"KMS server {n} of cluster \"{name}\" went down") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        api.MapPost("/kms-clusters/{name}/servers/{n}/up", (string name, string n) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.BringKmsServerBack(kms, ServerNumber(kms, n));
            return new ActionResult($"KMS server {n} of cluster \"{name}\" is back") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        // When the KMS administrator deletes the root key
        api.MapPost("/kms-clusters/{name}/root-key/delete", (string name) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            var answer = await host.Site.Actions.DeleteRootKeyAsync(kms);
            return new ActionResult($"the KMS administrator deleted the root key of KMS cluster \"{name}\"")
            {
                KmsCluster = await KmsViewAsync(host, kms), Key = Json(answer),
            };
        }));

        // When the customer root key of KMS cluster "kms-prod" is disabled / enabled again / rotated / deleted in Key Protect
        api.MapPost("/kms-clusters/{name}/customer-root-key/{action}", (string name, string action) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            Func<KmsClusterInstance, Harness.Simulator.KmsAdministration.CustomerRootKey> act = action switch
            {
                "disable" => host.Site.Actions.DisableCustomerRootKey,
                "enable" => host.Site.Actions.EnableCustomerRootKey,
                "rotate" => host.Site.Actions.RotateCustomerRootKey,
                "delete" => host.Site.Actions.DeleteCustomerRootKey,
                _ => throw ApiProblem.NotFound($"'{action}' is not an action on a customer root key; use disable, enable, rotate or delete"),
            };
            var key = act(kms);
            return new ActionResult($"the customer root key of KMS cluster \"{name}\" is {key.State} in Key Protect ({key.Versions} version(s))")
            {
                KmsCluster = await KmsViewAsync(host, kms),
            };
        }));

        // When KMS node <n> of cluster "kms-prod" is killed / restarted
        api.MapPost("/kms-clusters/{name}/nodes/{n}/kill", (string name, string n) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.KillKmsNode(kms, NodeNumber(kms, n));
            return new ActionResult($"KMS node {n} of cluster \"{name}\" is killed") { KmsCluster = await KmsViewAsync(host, kms) };
        }));
        api.MapPost("/kms-clusters/{name}/nodes/{n}/restart", (string name, string n) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            await host.Site.Actions.RestartKmsNodeAsync(kms, NodeNumber(kms, n));
            return new ActionResult($"KMS node {n} of cluster \"{name}\" is restarted") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        // When the KMS administrator deactivates / reactivates / destroys the key of VM "app01"
        MapKeyAction(api, host, "deactivate", "deactivated", (site, vm) => site.Actions.DeactivateKeyOfAsync(vm));
        MapKeyAction(api, host, "reactivate", "reactivated", (site, vm) => site.Actions.ReactivateKeyOfAsync(vm));
        MapKeyAction(api, host, "destroy", "destroyed", (site, vm) => site.Actions.DestroyKeyOfAsync(vm));

        // ---- actions: VMs -------------------------------------------------------------------------------------
        // When the keys of VM "app01" are removed from host "esx01"
        api.MapPost("/vms/{name}/remove-keys", (string name, [FromQuery(Name = "host")] string? host_) => Act(host, () =>
        {
            var vm = host.Simulation.Vm(name);
            if (vm.KeyId is null) throw ApiProblem.Conflict("not encrypted", $"VM \"{name}\" is not encrypted: it has no keys to remove");
            var h = host.Simulation.Host(host_ ?? vm.Host.Name);
            host.Site.Actions.RemoveKeysFromHost(vm, h);
            return Task.FromResult(new ActionResult($"the keys of VM \"{name}\" were removed from host \"{h.Name}\"")
            {
                Vm = View.Of(vm, host.Simulation.VCenter), Host = View.Of(h, host.Simulation.VCenter),
            });
        }));

        // When the administrator re-registers VM "app01" / When user "ops" re-registers VM "app01"
        api.MapPost("/vms/{name}/register", (string name, string? user) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.ReRegisterVmAsync(vm, Blank(user));
            return new ActionResult($"VM \"{name}\" re-registered{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator re-registers all locked VMs
        api.MapPost("/register-locked-vms", (string? user) => Act(host, async () =>
        {
            var locked = await host.Site.Actions.RegisterLockedVmsAsync(Blank(user));
            return new ActionResult($"re-registered {locked.Count} locked VM(s){By(user)}: {string.Join(", ", locked.Select(v => v.Name))}");
        }));

        // When the administrator unlocks VM "app01"
        api.MapPost("/vms/{name}/unlock", (string name, string? user) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.UnlockVmAsync(vm, Blank(user));
            return new ActionResult($"VM \"{name}\" unlocked{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator powers on VM "app01"
        api.MapPost("/vms/{name}/power-on", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.PowerOnVmAsync(vm);
            return new ActionResult($"VM \"{name}\" powered on") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator encrypts VM "web01"
        api.MapPost("/vms/{name}/encrypt", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.EncryptVmAsync(vm);
            return new ActionResult($"VM \"{name}\" encrypted") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator rekeys VM "app01" / deep rekeys VM "app01" / user "ops" rekeys VM "app01"
        api.MapPost("/vms/{name}/rekey", (string name, string? deep, string? user) => Act(host, async () =>
        {
            bool isDeep = deep is null ? false
                : bool.TryParse(deep, out var d) ? d : throw ApiProblem.BadRequest($"deep must be true or false, not \"{deep}\"");
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.RekeyVmAsync(vm, isDeep, Blank(user));
            return new ActionResult($"VM \"{name}\" {(isDeep ? "deep " : "")}rekeyed{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator powers off VM "app01"
        api.MapPost("/vms/{name}/power-off", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.PowerOffVmAsync(vm);
            return new ActionResult($"VM \"{name}\" powered off") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // ---- actions: vCenters --------------------------------------------------------------------------------
        // When a new vCenter "vc02" is set up
        api.MapPost("/vcenters", (HttpRequest request) => Act(host, async () =>
        {
            var body = await BodyAsync<NewVCenterBody>(request, "{\"name\": \"vc02\"}");
            var name = Required(body.Name, "name");
            var vc = host.Site.Actions.SetUpVCenter(name);
            return new ActionResult($"vCenter \"{name}\" set up") { Vcenter = View.Of(vc, host.Simulation) };
        }, r => Results.Json(r, SimulatorHost.Json, statusCode: StatusCodes.Status201Created)));

        // When vCenter "vc01" is lost
        api.MapPost("/vcenters/{name}/lose", (string name) => Act(host, async () =>
        {
            var vc = VCenterNamed(host.Simulation, name);
            await host.Site.Actions.LoseVCenterAsync(vc);
            return new ActionResult($"vCenter \"{name}\" is lost") { Vcenter = View.Of(vc, host.Simulation) };
        }));

        // When vCenter "vc02" trusts the KMS cluster "kms-prod" / trusts a KMS cluster named "kms-other"
        api.MapPost("/vcenters/{name}/trust", (string name, HttpRequest request) => Act(host, async () =>
        {
            var body = await BodyAsync<TrustBody>(request, "{\"kmsCluster\": \"kms-prod\", \"providerName\": \"kms-prod\", \"waitForTrust\": false}");
            var vc = VCenterNamed(host.Simulation, name);
            var kms = Kms(host.Site, Required(body.KmsCluster, "kmsCluster"));
            var provider = body.ProviderName is null ? kms.Name : Required(body.ProviderName, "providerName");
            bool wait = body.WaitForTrust ?? false;
            await host.Site.Actions.TrustAsync(vc, kms, provider, wait);
            return new ActionResult($"vCenter \"{name}\" trusts KMS cluster \"{kms.Name}\" as key provider \"{provider}\"" +
                                    (wait ? $" (waited {KmsClusterInstance.AllowedClientDelay.TotalMinutes:0} minutes for the KMS to trust it)" : ""))
            {
                Vcenter = View.Of(vc, host.Simulation), KmsCluster = await KmsViewAsync(host, kms), Clock = new ClockView(host.Simulation.Clock.GetUtcNow()),
            };
        }));

        // ---- actions: time ------------------------------------------------------------------------------------
        // When <n> minutes pass
        api.MapPost("/clock/advance", (HttpRequest request) => Act(host, async () =>
        {
            var body = await BodyAsync<AdvanceBody>(request, "{\"minutes\": 5}");
            var minutes = body.Minutes ?? throw ApiProblem.BadRequest("minutes is required, e.g. {\"minutes\": 5}");
            if (!double.IsFinite(minutes) || minutes <= 0 || minutes > 60 * 24 * 366)
                throw ApiProblem.BadRequest($"minutes must be more than 0 and at most a year, not {minutes}");
            await host.Site.Actions.AdvanceClockAsync(TimeSpan.FromMinutes(minutes));
            return new ActionResult($"{minutes} minute(s) passed") { Clock = new ClockView(host.Simulation.Clock.GetUtcNow()) };
        }));

        // ---- actions of the second round (STEPS.md) --------------------------------------------------------------
        // When VM "app01" migrates to host "esx02"
        api.MapPost("/vms/{name}/migrate", (string name, string? user, HttpRequest request) => Act(host, async () =>
        {
            var target = host.Simulation.Host(Required((await BodyAsync<HostBody>(request, "{\"host\": \"esx02\"}")).Host, "host"));
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.MigrateVmAsync(vm, target, Blank(user));
            return new ActionResult($"VM \"{name}\" migrated to host \"{target.Name}\"{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator clones VM "app01" as "app02"
        api.MapPost("/vms/{name}/clone", (string name, string? user, HttpRequest request) => Act(host, async () =>
        {
            var cloneName = Required((await BodyAsync<NameBody>(request, "{\"name\": \"app02\"}")).Name, "name");
            var clone = await host.Site.Actions.CloneVmAsync(host.Simulation.Vm(name), cloneName, Blank(user));
            return new ActionResult($"VM \"{name}\" cloned as \"{clone.Name}\"{By(user)}") { Vm = View.Of(clone, host.Simulation.VCenter) };
        }));

        // When the administrator decrypts VM "app01"
        api.MapPost("/vms/{name}/decrypt", (string name, string? user) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.DecryptVmAsync(vm, Blank(user));
            return new ActionResult($"VM \"{name}\" decrypted{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator unregisters VM "app01"
        api.MapPost("/vms/{name}/unregister", (string name) => Act(host, () =>
        {
            var vm = host.Simulation.Vm(name);
            host.Site.Actions.UnregisterVmFromInventory(vm);
            return Task.FromResult(new ActionResult($"VM \"{name}\" unregistered") { Vm = View.Of(vm, host.Simulation.VCenter) });
        }));

        // When the administrator registers VM "app01" on host "esx02"
        api.MapPost("/vms/{name}/register-on", (string name, string? user, HttpRequest request) => Act(host, async () =>
        {
            var target = host.Simulation.Host(Required((await BodyAsync<HostBody>(request, "{\"host\": \"esx02\"}")).Host, "host"));
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.RegisterVmOnHostAsync(vm, target, Blank(user));
            return new ActionResult($"VM \"{name}\" registered on host \"{target.Name}\"{By(user)}") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When the administrator reloads VM "app01"
        api.MapPost("/vms/{name}/reload", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            await host.Site.Actions.ReloadVmAsync(vm);
            return new ActionResult($"VM \"{name}\" reloaded") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        // When host "esx01" fails / When host "esx01" is back
        api.MapPost("/hosts/{name}/fail", (string name) => Act(host, async () =>
        {
            var h = host.Simulation.Host(name);
            await host.Site.Actions.FailHostAsync(h);
            return new ActionResult($"host \"{name}\" failed") { Host = View.Of(h, host.Simulation.VCenter) };
        }));
        api.MapPost("/hosts/{name}/back", (string name) => Act(host, async () =>
        {
            var h = host.Simulation.Host(name);
            await host.Site.Actions.HostBackAsync(h);
            return new ActionResult($"host \"{name}\" is back") { Host = View.Of(h, host.Simulation.VCenter) };
        }));

        // When the KMS cluster "kms-prod" stops answering
        api.MapPost("/kms-clusters/{name}/stop-answering", (string name) => Act(host, async () =>
        {
            var kms = Kms(host.Site, name);
            host.Site.Actions.StopKmsAnswering(kms);
            return new ActionResult($"KMS cluster \"{name}\" stopped answering") { KmsCluster = await KmsViewAsync(host, kms) };
        }));

        // When the KMS revokes the key of VM "app01"
        api.MapPost("/vms/{name}/key/revoke", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            if (vm.KeyId is null) throw ApiProblem.Conflict("not encrypted", $"VM \"{name}\" is not encrypted: it has no key on a KMS");
            await host.Site.Actions.RevokeKeyOfAsync(vm);
            return new ActionResult($"the KMS revoked key {vm.KeyId} of VM \"{name}\"") { Vm = View.Of(vm, host.Simulation.VCenter) };
        }));

        api.MapFallback((HttpContext ctx) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "no such endpoint",
            detail: $"{ctx.Request.Method} {ctx.Request.Path} is not an endpoint of the simulator API; GET /api lists them"));
    }

    private static void MapKeyAction(RouteGroupBuilder api, SimulatorHost host, string action, string past,
        Func<SimulatedSite, VirtualMachine, Task<AdministeredKey>> administer) =>
        api.MapPost($"/vms/{{name}}/key/{action}", (string name) => Act(host, async () =>
        {
            var vm = host.Simulation.Vm(name);
            if (vm.KeyId is null) throw ApiProblem.Conflict("not encrypted", $"VM \"{name}\" is not encrypted: it has no key on a KMS");
            var key = await administer(host.Site, vm);
            return new ActionResult($"the KMS administrator {past} key {key.KeyId} of VM \"{name}\" on KMS cluster \"{key.Kms.Name}\"")
            {
                Vm = View.Of(vm, host.Simulation.VCenter), Key = Json(key.Key),
            };
        }));

    private sealed record NewVCenterBody(string? Name);
    private sealed record TrustBody(string? KmsCluster, string? ProviderName, bool? WaitForTrust);
    private sealed record AdvanceBody(double? Minutes);
    private sealed record HostBody(string? Host);
    private sealed record NameBody(string? Name);

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static JsonNode? Json(JsonElement? answer) => answer is { } a ? JsonNode.Parse(a.GetRawText()) : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
    private static string By(string? user) => Blank(user) is { } u ? $" by user \"{u}\"" : "";

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw ApiProblem.BadRequest($"{name} is required and must not be empty") : value.Trim();

    private static KmsClusterInstance Kms(SimulatedSite site, string name) =>
        site.KmsClusters.FirstOrDefault(k => k.Name == name)
        ?? throw ApiProblem.NotFound($"there is no KMS cluster \"{name}\" (known: {Known(site.KmsClusters.Select(k => k.Name))})");

    private static int ServerNumber(KmsClusterInstance kms, string n) =>
        int.TryParse(n, out var i) && i >= 1 && i <= kms.Relays.Count ? i
        : int.TryParse(n, out _) ? throw ApiProblem.NotFound($"KMS cluster \"{kms.Name}\" has servers 1 to {kms.Relays.Count}, not {n}")
        : throw ApiProblem.BadRequest($"the server number must be a whole number from 1 to {kms.Relays.Count}, not \"{n}\"");

    private static int NodeNumber(KmsClusterInstance kms, string n) =>
        kms.Nodes.Count == 0 ? throw ApiProblem.NotFound($"KMS cluster \"{kms.Name}\" is one embedded KMS, not nodes sharing a PostgreSQL database")
        : int.TryParse(n, out var i) && i >= 1 && i <= kms.Nodes.Count ? i
        : int.TryParse(n, out _) ? throw ApiProblem.NotFound($"KMS cluster \"{kms.Name}\" has nodes 1 to {kms.Nodes.Count}, not {n}")
        : throw ApiProblem.BadRequest($"the node number must be a whole number from 1 to {kms.Nodes.Count}, not \"{n}\"");

    private static VCenterServer VCenterNamed(Simulation sim, string name) =>
        sim.VCenters.GetValueOrDefault(name)
        ?? throw ApiProblem.NotFound($"there is no vCenter \"{name}\" (known: {Known(sim.VCenters.Keys)})");

    private static VCenterServer? VCenterOrCurrent(Simulation sim, string? name) => name is null ? sim.VCenter : VCenterNamed(sim, name);

    private static string Known(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    private static async Task<KmsClusterView> KmsViewAsync(SimulatorHost host, KmsClusterInstance kms) =>
        await host.Admin.FillAsync(View.Of(kms, host.Simulation), kms, host.Simulation.Clock.GetUtcNow(), host.Stopping);

    internal static async Task<T> BodyAsync<T>(HttpRequest request, string example) where T : class
    {
        string text;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8)) text = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) throw ApiProblem.BadRequest($"the body must be a JSON object, e.g. {example}");
        try
        {
            return JsonSerializer.Deserialize<T>(text, BodyJson)
                   ?? throw ApiProblem.BadRequest($"the body must be a JSON object, not null; e.g. {example}");
        }
        catch (JsonException ex)
        {
            throw ApiProblem.BadRequest($"the body is not the JSON this request takes ({ex.Message}); e.g. {example}");
        }
    }

    /// <summary>Runs a read in turn with the actions and answers its JSON (or the problem it threw).</summary>
    internal static Task<IResult> Read<T>(SimulatorHost host, Func<T> read) => ReadAsync(host, () => Task.FromResult(read()));

    private static async Task<IResult> ReadAsync<T>(SimulatorHost host, Func<Task<T>> read)
    {
        await host.Gate.WaitAsync(host.Stopping);
        try { return Results.Json(await read(), SimulatorHost.Json); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return Problems.From(ex); }
        finally { host.Gate.Release(); }
    }

    /// <summary>Runs an action alone, and answers what it did with the events it logged and the alarms it changed
    /// (a refused action answers a problem that carries them too: a failed unlock logs the lock event).</summary>
    private static async Task<IResult> Act(SimulatorHost host, Func<Task<ActionResult>> act, Func<ActionResult, IResult>? respond = null)
    {
        await host.Gate.WaitAsync(host.Stopping);
        var before = Changes.Since(host.Simulation);
        try
        {
            var result = await act();
            host.Hub.Sync();
            var (events, alarms) = before.Now(host.Simulation);
            result = result with { Events = events, Alarms = alarms };
            // Every page hears what was done, also actions that log no event (a key deactivated on the KMS).
            host.Hub.Publish("action", null, new { ok = true, did = result.Did });
            return respond?.Invoke(result) ?? Results.Json(result, SimulatorHost.Json);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !host.Stopping.IsCancellationRequested)
        {
            host.Hub.Sync();
            var (events, alarms) = before.Now(host.Simulation);
            var problem = Problems.From(ex, new Dictionary<string, object?> { ["events"] = events, ["alarms"] = alarms });
            host.Hub.Publish("action", null, new { ok = false, failed = ex.Message });
            return problem;
        }
        finally { host.Gate.Release(); }
    }

    /// <summary>Where every vCenter's event log and alarm list stood before an action, to tell what the action added.</summary>
    internal sealed class Changes
    {
        private readonly Dictionary<VCenterServer, long> _lastEvent = new();
        private readonly Dictionary<VCenterServer, IReadOnlyList<Alarm>> _alarms = new();

        public static Changes Since(Simulation sim)
        {
            var c = new Changes();
            foreach (var vc in sim.VCenters.Values)
            {
                c._lastEvent[vc] = vc.Events.LastKey;
                c._alarms[vc] = vc.Alarms.All;
            }
            return c;
        }

        public (List<EventView> Events, List<AlarmView> Alarms) Now(Simulation sim)
        {
            var events = new List<EventView>();
            var alarms = new List<AlarmView>();
            foreach (var vc in sim.VCenters.Values)
            {
                long last = _lastEvent.GetValueOrDefault(vc);
                events.AddRange(vc.Events.After(last).Select(e => View.Of(e, vc)));
                var was = _alarms.GetValueOrDefault(vc) ?? [];
                var now = vc.Alarms.All;
                for (int i = 0; i < now.Count; i++)
                    if (i >= was.Count || !ReferenceEquals(was[i], now[i])) alarms.Add(View.Of(now[i], vc));
            }
            return (events, alarms);
        }
    }

    // ---- the live stream ----------------------------------------------------------------------------------------

    private static async Task StreamAsync(SimulatorHost host, HttpContext ctx)
    {
        var (id, reader) = host.Hub.Subscribe();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, host.Stopping);
        var ct = linked.Token;
        try
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            ctx.Response.Headers["X-Accel-Buffering"] = "no";
            host.Hub.Sync();
            var ready = JsonSerializer.Serialize(new
            {
                subscriber = id, vcenters = host.Hub.VCenters, time = host.Simulation.Clock.GetUtcNow(), generation = host.SiteGeneration,
            }, SimulatorHost.Json);
            await WriteAsync(ctx.Response, new StreamMessage("ready", null, ready), ct);
            await ctx.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                bool more;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    wait.CancelAfter(KeepAlive);
                    try { more = await reader.WaitToReadAsync(wait.Token); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await ctx.Response.WriteAsync(": keep-alive\n\n", ct);
                        await ctx.Response.Body.FlushAsync(ct);
                        continue;
                    }
                }
                if (!more) break;
                while (reader.TryRead(out var message)) await WriteAsync(ctx.Response, message, ct);
                await ctx.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) { /* the client left, or the host stops */ }
        catch (IOException) { /* the client left */ }
        finally { host.Hub.Unsubscribe(id); }
    }

    private static Task WriteAsync(HttpResponse response, StreamMessage m, CancellationToken ct)
    {
        var text = new StringBuilder();
        text.Append("event: ").Append(m.Type).Append('\n');
        if (m.Id is not null) text.Append("id: ").Append(m.Id).Append('\n');
        text.Append("data: ").Append(m.Data).Append("\n\n");
        return response.WriteAsync(text.ToString(), ct);
    }
}
