using System.CommandLine;
using Harness.Certification;
using Harness.Kmip.Client;
using Harness.Simulator.KmsAdministration;
using Harness.Steps;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness certify --target HOST:PORT --pki DIR --out DIR [--user NAME:PASSWORD] [--connections N] [--features DIR]
/// [--no-scenarios] [--admin-command SCRIPT] [--no-prompt] [--vectors DIR]`: checks a KMIP server against vCenter's behaviour (transport,
/// vCenter's conversation, the @certification recovery scenarios) and writes report.html, report.json and report.xml
/// (JUnit) to DIR. Exit code 0 for Compatible (with or without warnings), 1 for Not compatible. The KMS administrator's
/// steps KMIP cannot express go to --admin-command (called as SCRIPT ACTION KEY_ID), else to the operator when stdin is
/// a terminal, else the scenario "needs a KMS administrator".
/// `--image IMAGE --port N [--image-command "ARGS..."] [--mount HOSTDIR:CONTAINERDIR[:ro]] [--image-timeout S]` instead
/// of --target: the KMS ships as a local container image; Harness starts it on the host network, certifies
/// 127.0.0.1:N and stops and removes it (also on failure and on Ctrl-C). No Docker or no such image: exit code 2
/// (nothing was tested); a container that exits or never listens: a Not compatible report quoting its last output.
/// </summary>
public static class CertifyCommand
{
    public static Command Definition() => Define.Command("certify",
        "checks a vendor's KMS against vCenter's behaviour (transport, vCenter's KMIP conversation, the @certification recovery scenarios, optionally OASIS vectors); writes report.html, report.json, report.xml (JUnit) to DIR; exit 0 Compatible (with or without warnings), 1 Not compatible", RunAsync,
        Define.Value("target", "HOST:PORT", "the KMS under test (or --image)"),
        Define.Value("pki", "DIR", "vCenter's identity: client.crt, client.key and ca.crt (the CA of the KMS's server certificate)", required: true),
        Define.Value("out", "DIR", "where the reports go (created if missing)", required: true),
        Define.Value("user", "NAME:PASSWORD", "a KMIP Credential for every request"),
        Define.Value("connections", "N", "connections of the concurrency check, 1 to 256", "16"),
        Define.Value("admin-command", "SCRIPT", "runs the KMS administrator's steps KMIP cannot express: SCRIPT ACTION KEY_ID"),
        Define.Value("vectors", "DIR", "OASIS KMIP XML vectors to replay, each a requirement (warnings)"),
        Define.Value("features", "DIR", "where the @certification scenarios are (default: the repository's features/)"),
        Define.Switch("no-scenarios", "skip the recovery scenarios"),
        Define.Switch("no-prompt", "never ask the operator to do the KMS administrator's steps"),
        Define.Value("image", "IMAGE", "certify a KMS shipped as a local container image instead of --target (host network, 127.0.0.1:N)"),
        Define.Value("port", "N", "with --image: the port its KMS listens on"),
        Define.Value("image-command", "\"ARGS...\"", "with --image: replaces the image's command (split on spaces)"),
        Define.Value("mount", "HOSTDIR:CONTAINERDIR[:ro]", "with --image: binds one host folder into the container"),
        Define.Value("image-timeout", "SECONDS", "with --image: how long to wait until 127.0.0.1:N accepts TCP", "60"));

