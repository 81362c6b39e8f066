using System.Net;
using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>The customer root key in Key Protect through the REST API (what the dashboard's buttons call): its state in
/// the KMS panel, and what each action does to the VMs of a rebooted host.</summary>
public sealed class KeyProtectApiTests : IAsyncLifetime
{
    private ApiSite _site = null!;

    public async ValueTask InitializeAsync() => _site = await ApiSite.StartAsync(keyProtect: true);
    public async ValueTask DisposeAsync() => await _site.DisposeAsync();

    private async Task<JsonElement> RootKey() => (await _site.GetAsync("api/kms-clusters/kms-prod")).GetProperty("rootKey");

    [Fact]
    public async Task The_KMS_panel_shows_the_customer_root_key_and_its_state()
    {
        var key = await RootKey();
        key.Str("provider").Should().Be("Key Protect");
        key.Str("state").Should().Be("Active");
        key.GetProperty("versions").GetInt32().Should().Be(1);
        key.Str("keyId").Should().Be(_site.Driver.Kms("kms-prod").CustomerRootKeyId);
    }

    [Fact]
    public async Task Disabled_it_locks_a_rebooted_hosts_VMs_until_enabled_again()
    {
        (await _site.PostAsync("api/kms-clusters/kms-prod/customer-root-key/disable")).Str("did").Should().Contain("Suspended");
        (await RootKey()).Str("state").Should().Be("Suspended");
        await _site.PostAsync("api/hosts/DC0_C0_H0/reboot");
        (await _site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("cryptoState").Should().Be("locked");
        var (status, problem, _) = await _site.SendAsync(HttpMethod.Post, "api/vms/DC0_C0_H0_VM0/unlock");
        ((int)status).Should().Be(409, problem.ToString());

        await _site.PostAsync("api/kms-clusters/kms-prod/customer-root-key/enable");
        await _site.PostAsync("api/vms/DC0_C0_H0_VM0/unlock");
        (await _site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("cryptoState").Should().Be("unlocked");
    }

    [Fact]
    public async Task Rotated_it_has_two_versions_and_every_VM_still_unlocks()
    {
        await _site.PostAsync("api/kms-clusters/kms-prod/customer-root-key/rotate");
        (await RootKey()).GetProperty("versions").GetInt32().Should().Be(2);
        await _site.PostAsync("api/hosts/DC0_C0_H0/reboot");
        (await _site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("cryptoState").Should().Be("unlocked");
    }

    [Fact]
    public async Task Deleted_it_cannot_be_enabled_again_and_Key_Protect_says_so()
    {
        await _site.PostAsync("api/kms-clusters/kms-prod/customer-root-key/delete");
        (await RootKey()).Str("state").Should().Be("Destroyed");
        var (status, problem, _) = await _site.SendAsync(HttpMethod.Post, "api/kms-clusters/kms-prod/customer-root-key/enable");
        status.Should().Be(HttpStatusCode.Conflict, problem.ToString());
        problem.Str("detail").Should().Contain("KEY_DELETED_ERR").And.Contain("deleted");
    }

    [Theory]
    [InlineData("api/kms-clusters/kms-prod/customer-root-key/erase", "'erase' is not an action")]
    [InlineData("api/kms-clusters/kms-prod/nodes/1/kill", "not nodes sharing a PostgreSQL database")]
    public async Task Unknown_actions_and_nodes_are_404_saying_why(string path, string why)
    {
        var (status, problem, _) = await _site.SendAsync(HttpMethod.Post, path);
        status.Should().Be(HttpStatusCode.NotFound);
        problem.Str("detail").Should().Contain(why);
    }
}
