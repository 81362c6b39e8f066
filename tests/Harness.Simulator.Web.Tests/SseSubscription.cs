using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>A subscription to /api/stream: reads one server-sent event at a time.</summary>
internal sealed class SseSubscription(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    /// <summary>Bound on waiting for a message that should come at once.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public sealed record Sse(string Type, string? Id, JsonElement Data);

    public static async Task<SseSubscription> OpenAsync(ApiSite site)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/stream");
        var response = await site.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        return new SseSubscription(response, reader);
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
            seen.Add($"{next.Type} {Truncate(next.Data.GetRawText())}");
        }
        throw new TimeoutException($"no matching server-sent event; saw: {(seen.Count == 0 ? "nothing" : string.Join(" | ", seen))}");
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