    public static async Task<int> RunAsync(Args args)
    {
        var targetText = args.Get("target");
        var image = args.Get("image");
        var portText = args.Get("port");
        var imageCommand = args.Get("image-command");
        var mountText = args.Get("mount");
        int imageTimeout = args.Int("image-timeout", 60);
        var pki = Path.GetFullPath(args.Required("pki"));
        var output = Path.GetFullPath(args.Required("out"));
        var user = args.UserPassword("user");
        int connections = args.Int("connections", 16);
        var featuresOption = args.Get("features");
        bool noScenarios = args.Has("no-scenarios");
        var adminCommand = args.Get("admin-command");
        bool noPrompt = args.Has("no-prompt");
        var vectorsOption = args.Get("vectors");
        if (targetText is not null && image is not null)
            throw new UsageException("--target and --image are mutually exclusive: --target HOST:PORT certifies a running KMS, --image IMAGE --port N starts one from a local container image");
        if (targetText is null && image is null)
            throw new UsageException("--target HOST:PORT or --image IMAGE --port N is required");
        if (image is null && (portText ?? imageCommand ?? mountText ?? (args.Has("image-timeout") ? "" : null)) is not null)
            throw new UsageException("--port, --image-command, --mount and --image-timeout go with --image only");
        if (!Directory.Exists(pki)) throw new UsageException($"--pki {pki} is not a folder (it must hold client.crt, client.key and ca.crt)");
        var paths = new Harness.Pki.PkiPaths(pki);
        foreach (var file in new[] { paths.ClientCert, paths.ClientKey, paths.Ca })
            if (!File.Exists(file)) throw new UsageException($"--pki {pki} has no {Path.GetFileName(file)} (it must hold client.crt, client.key and ca.crt)");
        if (connections is < 1 or > 256) throw new UsageException($"--connections must be 1 to 256, not {connections}");
        var credential = user is { } u ? new UsernamePasswordCredential(u.Name, u.Password) : null;

        var scenarios = LoadScenarios(noScenarios, featuresOption);
        IReadOnlyList<string> vectors = [];
        if (vectorsOption is not null)
        {
            try { vectors = VectorReplay.Expand([vectorsOption]); }
            catch (FileNotFoundException) { throw new UsageException($"--vectors {vectorsOption} is neither a folder nor a file"); }
            if (vectors.Count == 0) throw new UsageException($"--vectors {vectorsOption} holds no .xml vector file");
        }
        string? script = null;
        if (adminCommand is not null)
        {
            script = Path.GetFullPath(adminCommand);
            if (!File.Exists(script)) throw new UsageException($"--admin-command {script} does not exist");
        }
        using var progress = ProgressLine.ForStderr();
        string? progressNow = null;
        // Shows "certify: 12/31 requirements" while a certifier runs (a terminal's stderr only).
        async Task<CertificationReport> WithProgress(Certifier certifier, CancellationToken ct)
        {
            using var ticker = progress.Enabled
                ? new Timer(_ => progress.Show("certify", certifier.RequirementsDone, certifier.RequirementCount, "requirements", progressNow), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500))
                : null;
            try { return await certifier.RunAsync(ct); }
            finally
            {
                ticker?.Dispose();
                progress.Clear();
            }
        }
        // Who does the KMS administrator's steps KMIP cannot express, for the KMS at HOST:PORT.
        IManualKmsAdministrator? Administrator(string host, int port) =>
            script is not null ? new AdminCommand(script, host, port)
            : !noPrompt && !Console.IsInputRedirected && !Console.IsOutputRedirected ? new OperatorPrompt(Console.In, Console.Out, $"{host}:{port}")
            : null;
        CertifyOptions Options(string host, int port) => new()
        {
            Host = host, Port = port, Pki = pki, Credential = credential, Connections = connections,
            Scenarios = scenarios, Administrator = Administrator(host, port), Vectors = vectors,
            Log = line =>
            {
                progress.Clear();
                if (scenarios.Count > 0) Console.WriteLine($"  … {line}");
                progressNow = line;
            },
        };
        string Scope() => $"{(scenarios.Count > 0 ? $", {scenarios.Count} recovery scenarios" : "")}{(vectors.Count > 0 ? $", {vectors.Count} OASIS vectors" : "")}";

        // The reports' folder is checked before anything runs: a run never ends by losing its report.
        void CheckOutput()
        {
            if (ReportWriter.CannotWriteTo(output) is { } why) throw new UsageException($"--out {why}");
        }

