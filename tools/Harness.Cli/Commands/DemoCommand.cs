using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Harness.Pki;
using Harness.Runbooks;
using Harness.Simulator;
using Harness.Simulator.Web;
using Harness.Simulator.Web.Vim25;

namespace Harness.Cli.Commands;

/// <summary>
/// `harness demo [--dir DIR] [--api HOST:PORT] [--features DIR] [--clusters N] [--hosts-per-cluster N] [--vms-per-host N]
/// [--encrypted SHARE] [--verbose]`: a simulated vSphere site (the preset inventory: vCenter "vc01", by default clusters
/// DC0_C0 and DC0_C1 of four hosts of ten VMs, every third VM encrypted, KMS cluster "kms-prod" with two servers) and its REST API on 127.0.0.1; prints the URLs, then the vSphere events and alarms as they happen. The
/// simulation clock follows real time. The KMS cluster's PKI (to reach it with KMIP tools) and its admin token go to
/// DIR (default .harness/demo).
/// </summary>
public static class DemoCommand
{
    public static Command Definition() => Define.Command("demo",
        "starts the preset site (vCenter, 8 hosts, 80 VMs, KMS cluster \"kms-prod\"), its REST API and the dashboard with its runbook player; prints the URLs, then events and alarms", RunAsync,
        Define.Value("dir", "DIR", "where the KMS's PKI and admin token go", Path.Combine(".harness", "demo")),
        Define.Value("api", "HOST:PORT", "where the REST API and the dashboard listen, loopback only (default: a free port on 127.0.0.1)"),
        Define.Value("features", "DIR", "the @vsphere features the runbook player offers (default: the repository's features/)"),
        Define.Value("clusters", "N", "clusters in the preset site", "2"),
        Define.Value("hosts-per-cluster", "N", "hosts per cluster", "4"),
        Define.Value("vms-per-host", "N", "VMs per host", "10"),
        Define.Value("encrypted", "SHARE", "the share of VMs encrypted, 0 to 1 (0.3: every third VM)", "0.3"),
        Define.Switch("keyprotect", "the KMS keeps its root key in Key Protect (Harness's emulator of its REST API, as IBM Cloud's KMIP for VMware does)"),
        Define.Switch("verbose", "log the KMS relays and the web host"));

    public static async Task<int> RunAsync(Args args)
    {
        var root = Path.GetFullPath(args.Get("dir") ?? Path.Combine(".harness", "demo"));
        var api = args.Get("api") is { } a ? Args.Endpoint(a, "--api") : new IPEndPoint(IPAddress.Loopback, 0);
        var features = args.Get("features") is { } f ? Path.GetFullPath(f) : FeatureRunbooks.FindFeaturesFolder();
        if (features is not null && !Directory.Exists(features)) throw new UsageException($"--features {features} is not a folder");
        if (!IPAddress.IsLoopback(api.Address)) throw new UsageException($"--api must be a loopback address (the API has no authentication), not {api.Address}");
        bool verbose = args.Has("verbose");
        int clusters = args.Positive("clusters", 2), hostsPerCluster = args.Positive("hosts-per-cluster", 4), vmsPerHost = args.Int("vms-per-host", 10);
        var shareText = args.Get("encrypted") ?? "0.3";
        if (!double.TryParse(shareText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var share) || !(share >= 0 && share <= 1))
            throw new UsageException($"--encrypted must be a share from 0 to 1 (0.3: every third VM), not '{shareText}'");
        using var logs = ServeCommand.Logging(verbose);

        Console.WriteLine("Harness demo: building the simulated site…");
        await using var site = new SimulatedSite();
        if (args.Has("keyprotect"))
        {
            // Before any VM is encrypted: every key the preset makes is then wrapped by the customer root key.
            await site.AddKmsClusterAsync(PresetInventory.KmsClusterName, 2);
            site.KeyProtect = await Harness.Simulator.Web.KeyProtect.SiteKeyProtect.StartAsync(TimeProvider.System);
            await site.Actions.KeepRootKeyInKeyProtectAsync(site.Kms(PresetInventory.KmsClusterName));
        }
        var preset = await PresetInventory.BuildAsync(site, clusters, hostsPerCluster, vmsPerHost, share);
        var kms = site.Kms(preset.KmsCluster);
        if (verbose) foreach (var relay in kms.Relays) relay.Log += line => Console.WriteLine($"{DateTime.Now:HH:mm:ss} relay {line}");

        SimulatorHost host;
        try { host = await SimulatorHost.StartAsync(site, api, verbose ? logs : null, new FeatureRunbooks(features)); }
        catch (IOException ex) { throw new UsageException($"cannot listen on {api}: {ex.Message}"); }
        await using var _ = host;

        var pki = WriteKmsFiles(root, kms);
        // vSphere's own API (vim25 SOAP) for pyVmomi, rbvmomi, govc: a password per run, written beside the other files.
        var password = Vim25Endpoint.NewPassword();
        await using var vim25 = await Vim25Endpoint.StartAsync(host, SimCertificates.VCenterMachineSsl(preset.VCenter, site.Simulation.Clock.GetUtcNow()), password);
        PkiFiles.WriteSecret(Path.Combine(root, "vsphere-api.password"), password + "\n");
        PrintWhereToReach(preset, host, kms, root, pki, vim25);

        using var stop = new CancellationTokenSource();
        var clock = FollowRealTimeAsync(host, stop.Token);
        var printer = PrintChangesAsync(host, stop.Token);
        await ServeCommand.WaitForStopAsync();
        Console.WriteLine("stopping…");
        stop.Cancel();
        await Task.WhenAll(clock, printer);
        return 0;
    }

