using System.Diagnostics;

namespace Harness.Simulator;

/// <summary>
/// A real PostgreSQL server for the KMS nodes of a scenario ("nodes sharing one PostgreSQL database"): the machine's own
/// PostgreSQL binaries (Debian's postgresql package), a fresh cluster in a temporary directory, listening on a free
/// loopback port only, trusting local connections. One server serves every scenario of a process; each KMS cluster
/// gets a database of its own (<see cref="CreateDatabaseAsync"/>). PostgreSQL refuses to run as root: as root the
/// server runs as the "postgres" user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "harness";
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static PostgresServer? _shared;

    private readonly Process _process;
    private readonly string _directory;
    private readonly string _bin;
    private int _databases;

    private PostgresServer(Process process, string directory, string bin, int port)
    {
        _process = process;
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server every scenario of this process shares, started on first use and stopped when the process exits.</summary>
    public static async Task<PostgresServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_shared is { _process.HasExited: false } running) return running;
            _shared = await StartAsync().ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _shared?.Stop();
            return _shared;
        }
        finally { SharedLock.Release(); }
    }

    /// <summary>The directory of initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/N/bin, or $HARNESS_POSTGRES_BIN.</summary>
    public static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("HARNESS_POSTGRES_BIN") is { Length: > 0 } configured)
            return File.Exists(Path.Combine(configured, "postgres")) ? configured : null;
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "postgres")))
            .OrderByDescending(d => d.Version).Select(d => d.Dir).FirstOrDefault();
    }

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: KMS nodes sharing one PostgreSQL database need its server binaries " +
            "(apt-get install postgresql, or set HARNESS_POSTGRES_BIN to the directory that holds initdb and postgres)");
        var directory = Path.Combine(Path.GetTempPath(), "harness-postgres-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(directory);
        bool asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", ["-R", "postgres", directory], null).ConfigureAwait(false);
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync"], asRoot).ConfigureAwait(false);
        int port = LoopbackPorts.Free();
        var start = Command(Path.Combine(bin, "postgres"),
            ["-D", data, "-p", port.ToString(), "-h", "127.0.0.1", "-k", directory, "-c", "fsync=on", "-c", "max_connections=200"], asRoot);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            log.Enqueue(line);
            if (line.Contains("ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
        }
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false);
        if (first != ready.Task)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"PostgreSQL ({bin}) did not start on port {port}: {string.Join(" | ", log.TakeLast(5))}");
        }
        return new PostgresServer(process, directory, bin, port);
    }

    /// <summary>A new empty database; answers its URL in the form `harness serve --store` takes.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = "kms_" + new string(purpose.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray())
                   + "_" + Interlocked.Increment(ref _databases);
        await RunAsync(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", User, name], null).ConfigureAwait(false);
        return $"postgres://{User}@127.0.0.1:{Port}/{name}";
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGINT: PostgreSQL's fast shutdown (SIGKILL would leave its shared memory behind).
                Process.Start("kill", ["-INT", _process.Id.ToString()])?.WaitForExit(5000);
                if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public ValueTask DisposeAsync()
    {
        if (ReferenceEquals(this, _shared)) return ValueTask.CompletedTask;   // the shared server lives as long as the process
        Stop();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static ProcessStartInfo Command(string file, string[] arguments, bool? asPostgres)
    {
        ProcessStartInfo start;
        if (asPostgres == true)
        {
            start = new ProcessStartInfo("runuser") { UseShellExecute = false };
            foreach (var a in new[] { "-u", "postgres", "--", file }) start.ArgumentList.Add(a);
        }
        else start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    private static async Task RunAsync(string file, string[] arguments, bool? asPostgres)
    {
        var start = Command(file, arguments, asPostgres);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed (exit code {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
    }
}