        if (image is not null)
        {
            if (string.IsNullOrWhiteSpace(image)) throw new UsageException("--image must name a local image (REPOSITORY:TAG or an image id)");
            if (portText is null) throw new UsageException("--image needs --port N: the port the image's KMS listens on (127.0.0.1, host network)");
            if (!int.TryParse(portText, out var port) || port is < 1 or > 65535) throw new UsageException($"--port must be 1 to 65535, not '{portText}'");
            if (imageTimeout is < 1 or > 3600) throw new UsageException($"--image-timeout must be 1 to 3600 seconds, not {imageTimeout}");
            var container = new ContainerKmsOptions
            {
                Image = image, Port = port, Timeout = TimeSpan.FromSeconds(imageTimeout),
                Command = imageCommand?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } words ? words : null,
                Mount = mountText is null ? null : ParseMount(mountText),
            };
            CheckOutput();
            return await CertifyImageAsync(container, Options("127.0.0.1", port), output, Scope(), WithProgress);
        }

        var target = Args.Endpoint(targetText!, "--target");
        CheckOutput();
        Console.WriteLine($"Certifying the KMS at {target} (client identity from {pki}{Scope()})…");
        using var interruption = new Interruption();
        try
        {
            var report = await WithProgress(new Certifier(Options(target.Address.ToString(), target.Port)), interruption.Token);
            return interruption.Happened ? Interrupted(container: false) : Finish(report, output);
        }
        catch (OperationCanceledException) when (interruption.Happened) { return Interrupted(container: false); }
    }

    /// <summary>
    /// The first Ctrl-C or SIGTERM cancels the run instead of ending the process, so that the keys made so far are
    /// destroyed and a container is stopped; a second one ends the process at once.
    /// </summary>
    private sealed class Interruption : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly List<System.Runtime.InteropServices.PosixSignalRegistration> _signals;

        public Interruption() => _signals = new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM }
            .Select(s => System.Runtime.InteropServices.PosixSignalRegistration.Create(s, c =>
            {
                c.Cancel = !_cts.IsCancellationRequested;
                _cts.Cancel();
            }))
            .ToList();

        public CancellationToken Token => _cts.Token;
        public bool Happened => _cts.IsCancellationRequested;

        public void Dispose()
        {
            foreach (var s in _signals) s.Dispose();
            _cts.Dispose();
        }
    }

    /// <summary>The @certification scenarios of --features (default: the repository's features/), none with --no-scenarios.</summary>
    private static IReadOnlyList<Harness.Scenarios.ScenarioDefinition> LoadScenarios(bool noScenarios, string? featuresOption)
    {
        if (noScenarios) return [];
        var folder = featuresOption ?? FeaturesFolder.Find()
            ?? throw new UsageException("no features folder found for the recovery scenarios: give --features DIR (the repository's features/), or --no-scenarios");
        if (!Directory.Exists(folder)) throw new UsageException($"--features {folder} is not a folder");
        IReadOnlyList<Harness.Scenarios.ScenarioDefinition> scenarios;
        try { scenarios = RecoveryScenarios.Load(folder); }
        catch (InvalidOperationException ex) { throw new UsageException($"--features {folder}: {ex.Message}"); }
        if (scenarios.Count == 0) throw new UsageException($"--features {folder} has no scenario tagged {RecoveryScenarios.Tag}");
        return scenarios;
    }

    private static async Task<int> CertifyImageAsync(ContainerKmsOptions o, CertifyOptions options, string output, string scope,
        Func<Certifier, CancellationToken, Task<CertificationReport>> run)
    {
        using var interruption = new Interruption();
        {
            var target = $"127.0.0.1:{o.Port}";
            var requirement = new RequirementResult(ContainerKms.RequirementId, ContainerKms.RequirementArea, ContainerKms.RequirementTitle(o));
            Console.WriteLine($"Certifying the KMS in image {o.Image} on {target} (client identity from {options.Pki}{scope})…");
            ContainerKms kms;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                kms = await ContainerKms.StartAsync(o, line => Console.WriteLine($"  {line}"), interruption.Token);
            }
            catch (DockerUnavailableException e) { throw new UsageException(e.Message); }
            catch (ContainerImageMissingException e) { throw new UsageException(e.Message); }
            catch (ContainerPortTakenException e) { throw new UsageException(e.Message); }
            catch (OperationCanceledException) when (interruption.Happened) { return Interrupted(container: true); }
            catch (ContainerNotListeningException e)
            {
                requirement.Outcome = Outcome.Failed;
                requirement.Detail = e.Message;
                requirement.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
                if (e.OutputTail.Length > 0) requirement.Evidence.Add(new Evidence("The container's last output lines (stdout and stderr)") { Text = e.OutputTail });
                var failed = Certifier.NotRun(target, requirement, options, e.Image);
                return Finish(failed, output);
            }

            CertificationReport report;
            try
            {
                await using (kms)
                {
                    Console.WriteLine($"  container {kms.Name} accepts connections on {target} after {kms.StartedIn.TotalSeconds:0.0} s");
                    requirement.Detail = $"container {kms.Name} from {kms.Image.Tag} ({kms.Image.Id}) accepted connections on {target} after {kms.StartedIn.TotalSeconds:0.0} s";
                    requirement.DurationMs = Math.Round(kms.StartedIn.TotalMilliseconds, 1);
                    if (kms.OutputTail() is { Length: > 0 } startLog) requirement.Evidence.Add(new Evidence("The container's output at start") { Text = startLog });
                    report = await run(new Certifier(options), interruption.Token);
                    report.Image = kms.Image;
                    report.Requirements.Insert(0, requirement);
                } // the container is stopped and removed here, before the report is printed
            }
            catch (OperationCanceledException) when (interruption.Happened) { return Interrupted(container: true); }
            Console.WriteLine($"  container stopped and removed");
            return interruption.Happened ? Interrupted(container: true) : Finish(report, output);
        }
    }

    private static int Interrupted(bool container)
    {
        Console.Error.WriteLine($"harness certify: interrupted; {(container ? "the KMS container was stopped and removed" : "the test keys made so far were destroyed")}, no report written");
        return 130;
    }

    private static ContainerMount ParseMount(string text)
    {
        var parts = text.Split(':');
        bool readOnly = false;
        if (parts.Length == 3 && parts[2] is "ro" or "rw") readOnly = parts[2] == "ro";
        else if (parts.Length != 2) throw new UsageException($"--mount must be HOSTDIR:CONTAINERDIR or HOSTDIR:CONTAINERDIR:ro, not '{text}'");
        if (parts[0].Length == 0 || parts[1].Length == 0 || !parts[1].StartsWith('/'))
            throw new UsageException($"--mount must be HOSTDIR:CONTAINERDIR[:ro] with an absolute CONTAINERDIR, not '{text}'");
        var host = Path.GetFullPath(parts[0]);
        if (!Directory.Exists(host) && !File.Exists(host)) throw new UsageException($"--mount: {host} does not exist");
        return new ContainerMount(host, parts[1], readOnly);
    }

    private static int Finish(CertificationReport report, string output)
    {
        foreach (var r in report.Requirements)
            Console.WriteLine($"  {Mark(r.Outcome)} {r.Id,-4} {r.Title}: {r.Detail}");
        var (html, json, junit) = ReportWriter.WriteAll(report, output);
        if (report.KeysCleanedUp is { } cleaned) Console.WriteLine($"Clean-up: {CertificationReport.CleanUpText(cleaned)}");
        Console.WriteLine($"Report: {html}\n        {json}\n        {junit}");
        Console.WriteLine($"Verdict: {report.Summary}");
        return report.Verdict == Verdict.NotCompatible ? 1 : 0;
    }

    private static string Mark(Outcome o) => o switch
    {
        Outcome.Passed => "PASS",
        Outcome.Warning => "WARN",
        Outcome.Failed => "FAIL",
        Outcome.NeedsAdministrator => "ADMN",
        _ => "SKIP",
    };
}