    /// <summary>
    /// What KMIP tools need to reach the KMS cluster (the layout of `./harness pki init`, so `--pki DIR/pki` works): the
    /// KMS's self-signed server certificate as ca.crt (the anchor a client trusts it by), a client certificate the KMS
    /// accepts (client.crt/key, issued by client-ca.crt), and the KMS admin token.
    /// </summary>
    private static string WriteKmsFiles(string root, KmsClusterInstance kms)
    {
        var pki = Path.Combine(root, "pki");
        Directory.CreateDirectory(pki);
        var paths = new PkiPaths(pki);
        foreach (var stale in new[] { paths.CaKey }) if (File.Exists(stale)) File.Delete(stale);
        PkiFiles.WriteCertificate(paths.Ca, kms.ServerCertificate);
        PkiFiles.Save(kms.ServerCertificate, paths.ServerCert, paths.ServerKey);
        PkiFiles.Save(kms.Pki.Client, paths.ClientCert, paths.ClientKey);
        PkiFiles.WriteCertificate(Path.Combine(pki, "client-ca.crt"), kms.Pki.Ca.Certificate);
        PkiFiles.WriteSecret(Path.Combine(root, "kms-admin.token"), kms.AdminAccess?.Token + "\n");
        return pki;
    }

    private static void PrintWhereToReach(PresetSummary preset, SimulatorHost host, KmsClusterInstance kms, string root, string pki, Vim25Endpoint vim25)
    {
        var url = host.Url.AbsoluteUri.TrimEnd('/');
        var token = Path.Combine(root, "kms-admin.token");
        Console.WriteLine($"Harness demo: vCenter \"{preset.VCenter}\", {preset.Clusters} clusters, {preset.Hosts} hosts, {preset.Vms} VMs " +
                          $"({preset.Encrypted} encrypted), KMS cluster \"{preset.KmsCluster}\" with {kms.Relays.Count} servers.");
        Console.WriteLine($"Dashboard: {url}/   (presenter mode for a projector: {url}/?presenter=1)");
        Console.WriteLine(host.Player.Folder is { } runbooks
            ? $"  runbook player: the @vsphere features under {runbooks}"
            : "  runbook player: no features folder found (run from the repository, or pass --features DIR)");
        Console.WriteLine($"Simulator REST API: {url}/api");
        Console.WriteLine($"  e.g. curl {url}/api/inventory");
        Console.WriteLine($"       curl -X POST {url}/api/kms-clusters/{kms.Name}/unreachable; curl -X POST {url}/api/hosts/DC0_C0_H0/reboot");
        Console.WriteLine($"  live events: curl -N {url}/api/stream");
        Console.WriteLine(vim25.Banner);
        Console.WriteLine($"  (the password is also in {Path.Combine(root, "vsphere-api.password")}; the certificate is self-signed)");
        Console.WriteLine($"KMS endpoint (KMIP, mutual TLS): {string.Join(", ", kms.Relays.Select((r, i) => $"server {i + 1} {r.Endpoint}"))} " +
                          $"(relays to the KMS at {kms.KmipEndpoints})");
        Console.WriteLine($"  server certificate SHA-1: {kms.ServerThumbprint}");
        Console.WriteLine($"  client certificate/key:   {Path.Combine(pki, "client.crt")} / {Path.Combine(pki, "client.key")}; " +
                          $"the server certificate (self-signed) is {Path.Combine(pki, "ca.crt")}");
        Console.WriteLine($"  e.g. ./harness bench --target {kms.Relays[0].Endpoint} --pki {pki} --op get --connections 4 --seconds 5");
        if (kms.AdminAccess?.Url is { } admin)
        {
            Console.WriteLine($"KMS admin URL: {admin} (token in {token})");
            Console.WriteLine($"  e.g. curl -H \"Authorization: Bearer $(cat {token})\" {admin.AbsoluteUri.TrimEnd('/')}/objects");
        }
        if (kms.KeyProtect is { } kp)
        {
            Console.WriteLine($"Key Protect (emulator): {kp.Url} (IAM at {kp.IamUrl}identity/token), instance {kp.InstanceId}, customer root key {kms.CustomerRootKeyId}");
            Console.WriteLine($"  e.g. curl -X POST {url}/api/kms-clusters/{kms.Name}/customer-root-key/disable   (enable, rotate, delete)");
        }
        Console.WriteLine("The simulation clock follows real time. Ctrl-C stops the demo.");
    }

