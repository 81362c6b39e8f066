using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>GET /api/stream: server-sent events of new vSphere events and alarm changes, from every vCenter.</summary>
public sealed class StreamApiTests
{
    [Fact]
    public async Task The_stream_delivers_an_event_and_an_alarm_logged_after_subscribing()
    {
        await using var site = await ApiSite.StartAsync();
        using var stream = await SseSubscription.OpenAsync(site);
        var ready = await stream.NextAsync();
        ready.Type.Should().Be("ready");
        ready.Data.Items("vcenters").Select(v => v.GetString()).Should().Equal("vc01");

        await site.PostAsync("api/vms/DC0_C0_H0_VM0/remove-keys");

        var locked = await stream.NextAsync(m => m.Type == "event");
        locked.Data.Str("typeId").Should().Be("com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnHost");
        locked.Data.Str("object").Should().Be("DC0_C0_H0_VM0");
        locked.Data.Str("vcenter").Should().Be("vc01");
        locked.Id.Should().Be($"vc01:{locked.Data.GetProperty("key").GetInt64()}");

        var alarm = await stream.NextAsync(m => m.Type == "alarm");
        alarm.Data.Str("object").Should().Be("DC0_C0_H0_VM0");
        alarm.Data.GetProperty("active").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task The_stream_follows_a_new_vCenter_and_its_own_event_log()
    {
        await using var site = await ApiSite.StartAsync();
        using var stream = await SseSubscription.OpenAsync(site);
        (await stream.NextAsync()).Type.Should().Be("ready");

        await site.PostAsync("api/vcenters/vc01/lose");
        (await site.SendAsync(HttpMethod.Post, "api/vcenters", "{\"name\": \"vc02\"}")).Status.Should().Be(System.Net.HttpStatusCode.Created);
        (await stream.NextAsync(m => m.Type == "vcenter")).Data.Str("name").Should().Be("vc02");

        // vc02 does not know the key provider yet: re-registering the VM (powered off first: a running VM cannot be
        // unregistered) logs the registration, then locks the VM (409).
        await site.PostAsync("api/vms/DC0_C0_H0_VM0/power-off");
        var (status, _, _) = await site.SendAsync(HttpMethod.Post, "api/vms/DC0_C0_H0_VM0/register");
        ((int)status).Should().Be(409);
        var registered = await stream.NextAsync(m => m.Type == "event" && m.Data.Str("typeId") == "VmRegisteredEvent");
        registered.Data.Str("vcenter").Should().Be("vc02");
        var alarm = await stream.NextAsync(m => m.Type == "alarm");
        alarm.Data.Str("vcenter").Should().Be("vc02");
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        using var stream = await SseSubscription.OpenAsync(site);
        (await stream.NextAsync()).Type.Should().Be("ready");
        await site.Host.DisposeAsync();
        var ended = async () => await stream.NextAsync();
        await ended.Should().ThrowAsync<Exception>().Where(e => e is EndOfStreamException || e is IOException || e is HttpRequestException);
    }
}
