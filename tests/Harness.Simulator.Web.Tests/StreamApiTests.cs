using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>GET /api/stream: server-sent events of new vSphere events and alarm changes, from every vCenter.</summary>
public sealed class StreamApiTests
{
    /// <summary>Bound on waiting for a message that should come at once.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private sealed record Sse(string Type, string? Id, JsonElement Data);

    /// <summary>A subscription: reads one server-sent event at a time.</summary>
    private sealed class Subscription(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public static async Task<Subscription> OpenAsync(ApiSite site)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "api/stream");
            var response = await site.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
            response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
            return new Subscription(response, reader);
        }

        public async Task<Sse> NextAsync()
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            bound.CancelAfter(Bound);
            string? type = null, id = null, data = null;
            while (true)
            {
                string? line;
                try { line = await reader.ReadLineAsync(bound.Token); }
                catch (OperationCanceledException) { throw new TimeoutException($"no server-sent event within {Bound.TotalSeconds} s"); }
                if (line is null) throw new EndOfStreamException("the stream ended");
                if (line.Length == 0)
                {
                    if (type is not null || data is not null) return new Sse(type ?? "message", id, JsonDocument.Parse(data ?? "null").RootElement.Clone());
                    continue;
                }
                if (line.StartsWith(':')) continue;
                if (line.StartsWith("event: ")) type = line[7..];
                else if (line.StartsWith("id: ")) id = line[4..];
                else if (line.StartsWith("data: ")) data = line[6..];
            }
        }

        /// <summary>Reads until a message matches (bounded), returning it.</summary>
        public async Task<Sse> NextAsync(Func<Sse, bool> match)
        {
            var seen = new List<string>();
            var deadline = DateTime.UtcNow + Bound;
            while (DateTime.UtcNow < deadline)
            {
                Sse next;
                try { next = await NextAsync(); }
                catch (TimeoutException) { break; }
                if (match(next)) return next;
                seen.Add($"{next.Type} {next.Data}");
            }
            throw new TimeoutException($"no matching server-sent event; saw: {(seen.Count == 0 ? "nothing" : string.Join(" | ", seen))}");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    [Fact]
    public async Task The_stream_delivers_an_event_and_an_alarm_logged_after_subscribing()
    {
        await using var site = await ApiSite.StartAsync();
        using var stream = await Subscription.OpenAsync(site);
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
        using var stream = await Subscription.OpenAsync(site);
        (await stream.NextAsync()).Type.Should().Be("ready");

        await site.PostAsync("api/vcenters/vc01/lose");
        (await site.SendAsync(HttpMethod.Post, "api/vcenters", "{\"name\": \"vc02\"}")).Status.Should().Be(System.Net.HttpStatusCode.Created);
        (await stream.NextAsync(m => m.Type == "vcenter")).Data.Str("name").Should().Be("vc02");

        // vc02 does not know the key provider yet: registering logs the registration, then locks the VM (409).
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
        using var stream = await Subscription.OpenAsync(site);
        (await stream.NextAsync()).Type.Should().Be("ready");
        await site.Host.DisposeAsync();
        var ended = async () => await stream.NextAsync();
        await ended.Should().ThrowAsync<Exception>().Where(e => e is EndOfStreamException || e is IOException || e is HttpRequestException);
    }
}