    /// <summary>Advances the simulation clock by the real time that passed, every second (in turn with the API's requests).</summary>
    private static async Task FollowRealTimeAsync(SimulatorHost host, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var advanced = TimeSpan.Zero;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var elapsed = watch.Elapsed;
                await host.AdvanceClockAsync(elapsed - advanced, ct);
                advanced = elapsed;
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One line per vSphere event and per alarm raised or cleared (on the object it was raised on).</summary>
    private static async Task PrintChangesAsync(SimulatorHost host, CancellationToken ct)
    {
        var (id, reader) = host.Hub.Subscribe();
        try
        {
            await foreach (var m in reader.ReadAllAsync(ct))
            {
                var d = JsonDocument.Parse(m.Data).RootElement;
                string S(string p) => d.TryGetProperty(p, out var v) ? v.ToString() : "";
                switch (m.Type)
                {
                    case "event":
                        Console.WriteLine($"{Time(S("time"))} event {S("vcenter")} {S("object")}: {S("typeId")} \"{S("message")}\"");
                        break;
                    case "alarm" when S("object") == S("raisedOn"):
                        bool active = d.GetProperty("active").GetBoolean();
                        Console.WriteLine($"{Time(active ? S("triggeredAt") : S("clearedAt"))} alarm {S("vcenter")} {S("object")}: " +
                                          $"\"{S("name")}\" {(active ? "triggered" : "cleared")} ({S("reason")})");
                        break;
                    case "vcenter":
                        Console.WriteLine($"vCenter \"{S("name")}\" appeared");
                        break;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (ChannelClosedException) { }
        finally { host.Hub.Unsubscribe(id); }
    }

    private static string Time(string iso) => DateTimeOffset.TryParse(iso, out var t) ? t.ToString("HH:mm:ss") : iso;
}
