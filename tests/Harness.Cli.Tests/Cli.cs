using System.Text.RegularExpressions;
using Harness.Simulator.KmsAdministration;
using Harness.Testing;

namespace Harness.Cli.Tests;

/// <summary>
/// Runs the `harness` command as a user does: `dotnet harness.dll ARGS` as a child process. harness.dll (with its
/// deps.json and runtimeconfig.json) is copied next to the test assembly because this project references
/// tools/Harness.Cli.
/// </summary>
public static partial class Cli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    public static string HarnessDll { get; } = Path.Combine(AppContext.BaseDirectory, "harness.dll");

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";

    public static ChildProcess Start(params string[] args)
    {
        File.Exists(HarnessDll).Should().BeTrue($"harness.dll should be copied next to the test assembly ({AppContext.BaseDirectory})");
        return ChildProcess.Start(Dotnet, [HarnessDll, .. args]);
    }

    /// <summary>Runs to the end (bounded; killed and failed after <see cref="DefaultTimeout"/>).</summary>
    public static async Task<ChildProcess> RunAsync(params string[] args)
    {
        var child = Start(args);
        await child.WaitForExitAsync(DefaultTimeout);
        return child;
    }

    /// <summary>Runs to the end from <paramref name="workingDirectory"/>.</summary>
    public static async Task<ChildProcess> RunInAsync(string workingDirectory, params string[] args)
    {
        File.Exists(HarnessDll).Should().BeTrue();
        var child = ChildProcess.Start(Dotnet, [HarnessDll, .. args], workingDirectory);
        await child.WaitForExitAsync(DefaultTimeout);
        return child;
    }

    /// <summary>A team's Reqnroll binding assembly (tests/Fixtures/Harness.Fixtures.TeamSteps), built beside the tests.</summary>
    public static string TeamSteps { get; } = Path.Combine(AppContext.BaseDirectory, "Harness.Fixtures.TeamSteps.dll");

    /// <summary>The one-line reason on stderr of a command that exited with code 2.</summary>
    public static string ReasonOf(ChildProcess run)
    {
        run.ExitCode.Should().Be(2, $"bad usage exits with 2\n{run.Describe()}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle($"the reason is one line on stderr\n{run.Describe()}");
        return lines[0];
    }
}

/// <summary>Test helpers around certify's --admin-command.</summary>
public static partial class Cli
{
    /// <summary>
    /// An --admin-command script (in <paramref name="dir"/>) for a Harness KMS: tools/harness-admin-command.sh with the
    /// admin interface's URL and the file that holds its token.
    /// </summary>
    public static string HarnessAdminCommand(TempDir dir, Uri adminUrl, string tokenFile)
    {
        var script = dir.Sub("admin-command.sh");
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            $"HARNESS_ADMIN_URL='{adminUrl}' HARNESS_ADMIN_TOKEN_FILE='{tokenFile}' " +
            $"exec '{Path.Combine(RepoPaths.Root, "tools", "harness-admin-command.sh")}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }
}

/// <summary>`harness serve` as a child process on 127.0.0.1 port 0 (the OS picks a free port; serve prints it).</summary>
public sealed class ServeProcess : IDisposable
{
    private static readonly Regex EndpointLine = new(@"^KMIP server \(mutual TLS\): 127\.0\.0\.1:(\d+)$", RegexOptions.Compiled);
    private static readonly Regex ListeningLine = new(@"KMIP server listening on .*, (\d+) objects,", RegexOptions.Compiled);
    private static readonly Regex AdminLine = new(@"^Admin interface: (http://\S+) \(token in (.+)\)$", RegexOptions.Compiled);
    private static readonly Regex HttpsLine = new(@"^KMIP HTTPS binding: https://127\.0\.0\.1:(\d+)/kmip ", RegexOptions.Compiled);

    private ServeProcess(ChildProcess process, int port, int objectsAtStart, TimeSpan startedIn, Uri adminUrl, string adminTokenFile)
    {
        Process = process;
        Port = port;
        ObjectsAtStart = objectsAtStart;
        StartedIn = startedIn;
        AdminUrl = adminUrl;
        AdminTokenFile = adminTokenFile;
    }

    /// <summary>The admin interface serve started (on a free port) and the file holding its bearer token.</summary>
    public Uri AdminUrl { get; }
    public string AdminTokenFile { get; }

    public ChildProcess Process { get; }
    public int Port { get; }

    /// <summary>The port of the KMIP HTTPS binding, when serve was given --https.</summary>
    public int? HttpsPort { get; private init; }

    /// <summary>The object count the server logged when it opened its store.</summary>
    public int ObjectsAtStart { get; }

    /// <summary>From process start to the printed endpoint.</summary>
    public TimeSpan StartedIn { get; }

    public static async Task<ServeProcess> StartAsync(string pkiDirectory, string dataDirectory, TimeSpan? timeout = null, params string[] options)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var process = Cli.Start(["serve", "--kmip", "127.0.0.1:0", "--data", dataDirectory, "--pki", pkiDirectory, .. options]);
        try
        {
            var wait = timeout ?? TimeSpan.FromSeconds(60);
            var line = await process.WaitForLineAsync(l => EndpointLine.IsMatch(l), wait);
            var port = int.Parse(EndpointLine.Match(line).Groups[1].Value);
            var startedIn = clock.Elapsed;
            // The log line comes through the console logger's queue: it may be printed after the endpoint.
            var listening = await process.WaitForLineAsync(l => ListeningLine.IsMatch(l), TimeSpan.FromSeconds(10));
            var admin = AdminLine.Match(await process.WaitForLineAsync(l => AdminLine.IsMatch(l), TimeSpan.FromSeconds(10)));
            int? httpsPort = options.Contains("--https")
                ? int.Parse(HttpsLine.Match(await process.WaitForLineAsync(l => HttpsLine.IsMatch(l), TimeSpan.FromSeconds(10))).Groups[1].Value)
                : null;
            return new ServeProcess(process, port, int.Parse(ListeningLine.Match(listening).Groups[1].Value), startedIn,
                new Uri(admin.Groups[1].Value), admin.Groups[2].Value) { HttpsPort = httpsPort };
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>kill -9 of the server (and anything it started).</summary>
    public void KillHard() => Process.Kill();

    public void Dispose() => Process.Dispose();
}
