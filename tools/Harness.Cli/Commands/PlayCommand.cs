using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness play --dashboard URL FEATURE:LINE [--steps N]`: plays a runbook on a running dashboard's player (the REST
/// API of `./harness demo`), so that the class watches it on the dashboard: starts the scenario there (its set-up steps
/// run), then runs its steps one by one (all, or the next N), printing each. Exit code 0 when every step run passed.
/// </summary>
public static class PlayCommand
{
    public static Command Definition() => Define.Command("play",
        "plays a runbook scenario on a running dashboard's player (all its steps, or the next N), printing each step and its events; --continue goes on from where the player is paused", RunAsync,
        Define.Value("dashboard", "URL", "the dashboard ./harness demo printed", required: true),
        Define.Value("steps", "N", "run only the next N steps (default: all)"),
        Define.Switch("continue", "go on with the scenario the dashboard's player is paused in, from its current step"),
        Define.Words("FEATURE:LINE", "the runbook scenario, e.g. vsphere/locked-vms.feature:72", required: false, one: true));

    public static async Task<int> RunAsync(Args args)
    {
        var dashboard = args.Required("dashboard");
        int? steps = args.Get("steps") is null ? null : args.Int("steps", 0);
        bool resume = args.Has("continue");
        if (resume && args.Positional.Count > 0)
            throw new UsageException($"give FEATURE:LINE to start a runbook, or --continue to go on with the one playing, not both ({args.Positional[0]})");
        if (!resume && args.Positional.Count != 1)
            throw new UsageException("give one runbook scenario as FEATURE:LINE, e.g. vsphere/locked-vms.feature:72, or --continue");
        if (!Uri.TryCreate(dashboard.TrimEnd('/') + "/", UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new UsageException($"--dashboard must be the dashboard's URL as ./harness demo prints it, e.g. http://127.0.0.1:41234/, not \"{dashboard}\"");
        string? feature = null;
        int line = 0;
        if (!resume)
        {
            var which = args.Positional[0];
            int colon = which.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(which[(colon + 1)..], out line) || line <= 0)
                throw new UsageException($"\"{which}\" is not FEATURE:LINE (the scenario's line number), e.g. vsphere/locked-vms.feature:72");
            feature = which[..colon];
        }

        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
        JsonElement state;
        try { state = resume ? await GetAsync(http, "api/player") : await SendAsync(http, "api/player/start", new { feature, scenario = line }); }
        catch (HttpRequestException ex) { throw new UsageException($"the dashboard at {baseUrl} did not answer: {ex.Message}"); }
        catch (PlayerRefused ex) { throw new UsageException(ex.Message); }

        if (resume && !state.GetProperty("active").GetBoolean())
            throw new UsageException($"no runbook is playing on the dashboard at {baseUrl}: start one with ./harness play --dashboard {baseUrl} FEATURE:LINE");
        var scenario = state.GetProperty("scenario");
        var title = $"{scenario.GetProperty("location").GetString()} {scenario.GetProperty("name").GetString()}";
        int printed;
        if (resume)
        {
            printed = Ran(state);
            Console.WriteLine(state.GetProperty("next").ValueKind == JsonValueKind.Number
                ? $"Continuing {title} on {baseUrl} at {StepName(state)}"
                : $"{title} on {baseUrl} has no step left to play");
        }
        else
        {
            Console.WriteLine($"Playing {title} on {baseUrl}");
            printed = Print(state, 0);
        }
        int run = 0;
        while (state.GetProperty("next").ValueKind == JsonValueKind.Number && (steps is null || run < steps))
        {
            try { state = await SendAsync(http, "api/player/next", null); }
            catch (Exception ex) when (ex is HttpRequestException or PlayerRefused)
            {
                Console.Error.WriteLine($"harness play: {ex.Message}");
                return 1;
            }
            run++;
            printed = Print(state, printed);
        }
        var verdict = state.GetProperty("verdict").GetString();
        Console.WriteLine(verdict switch
        {
            "passed" => "runbook complete: every step passed",
            "failed" => "runbook stopped: a step failed",
            _ => $"paused before {StepName(state)} (the dashboard marks it as current; ./harness play --dashboard {baseUrl} --continue, or Next on the dashboard)",
        });
        return verdict == "failed" ? 1 : 0;
    }

    /// <summary>"step 7 of 12: When host esx01 reboots": the player's next step, counted from 1 as the dashboard lists them.</summary>
    private static string StepName(JsonElement state)
    {
        var steps = state.GetProperty("steps");
        var next = state.GetProperty("next").GetInt32();
        var step = steps[next];
        return $"step {next + 1} of {steps.GetArrayLength()}: {step.GetProperty("keyword").GetString()!.Trim()} {step.GetProperty("text").GetString()}";
    }

    /// <summary>How many of the scenario's steps have run (they have a status).</summary>
    private static int Ran(JsonElement state) =>
        state.GetProperty("steps").EnumerateArray().TakeWhile(s => s.GetProperty("status").ValueKind != JsonValueKind.Null).Count();

    private static int Print(JsonElement state, int printed)
    {
        var steps = state.GetProperty("steps");
        for (int i = printed; i < steps.GetArrayLength(); i++)
        {
            var s = steps[i];
            if (s.GetProperty("status").ValueKind == JsonValueKind.Null) return i;
            var status = s.GetProperty("status").GetString();
            Console.WriteLine($"  {(status == "passed" ? "✔" : "✘")} {s.GetProperty("keyword").GetString()} {s.GetProperty("text").GetString()}" +
                              (s.GetProperty("setup").GetBoolean() ? "  (set-up)" : "") +
                              (s.GetProperty("error").GetString() is { } e ? $"\n      {e}" : ""));
            foreach (var ev in s.GetProperty("events").EnumerateArray())
                Console.WriteLine($"      event {ev.GetProperty("object").GetString()}: {ev.GetProperty("message").GetString()}");
        }
        return steps.GetArrayLength();
    }

    private sealed class PlayerRefused(string message) : Exception(message);

    private static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return await ReadAsync(response, $"GET {path}");
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, string path, object? body)
    {
        using var response = body is null ? await http.PostAsync(path, null) : await http.PostAsJsonAsync(path, body);
        return await ReadAsync(response, $"POST {path}");
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonElement json;
        try { json = JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException) { throw new PlayerRefused($"{what} answered {(int)response.StatusCode} with no JSON: {text}"); }
        if (!response.IsSuccessStatusCode)
            throw new PlayerRefused($"{(json.TryGetProperty("title", out var t) ? t.GetString() : "refused")}: {(json.TryGetProperty("detail", out var d) ? d.GetString() : text)}");
        return json;
    }
}
