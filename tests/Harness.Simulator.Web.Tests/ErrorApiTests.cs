using System.Net;

namespace Harness.Simulator.Web.Tests;

/// <summary>Refusals are application/problem+json with a specific detail: 404 unknown object, 409 the state forbids it, 400 bad input.</summary>
public sealed class ErrorApiTests : IAsyncLifetime
{
    private ApiSite _site = null!;

    public async ValueTask InitializeAsync() => _site = await ApiSite.StartAsync();
    public async ValueTask DisposeAsync() => await _site.DisposeAsync();

    private async Task<System.Text.Json.JsonElement> Problem(HttpMethod method, string path, HttpStatusCode expected, string? body = null)
    {
        var (status, problem, media) = await _site.SendAsync(method, path, body);
        status.Should().Be(expected, $"{method} {path} answered {problem}");
        media.Should().Be("application/problem+json");
        problem.GetProperty("status").GetInt32().Should().Be((int)expected);
        return problem;
    }

    [Theory]
    [InlineData("GET", "api/vms/no-such-vm", "no-such-vm")]
    [InlineData("POST", "api/vms/no-such-vm/power-on", "no-such-vm")]
    [InlineData("POST", "api/vms/no-such-vm/key/deactivate", "no-such-vm")]
    [InlineData("GET", "api/hosts/esx99", "esx99")]
    [InlineData("POST", "api/hosts/esx99/reboot", "esx99")]
    [InlineData("POST", "api/kms-clusters/kms-other/unreachable", "kms-other")]
    [InlineData("POST", "api/kms-clusters/kms-prod/servers/3/down", "servers 1 to 2, not 3")]
    [InlineData("POST", "api/vcenters/vc09/lose", "vc09")]
    [InlineData("GET", "api/no-such-endpoint", "/api/no-such-endpoint")]
    public async Task An_unknown_object_is_404_naming_it(string method, string path, string named)
    {
        var problem = await Problem(new HttpMethod(method), path, HttpStatusCode.NotFound);
        problem.Str("detail").Should().Contain(named);
    }

    [Fact]
    public async Task Powering_on_a_locked_VM_is_409_with_the_vSphere_fault()
    {
        await _site.PostAsync("api/vms/DC0_C0_H0_VM0/remove-keys");
        var problem = await Problem(HttpMethod.Post, "api/vms/DC0_C0_H0_VM0/power-on", HttpStatusCode.Conflict);
        problem.Str("title").Should().Be("InvalidVmState");
        problem.Str("fault").Should().Be("InvalidVmState");
        problem.Str("detail").Should().Contain("DC0_C0_H0_VM0").And.Contain("locked");
        (await _site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("powerState").Should().Be("poweredOff");
    }

    [Fact]
    public async Task Actions_the_state_forbids_are_409()
    {
        (await Problem(HttpMethod.Post, "api/vms/DC0_C0_H0_VM0/encrypt", HttpStatusCode.Conflict)).Str("detail").Should().Contain("already encrypted");
        (await Problem(HttpMethod.Post, "api/vms/DC0_C0_H0_VM1/key/destroy", HttpStatusCode.Conflict)).Str("detail").Should().Contain("not encrypted");
        (await Problem(HttpMethod.Post, "api/vcenters", HttpStatusCode.Conflict, "{\"name\": \"vc01\"}")).Str("title").Should().Be("DuplicateName");
        (await Problem(HttpMethod.Post, "api/kms-clusters/kms-prod/customer-root-key/disable", HttpStatusCode.Conflict)).Str("detail").Should().Contain("local file, not in Key Protect");
    }

    [Fact]
    public async Task Encrypting_a_plain_VM_answers_the_encrypted_VM_and_the_event()
    {
        await _site.PostAsync("api/vms/DC0_C0_H0_VM1/power-off"); // vSphere encrypts powered-off VMs
        var result = await _site.PostAsync("api/vms/DC0_C0_H0_VM1/encrypt");
        result.GetProperty("vm").GetProperty("encrypted").GetBoolean().Should().BeTrue();
        result.GetProperty("vm").Str("provider").Should().Be("kms-prod");
        result.Items("events").Select(e => e.Str("typeId")).Should().Contain("VmReconfiguredEvent");
    }

    [Fact]
    public async Task Encrypting_a_running_VM_is_refused_with_InvalidPowerState_and_changes_nothing()
    {
        var (status, body, _) = await _site.SendAsync(HttpMethod.Post, "api/vms/DC0_C0_H0_VM1/encrypt");
        ((int)status).Should().Be(409);
        body.Str("fault").Should().Be("InvalidPowerState");
        body.Str("detail").Should().Contain("power it off");
        (await _site.GetAsync("api/vms/DC0_C0_H0_VM1")).GetProperty("encrypted").GetBoolean().Should().BeFalse();
    }

    [Theory]
    [InlineData("api/clock/advance", "{\"minutes\": ", "not the JSON")]
    [InlineData("api/clock/advance", "", "must be a JSON object")]
    [InlineData("api/clock/advance", "{\"minutes\": \"five\"}", "minutes")]
    [InlineData("api/clock/advance", "{\"minutes\": -1}", "more than 0")]
    [InlineData("api/clock/advance", "{}", "minutes is required")]
    [InlineData("api/vcenters", "{\"nam\": \"vc02\"}", "nam")]
    [InlineData("api/vcenters", "{\"name\": \"  \"}", "name is required")]
    [InlineData("api/vcenters/vc01/trust", "{\"providerName\": \"kms-prod\"}", "kmsCluster is required")]
    [InlineData("api/vcenters/vc01/trust", "[1, 2]", "not the JSON")]
    [InlineData("api/vms/DC0_C0_H0_VM0/migrate", "{}", "host is required")]
    [InlineData("api/vms/DC0_C0_H0_VM0/migrate", "{\"hots\": \"DC0_C0_H1\"}", "hots")]
    [InlineData("api/vms/DC0_C0_H0_VM0/clone", "{\"name\": \" \"}", "name is required")]
    [InlineData("api/vms/DC0_C0_H0_VM0/register-on", "{}", "host is required")]
    public async Task Bad_input_is_400_saying_what_is_wrong(string path, string body, string says)
    {
        var problem = await Problem(HttpMethod.Post, path, HttpStatusCode.BadRequest, body);
        problem.Str("detail").Should().Contain(says);
    }

    [Theory]
    [InlineData("api/events?since=yesterday", "since must be an event key")]
    [InlineData("api/alarms?active=maybe", "active must be true or false")]
    [InlineData("api/vms?cryptoState=frozen", "cryptoState must be")]
    public async Task Bad_query_parameters_are_400(string path, string says)
    {
        var problem = await Problem(HttpMethod.Get, path, HttpStatusCode.BadRequest);
        problem.Str("detail").Should().Contain(says);
    }

    [Fact]
    public async Task A_failed_action_carries_the_events_it_logged()
    {
        await _site.PostAsync("api/kms-clusters/kms-prod/unreachable");
        await _site.PostAsync("api/vms/DC0_C0_H0_VM0/remove-keys");
        var problem = await Problem(HttpMethod.Post, "api/vms/DC0_C0_H0_VM0/register", HttpStatusCode.Conflict);
        problem.Str("detail").Should().Contain("KMS cluster error");
        problem.Items("events").Select(e => e.Str("typeId")).Should().Contain(["VmRegisteredEvent", "com.vmware.vc.kms.crypto.Unreachable"]);
    }
}
