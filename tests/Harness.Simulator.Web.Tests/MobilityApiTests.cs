using Harness.Simulator;

namespace Harness.Simulator.Web.Tests;

/// <summary>The second round's actions through the REST API: the same SiteActions the steps call.</summary>
public sealed class MobilityApiTests
{
    private const string Vm = "DC0_C0_H0_VM0"; // encrypted, running on DC0_C0_H0
    private const string Host = "DC0_C0_H0";
    private const string OtherHost = "DC0_C0_H1";

    [Fact]
    public async Task Migrating_an_encrypted_VM_moves_it_with_its_key_and_logs_the_migration()
    {
        await using var site = await ApiSite.StartAsync();
        var moved = await site.PostAsync($"api/vms/{Vm}/migrate", new { host = OtherHost });
        moved.GetProperty("vm").Str("host").Should().Be(OtherHost);
        moved.GetProperty("vm").Str("powerState").Should().Be("poweredOn");
        moved.Items("events").Select(e => e.Str("typeId")).Should().Contain(EventTypes.VmMigrated);
    }

    [Fact]
    public async Task Migrating_to_a_host_that_does_not_exist_is_404_and_the_VM_stays()
    {
        await using var site = await ApiSite.StartAsync();
        var (status, body, _) = await site.SendAsync(HttpMethod.Post, $"api/vms/{Vm}/migrate", "{\"host\": \"nowhere\"}");
        ((int)status).Should().Be(404);
        body.Str("detail").Should().Contain("nowhere");
        (await site.GetAsync($"api/vms/{Vm}")).Str("host").Should().Be(Host);
    }

    [Fact]
    public async Task A_clone_has_the_same_key_and_decrypting_needs_the_VM_powered_off()
    {
        await using var site = await ApiSite.StartAsync();
        var clone = (await site.PostAsync($"api/vms/{Vm}/clone", new { name = "copy01" })).GetProperty("vm");
        clone.Str("keyId").Should().Be((await site.GetAsync($"api/vms/{Vm}")).Str("keyId"));
        clone.Str("powerState").Should().Be("poweredOff");

        var (status, refused, _) = await site.SendAsync(HttpMethod.Post, $"api/vms/{Vm}/decrypt");
        ((int)status).Should().Be(409);
        refused.Str("fault").Should().Be("InvalidPowerState");
        (await site.PostAsync("api/vms/copy01/decrypt")).GetProperty("vm").GetProperty("encrypted").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Unregistering_and_registering_on_another_host_and_reloading()
    {
        await using var site = await ApiSite.StartAsync();
        var (status, refused, _) = await site.SendAsync(HttpMethod.Post, $"api/vms/{Vm}/unregister");
        ((int)status).Should().Be(409);
        refused.Str("fault").Should().Be("InvalidPowerState");
        await site.PostAsync($"api/vms/{Vm}/power-off");
        (await site.PostAsync($"api/vms/{Vm}/unregister")).GetProperty("vm").GetProperty("registered").GetBoolean().Should().BeFalse();
        var registered = await site.PostAsync($"api/vms/{Vm}/register-on", new { host = OtherHost });
        registered.GetProperty("vm").Str("host").Should().Be(OtherHost);
        registered.GetProperty("vm").GetProperty("registered").GetBoolean().Should().BeTrue();
        (await site.PostAsync($"api/vms/{Vm}/reload")).Items("events").Select(e => e.Str("typeId")).Should().Contain(EventTypes.VmReloaded);
    }

    [Fact]
    public async Task A_failed_host_is_not_responding_until_it_is_back()
    {
        await using var site = await ApiSite.StartAsync();
        var failed = await site.PostAsync($"api/hosts/{Host}/fail");
        failed.Items("events").Select(e => e.Str("typeId")).Should().Contain(EventTypes.HostNotResponding);
        var (status, refused, _) = await site.SendAsync(HttpMethod.Post, $"api/hosts/{Host}/fail");
        ((int)status).Should().Be(409);
        refused.Str("fault").Should().Be("InvalidHostState");
        var back = await site.PostAsync($"api/hosts/{Host}/back");
        back.Items("events").Select(e => e.Str("typeId")).Should().Contain(EventTypes.HostConnected);
    }

    [Fact]
    public async Task A_KMS_that_stops_answering_stalls_its_servers_until_it_is_reachable_again()
    {
        await using var site = await ApiSite.StartAsync();
        var stalled = await site.PostAsync("api/kms-clusters/kms-prod/stop-answering");
        stalled.GetProperty("kmsCluster").Items("servers").Should().OnlyContain(s => s.Str("mode") == "Stall");
        var back = await site.PostAsync("api/kms-clusters/kms-prod/reachable");
        back.GetProperty("kmsCluster").Items("servers").Should().OnlyContain(s => s.Str("mode") == "Pass");
    }

    [Fact]
    public async Task The_KMS_revoking_a_key_leaves_it_Deactivated()
    {
        await using var site = await ApiSite.StartAsync();
        await site.PostAsync($"api/vms/{Vm}/key/revoke");
        var kms = await site.GetAsync("api/kms-clusters/kms-prod");
        var keyId = (await site.GetAsync($"api/vms/{Vm}")).Str("keyId");
        kms.Items("keys").Single(k => k.Str("id") == keyId).Str("state").Should().Be("Deactivated");
    }
}
