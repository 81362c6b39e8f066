using System.Net;
using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>
/// GET /api/mob and /api/mob/{type}/{name}: the property browser, vSphere's managed objects with their properties under
/// vSphere's names (VirtualMachine → config → keyId → keyId is the VM's key ID).
/// </summary>
public sealed class MobApiTests : IAsyncLifetime
{
    private const string Vm = "DC0_C0_H0_VM0";      // encrypted (the first VM of the preset)
    private const string PlainVm = "DC0_C0_H0_VM1"; // not encrypted
    private const string Host = "DC0_C0_H0";

    private ApiSite _site = null!;

    public async ValueTask InitializeAsync() => _site = await ApiSite.StartAsync();
    public async ValueTask DisposeAsync() => await _site.DisposeAsync();

    private static JsonElement Prop(JsonElement node, params string[] path)
    {
        foreach (var name in path) node = node.GetProperty("properties").GetProperty(name);
        return node;
    }

    private static IReadOnlyList<string> RefNames(JsonElement array, string type) =>
        array.Items("items").Select(i =>
        {
            i.Str("type").Should().Be("ManagedObjectReference");
            i.GetProperty("ref").Str("type").Should().Be(type);
            return i.GetProperty("ref").Str("name");
        }).ToList();

    [Fact]
    public async Task The_content_lists_every_VM_host_cluster_and_vCenter()
    {
        var content = await _site.GetAsync("api/mob");
        content.Str("type").Should().Be("ServiceInstance");
        content.Str("name").Should().Be("vc01");
        var vms = (await _site.GetAsync("api/vms")).Items().Select(v => v.Str("name")).ToList();
        vms.Should().HaveCount(6);
        RefNames(Prop(content, "VirtualMachine"), "VirtualMachine").Should().BeEquivalentTo(vms);
        Prop(content, "VirtualMachine").Str("type").Should().Be("ManagedObjectReference[]");
        RefNames(Prop(content, "HostSystem"), "HostSystem").Should().Equal("DC0_C0_H0", "DC0_C0_H1");
        RefNames(Prop(content, "ClusterComputeResource"), "ClusterComputeResource").Should().Equal("DC0_C0");
        RefNames(Prop(content, "CryptoManagerKmip"), "CryptoManagerKmip").Should().Equal("vc01");

        // A vCenter added through the API shows at once.
        await _site.PostAsync("api/vcenters", new { name = "vc02" });
        RefNames(Prop(await _site.GetAsync("api/mob"), "CryptoManagerKmip"), "CryptoManagerKmip").Should().Equal("vc01", "vc02");
    }

    [Fact]
    public async Task An_encrypted_VMs_config_keyId_keyId_is_its_key_ID_and_providerId_its_key_provider()
    {
        var view = await _site.GetAsync($"api/vms/{Vm}");
        view.GetProperty("encrypted").GetBoolean().Should().BeTrue();
        var mob = await _site.GetAsync($"api/mob/VirtualMachine/{Vm}");
        mob.Str("type").Should().Be("VirtualMachine");
        mob.Str("name").Should().Be(Vm);

        var keyId = Prop(mob, "config", "keyId");
        keyId.Str("type").Should().Be("CryptoKeyId");
        var id = Prop(keyId, "keyId");
        id.Str("type").Should().Be("string");
        id.Str("value").Should().NotBeNullOrEmpty().And.Be(view.Str("keyId"));
        Prop(keyId, "providerId").Str("type").Should().Be("KeyProviderId");
        Prop(keyId, "providerId", "id").Str("value").Should().Be(view.Str("provider")).And.Be("kms-prod");

        Prop(mob, "config", "name").Str("value").Should().Be(Vm);
        Prop(mob, "config", "files", "vmPathName").Str("value").Should().Be(view.Str("vmxPath"))
            .And.Be($"[{view.Str("datastore")}] {Vm}/{Vm}.vmx", "the datastore's name goes in brackets");
        Prop(mob, "runtime", "host").GetProperty("ref").Str("name").Should().Be(Host);
        Prop(mob, "runtime", "powerState").Str("value").Should().Be("poweredOn");
        Prop(mob, "runtime", "cryptoState").Str("value").Should().Be("unlocked");
        Prop(mob, "runtime", "connectionState").Str("value").Should().Be("connected");
        Prop(mob, "triggeredAlarmState").Items("items").Should().BeEmpty();
        var disks = Prop(mob, "config", "hardware", "device").Items("items").ToList();
        disks.Should().NotBeEmpty();
        disks.Should().OnlyContain(d => d.Str("type") == "VirtualDisk");
        disks.Select(d => Prop(d, "backing", "keyId", "providerId", "id").Str("value")).Should().OnlyContain(p => p == "kms-prod");
    }

