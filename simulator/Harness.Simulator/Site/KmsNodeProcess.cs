using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Harness.Simulator;

/// <summary>
/// One node of a KMS cluster on PostgreSQL: a real `harness serve` process of its own, on the cluster's shared database,
/// PKI and root key. <see cref="Kill"/> is a kill -9; <see cref="StartAsync"/> starts it again on the same ports, so the
/// key provider's server address stays valid.
/// </summary>
public sealed class KmsNodeProcess : IAsyncDisposable
{
    private readonly string _pkiDirectory;
    private readonly string _store;
    private IReadOnlyList<string> _extraArguments;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public KmsNodeProcess(int number, string dataDirectory, string pkiDirectory, string store, IReadOnlyList<string>? extraArguments = null)
    {
        Number = number;
        DataDirectory = dataDirectory;
        _pkiDirectory = pkiDirectory;
        _store = store;
        _extraArguments = extraArguments ?? [];
        Endpoint = new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Free());
        AdminUrl = new Uri($"http://127.0.0.1:{LoopbackPorts.Free()}/");
    }

    public int Number { get; }

    /// <summary>Options given to `harness serve` beyond where it listens, its data, PKI and store (from its next start on).</summary>
    public IReadOnlyList<string> ExtraArguments { get => _extraArguments; set => _extraArguments = value; }
    public string DataDirectory { get; }
    public IPEndPoint Endpoint { get; }
    public Uri AdminUrl { get; }
    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, "admin.token")).Trim();
    public bool Running => _process is { HasExited: false };
    public int? ProcessId => Running ? _process!.Id : null;

    /// <summary>Its last lines of output (for errors that need them).</summary>
    public IEnumerable<string> Output => _output;

    /// <summary>Its last lines of output, for a failure's message.</summary>
    public string LastOutput => $"node {Number}'s last output: {string.Join(" | ", _output.TakeLast(8))}";

    /// <summary>
    /// The `harness` command to run: $HARNESS_CLI (harness.dll or the harness executable), else harness.dll beside this
    /// program (tests that reference the CLI, and ./harness itself), else the repository's build of tools/Harness.Cli.
    /// </summary>
    public static string FindHarnessCli()
    {
        if (Environment.GetEnvironmentVariable("HARNESS_CLI") is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"HARNESS_CLI={configured} does not exist");
        var beside = Path.Combine(AppContext.BaseDirectory, "harness.dll");
        if (File.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var built = Path.Combine(dir.FullName, "tools", "Harness.Cli", "bin", configuration, "net10.0", "harness.dll");
                if (File.Exists(built)) return built;
            }
        throw new InvalidOperationException(
            "KMS nodes are `harness serve` processes, and no harness command was found: build tools/Harness.Cli, or set HARNESS_CLI to its harness.dll");
    }

    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Running) throw new InvalidOperationException($"KMS node {Number} is already running (process {_process!.Id})");
        var cli = FindHarnessCli();
        var start = cli.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(cli);
        if (cli.EndsWith(".dll", StringComparison.Ordinal)) start.ArgumentList.Add(cli);
        foreach (var a in (string[])["serve", "--kmip", Endpoint.ToString(), "--admin", $"{AdminUrl.Host}:{AdminUrl.Port}",
                     "--data", DataDirectory, "--pki", _pkiDirectory, "--store", _store])
            start.ArgumentList.Add(a);
        foreach (var a in _extraArguments) start.ArgumentList.Add(a);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _output.Clear();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        void Read(string? line)
        {
            if (line is null) return;
            _output.Enqueue(line);
            while (_output.Count > 200) _output.TryDequeue(out _);
            if (line.StartsWith("Ctrl-C stops the server", StringComparison.Ordinal)) ready.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var exited = process.WaitForExitAsync(deadline.Token);
        try
        {
            var first = await Task.WhenAny(ready.Task, exited).ConfigureAwait(false);
            if (first != ready.Task)
                throw new InvalidOperationException($"KMS node {Number} ({cli} serve) exited with code {process.ExitCode} before it served: {string.Join(" | ", _output.TakeLast(5))}");
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new InvalidOperationException($"KMS node {Number} did not start serving within 60 s: {string.Join(" | ", _output.TakeLast(5))}");
        }
    }

    /// <summary>kill -9: the process ends at once, in the middle of whatever it was doing.</summary>
    public void Kill()
    {
        if (_process is not { } p) return;
        try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(10_000); } }
        catch (InvalidOperationException) { }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        return ValueTask.CompletedTask;
    }
}
