using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// The Debian PyKMIP 0.10 (package python3-pykmip) under /usr/bin/python3. A python3 earlier on PATH (pyenv, venv)
/// usually lacks it, so the interpreter is always the Debian one.
/// </summary>
public static class PyKmip
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<Task<string?>> Problem = new(FindProblemAsync);

    /// <summary>Fails the test (never skips it) when PyKMIP cannot be imported, saying how to install it.</summary>
    public static async Task EnsureInstalledAsync()
    {
        var problem = await Problem.Value;
        if (problem is not null)
            Assert.Fail($"PyKMIP is not usable: {problem}. Run `./harness test` as root (it installs python3-pykmip with apt), " +
                        "or install it yourself: apt-get install python3-pykmip.");
    }

    private static async Task<string?> FindProblemAsync()
    {
        if (!File.Exists(Python)) return $"{Python} does not exist";
        using var probe = await ChildProcess.RunAsync(Python,
            ["-c", "import kmip.pie.client, kmip.services.server.server, kmip.version; print(kmip.version.__version__)"],
            TimeSpan.FromSeconds(60));
        return probe.ExitCode == 0 ? null
            : $"`{Python} -c 'import kmip…'` failed with exit code {probe.ExitCode}: {probe.Stderr.Split('\n').LastOrDefault(l => l.Length > 0)}";
    }

    /// <summary>A file shipped next to the test assembly (Python/*.py are copied to the output).</summary>
    public static string Script(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Python", name);
        File.Exists(path).Should().BeTrue($"{name} should be copied next to the test assembly");
        return path;
    }
}