    [Fact]
    public async Task The_browser_shows_live_state_a_locked_VM_with_its_alarm()
    {
        await _site.PostAsync($"api/vms/{Vm}/remove-keys");
        var mob = await _site.GetAsync($"api/mob/VirtualMachine/{Vm}");
        Prop(mob, "runtime", "cryptoState").Str("value").Should().Be("locked");
        var alarm = Prop(mob, "triggeredAlarmState").Items("items").Should().ContainSingle().Which;
        Prop(alarm, "alarm").GetProperty("ref").Str("name").Should().Be("VM locked");
        Prop(alarm, "alarm").GetProperty("ref").Str("value").Should().Be("alarm-1", "the alarm's ID on the vim25 endpoint");
        Prop(alarm, "overallStatus").Str("value").Should().Be("red");
        Prop(alarm, "harnessReason").Str("value").Should().Be("Virtual machine is locked because keys are missing on host.");
        Prop(mob, "runtime", "connectionState").Str("value").Should().Be("invalid", "vSphere shows a locked VM as invalid");
        Prop(mob, "overallStatus").Str("value").Should().Be("red");

        // The host has no alarm of its own: its overall status rolls its VM's alarm up.
        var host = await _site.GetAsync($"api/mob/HostSystem/{(await _site.GetAsync($"api/vms/{Vm}")).Str("host")}");
        Prop(host, "triggeredAlarmState").Items("items").Should().BeEmpty();
        Prop(host, "overallStatus").Str("value").Should().Be("red");
    }

