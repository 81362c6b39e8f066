using System.Diagnostics;
using System.Text;

namespace Harness.Testing;

/// <summary>
/// A child process for a test: arguments passed as a list (no shell), stdout and stderr captured line by line, every
/// wait bounded. Dispose kills the whole process tree (SIGKILL on Linux) if it is still running.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = new();
    private readonly List<string> _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Stdout { get { lock (_gate) return string.Join('\n', _stdout); } }
    public string Stderr { get { lock (_gate) return string.Join('\n', _stderr); } }
    public IReadOnlyList<string> StdoutLines { get { lock (_gate) return _stdout.ToList(); } }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, fileName + " " + string.Join(' ', info.ArgumentList.Select(Quote)));
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isStdout: false);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a command to its end (killed after <paramref name="timeout"/>, which then throws).</summary>
    public static async Task<ChildProcess> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        string? workingDirectory = null)
    {
        var child = Start(fileName, arguments, workingDirectory);
        await child.WaitForExitAsync(timeout);
        return child;
    }

    private void OnLine(string? line, bool isStdout)
    {
        if (line is null)
        {
            (isStdout ? _stdoutClosed : _stderrClosed).TrySetResult();
            return;
        }
        List<TaskCompletionSource<string>> found = new();
        lock (_gate)
        {
            (isStdout ? _stdout : _stderr).Add(line);
            if (!isStdout) return;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                found.Add(_waiters[i].Found);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var f in found) f.TrySetResult(line);
    }

    /// <summary>The first stdout line (already printed or still to come) that matches; throws when the process exits
    /// first or the time is up (with what it printed).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var already = _stdout.FirstOrDefault(match);
            if (already is not null) return already;
            _waiters.Add((match, found));
        }
        var exited = _stdoutClosed.Task;
        var winner = await Task.WhenAny(found.Task, exited, Task.Delay(timeout));
        if (winner == found.Task) return await found.Task;
        lock (_gate) _waiters.RemoveAll(w => w.Found == found);
        if (found.Task.IsCompleted) return await found.Task;
        throw new TimeoutException(winner == exited
            ? $"{CommandLine} ended its output (exit code {(HasExited ? ExitCode.ToString() : "?")}) before printing the expected line.\n{Describe()}"
            : $"{CommandLine} did not print the expected line within {timeout.TotalSeconds:0.#} s.\n{Describe()}");
    }

    /// <summary>Waits for the process and its output; kills the tree and throws when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            // The process is gone; its pipes close with it (unless it left a grandchild holding them).
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{CommandLine} did not finish within {timeout.TotalSeconds:0.#} s; killed.\n{Describe()}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the process and all its descendants; waits (bounded) until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { /* exited meanwhile */ }
        _process.WaitForExit(10_000);
    }

    public string Describe(int lines = 40)
    {
        lock (_gate)
        {
            return $"--- stdout (last {lines} lines)\n{string.Join('\n', _stdout.TakeLast(lines))}\n" +
                   $"--- stderr (last {lines} lines)\n{string.Join('\n', _stderr.TakeLast(lines))}";
        }
    }

    private static string Quote(string a) => a.Length > 0 && a.All(c => !char.IsWhiteSpace(c) && c is not ('"' or '\'' or '|')) ? a : $"'{a}'";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