    [Fact]
    public async Task An_unencrypted_VM_has_a_null_config_keyId()
    {
        (await _site.GetAsync($"api/vms/{PlainVm}")).GetProperty("encrypted").GetBoolean().Should().BeFalse();
        var mob = await _site.GetAsync($"api/mob/VirtualMachine/{PlainVm}");
        var keyId = Prop(mob, "config", "keyId");
        keyId.Str("type").Should().Be("CryptoKeyId");
        keyId.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
        keyId.TryGetProperty("properties", out _).Should().BeFalse();
        Prop(mob, "runtime", "cryptoState").GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
        Prop(mob, "config", "hardware", "device").Items("items")
            .Should().OnlyContain(d => Prop(d, "backing", "keyId").GetProperty("value").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task A_HostSystem_has_its_crypto_state_its_cached_key_IDs_its_cluster_and_its_VMs()
    {
        var view = await _site.GetAsync($"api/hosts/{Host}");
        var mob = await _site.GetAsync($"api/mob/HostSystem/{Host}");
        mob.Str("type").Should().Be("HostSystem");
        Prop(mob, "runtime", "cryptoState").Str("value").Should().Be("safe").And.Be(view.Str("cryptoState"));
        var cached = Prop(mob, "harnessCachedKeyIds");
        cached.Str("type").Should().Be("string[]");
        var cachedIds = cached.Items("items").Select(i => i.Str("value")).ToList();
        cachedIds.Should().NotBeEmpty().And.Equal(view.Items("cachedKeyIds").Select(k => k.GetString()));
        cachedIds.Should().Contain((await _site.GetAsync($"api/vms/{Vm}")).Str("keyId"));
        Prop(mob, "parent").GetProperty("ref").Str("name").Should().Be("DC0_C0");
        RefNames(Prop(mob, "vm"), "VirtualMachine").Should().Equal(view.Items("vms").Select(v => v.Str("name")));
        Prop(mob, "harnessKeyPersistenceEnabled").GetProperty("value").GetBoolean().Should().BeFalse();

        // Removing the VM's keys from the host shows in its cache.
        await _site.PostAsync($"api/vms/{Vm}/remove-keys");
        var after = await _site.GetAsync($"api/mob/HostSystem/{Host}");
        Prop(after, "harnessCachedKeyIds").Items("items").Select(i => i.Str("value"))
            .Should().NotContain((await _site.GetAsync($"api/vms/{Vm}")).Str("keyId"));
    }

    [Fact]
    public async Task A_cluster_and_a_vCenters_crypto_manager_have_their_hosts_and_key_providers()
    {
        var cluster = await _site.GetAsync("api/mob/ClusterComputeResource/DC0_C0");
        RefNames(Prop(cluster, "host"), "HostSystem").Should().Equal("DC0_C0_H0", "DC0_C0_H1");
        Prop(cluster, "harnessVsanDataEncryptionConfig", "encryptionEnabled").GetProperty("value").GetBoolean().Should().BeFalse();

        var vcenter = await _site.GetAsync("api/vcenters/vc01");
        var provider = vcenter.Items("keyProviders").Single();
        var manager = await _site.GetAsync("api/mob/CryptoManagerKmip/vc01");
        Prop(manager, "enabled").GetProperty("value").GetBoolean().Should().BeTrue();
        var kmip = Prop(manager, "kmipServers").Items("items").Should().ContainSingle().Which;
        Prop(kmip, "clusterId", "id").Str("value").Should().Be("kms-prod");
        Prop(kmip, "useAsDefault").GetProperty("value").GetBoolean().Should().BeTrue();
        Prop(kmip, "harnessClientCertificateSha1").Str("value").Should().Be(provider.Str("clientCertificateSha1"));
        var servers = Prop(kmip, "servers").Items("items").ToList();
        servers.Select(s => Prop(s, "name").Str("value")).Should().Equal(provider.Items("servers").Select(s => s.Str("name")));
        servers.Select(s => Prop(s, "harnessStatus").Str("value")).Should().Equal(provider.Items("servers").Select(s => s.Str("status")));
        servers.Select(s => $"{Prop(s, "address").Str("value")}:{Prop(s, "port").GetProperty("value").GetInt32()}")
            .Should().Equal(provider.Items("servers").Select(s => s.Str("endpoint")));
    }

    [Fact]
    public async Task Objects_carry_the_managed_object_IDs_of_the_REST_API_and_open_by_ID_as_by_name()
    {
        var view = await _site.GetAsync($"api/vms/{Vm}");
        var moid = view.Str("moId");
        moid.Should().StartWith("vm-");
        var byName = await _site.GetAsync($"api/mob/VirtualMachine/{Vm}");
        byName.Str("value").Should().Be(moid);
        var byId = await _site.GetAsync($"api/mob/VirtualMachine/{moid}");
        byId.Str("name").Should().Be(Vm);
        Prop(byId, "config", "keyId", "keyId").Str("value").Should().Be(view.Str("keyId"));
        var hostRef = Prop(byId, "runtime", "host").GetProperty("ref");
        hostRef.Str("value").Should().StartWith("host-");
        (await _site.GetAsync($"api/mob/HostSystem/{hostRef.Str("value")}")).Str("name").Should().Be(hostRef.Str("name"));
        // A data object lists the fields its vim25 type has, unset ones too, as vCenter's MOB does.
        Prop(byId, "config").GetProperty("properties").TryGetProperty("changeVersion", out var unset).Should().BeTrue();
        unset.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
        Prop(byId, "summary", "config", "vmPathName").Str("value").Should().Be(view.Str("vmxPath"));
    }

    [Fact]
    public async Task Without_a_running_vCenter_the_content_says_so_and_an_object_is_a_problem_naming_the_cause()
    {
        await _site.PostAsync("api/vcenters/vc01/lose");
        var content = await _site.GetAsync("api/mob");
        Prop(content, "harnessNote").Str("value").Should().StartWith("vCenter Server is not running");
        content.GetProperty("properties").TryGetProperty("VirtualMachine", out _).Should().BeFalse();
        var (status, problem, _) = await _site.SendAsync(HttpMethod.Get, $"api/mob/VirtualMachine/{Vm}");
        ((int)status).Should().BeGreaterThanOrEqualTo(400);
        problem.Str("detail").Should().Contain("vCenter Server is not running");
    }

    [Fact]
    public async Task A_VMs_datastore_is_a_reference_the_browser_opens_with_its_hosts_and_VMs()
    {
        var vm = await _site.GetAsync("api/mob/VirtualMachine/DC0_C0_H0_VM0");
        var store = Prop(vm, "datastore").Items("items").Should().ContainSingle().Which;
        store.GetProperty("ref").Str("type").Should().Be("Datastore");
        var name = store.GetProperty("ref").Str("name");
        name.Should().Be((await _site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("datastore"));
        var ds = await _site.GetAsync($"api/mob/Datastore/{name}");
        Prop(ds, "summary", "accessible").GetProperty("value").GetBoolean().Should().BeTrue();
        Prop(ds, "vm").Items("items").Select(i => i.GetProperty("ref").Str("name")).Should().Contain("DC0_C0_H0_VM0");
        Prop(ds, "host").Items("items").Select(i => Prop(i, "key").GetProperty("ref").Str("name")).Should().Contain("DC0_C0_H0");
        Prop(ds, "host").Items("items").Should().OnlyContain(i => Prop(i, "mountInfo", "accessible").GetProperty("value").GetBoolean());
    }

    [Theory]
    [InlineData("api/mob/ResourcePool/rp1", "no managed object type \"ResourcePool\"")]
    [InlineData("api/mob/ResourcePool/rp1", "Datacenter, ClusterComputeResource, HostSystem, VirtualMachine, Datastore, CryptoManagerKmip")]
    [InlineData("api/mob/Datastore/ds1", "vCenter's inventory has no Datastore \"ds1\" (by ID or name)")]
    [InlineData("api/mob/VirtualMachine/no-such-vm", "vCenter's inventory has no VirtualMachine \"no-such-vm\"")]
    [InlineData("api/mob/VirtualMachine/vm-99999", "vCenter's inventory has no VirtualMachine \"vm-99999\"")]
    [InlineData("api/mob/HostSystem/esx99", "esx99")]
    [InlineData("api/mob/ClusterComputeResource/cl99", "vCenter's inventory has no ClusterComputeResource \"cl99\"")]
    [InlineData("api/mob/CryptoManagerKmip/vc09", "there is no vCenter \"vc09\" (known: vc01)")]
    public async Task An_unknown_type_or_object_is_404_naming_it(string path, string says)
    {
        var (status, problem, media) = await _site.SendAsync(HttpMethod.Get, path);
        status.Should().Be(HttpStatusCode.NotFound, $"GET {path} answered {problem}");
        media.Should().Be("application/problem+json");
        problem.Str("detail").Should().Contain(says);
    }

    [Fact]
    public async Task While_a_runbook_plays_the_browser_shows_its_site()
    {
        await _site.PostAsync("api/player/start", new { feature = "vsphere/locked-vms.feature", scenario = 72 });
        var content = await _site.GetAsync("api/mob");
        RefNames(Prop(content, "VirtualMachine"), "VirtualMachine").Should().Equal("app01");
        RefNames(Prop(content, "HostSystem"), "HostSystem").Should().Equal("esx01", "esx02");
        var app01 = await _site.GetAsync("api/vms/app01");
        Prop(await _site.GetAsync("api/mob/VirtualMachine/app01"), "config", "keyId", "keyId").Str("value").Should().Be(app01.Str("keyId"));
        (await _site.SendAsync(HttpMethod.Get, $"api/mob/VirtualMachine/{Vm}")).Status.Should().Be(HttpStatusCode.NotFound);

        await _site.PostAsync("api/player/stop");
        RefNames(Prop(await _site.GetAsync("api/mob"), "HostSystem"), "HostSystem").Should().Equal("DC0_C0_H0", "DC0_C0_H1");
    }
}
