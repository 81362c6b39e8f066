using System.Net.Sockets;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// The Debian PyKMIP server (python3-pykmip 0.10) as a third-party KMIP server on 127.0.0.1, configured with a Harness
/// test PKI: TLS 1.2 (PyKMIP's "TLS1.2" auth suite), client certificates required and checked for the clientAuth EKU,
/// its SQLite database, operation policies folder and log in a data directory. The same configuration as
/// tools/pykmip-server.sh. PyKMIP cannot listen on port 0, so a free port is picked (and retried if taken meanwhile).
/// Dispose (or <see cref="Stop"/>) kills the whole process tree (the server forks a multiprocessing manager).
/// </summary>
public sealed class PyKmipServer : IAsyncDisposable
{
    private readonly TempDir? _ownedData;
    private ChildProcess? _process;

    private PyKmipServer(PkiPaths pki, string dataDirectory, TempDir? ownedData)
    {
        Pki = pki;
        DataDirectory = dataDirectory;
        _ownedData = ownedData;
    }

    public PkiPaths Pki { get; }
    public string DataDirectory { get; }
    public int Port { get; private set; }
    public string Host => "127.0.0.1";
    public string ConfigPath => Path.Combine(DataDirectory, "server.conf");
    public string LogPath => Path.Combine(DataDirectory, "server.log");
    public string DatabasePath => Path.Combine(DataDirectory, "pykmip.db");

    /// <summary>Starts the server and returns once it accepts TCP connections (bounded by <paramref name="startTimeout"/>).</summary>
    /// <param name="pkiDirectory">written by <see cref="TestPki.Init"/> (ca.crt, server.crt, server.key).</param>
    /// <param name="dataDirectory">null: a temp folder, deleted on dispose.</param>
    public static async Task<PyKmipServer> StartAsync(string pkiDirectory, string? dataDirectory = null, TimeSpan? startTimeout = null)
    {
        await PyKmip.EnsureInstalledAsync();
        var owned = dataDirectory is null ? new TempDir("harness-pykmip-") : null;
        var server = new PyKmipServer(new PkiPaths(Path.GetFullPath(pkiDirectory)), dataDirectory ?? owned!.Path, owned);
        try
        {
            await server.StartProcessAsync(startTimeout ?? TimeSpan.FromSeconds(45));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartProcessAsync(TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.Combine(DataDirectory, "policies"));
        Exception? last = null;
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            Port = RepoPaths.FreePort();
            WriteConfig();
            _process = ChildProcess.Start(PyKmip.Python,
                ["-c", "import sys; from kmip.services.server.server import main; sys.exit(main())", "-f", ConfigPath, "-l", LogPath],
                workingDirectory: DataDirectory);
            try
            {
                await WaitUntilListeningAsync(timeout);
                return;
            }
            catch (PortTakenException e)
            {
                last = e; // another process took the port between FreePort and bind: try another one
                Stop();
            }
        }
        throw new InvalidOperationException("the PyKMIP server could not bind a free port in 3 attempts", last);
    }

    private void WriteConfig() => File.WriteAllText(ConfigPath, $"""
        [server]
        hostname={Host}
        port={Port}
        certificate_path={Pki.ServerCert}
        key_path={Pki.ServerKey}
        ca_path={Pki.Ca}
        auth_suite=TLS1.2
        policy_path={Path.Combine(DataDirectory, "policies")}
        enable_tls_client_auth=True
        logging_level=INFO
        database_path={DatabasePath}

        """);

    /// <summary>Polls a TCP connect every 100 ms until it succeeds, the process exits, or the time is up.</summary>
    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process!.HasExited)
            {
                var log = ReadLog();
                if (log.Contains("failed to bind", StringComparison.OrdinalIgnoreCase)) throw new PortTakenException(Port);
                throw new InvalidOperationException($"the PyKMIP server exited with code {_process.ExitCode} before listening on {Host}:{Port}.\n" +
                                                    $"{_process.Describe()}\n--- {LogPath}\n{Tail(log)}");
            }
            using (var tcp = new TcpClient())
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await tcp.ConnectAsync(Host, Port, cts.Token);
                    return;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            }
            if (DateTime.UtcNow > deadline)
            {
                Stop();
                throw new TimeoutException($"the PyKMIP server did not listen on {Host}:{Port} within {timeout.TotalSeconds:0} s.\n" +
                                           $"{_process.Describe()}\n--- {LogPath}\n{Tail(ReadLog())}");
            }
            await Task.Delay(100);
        }
    }

    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException) { return "(no log)"; }
    }

    private static string Tail(string text, int lines = 30) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>What the server printed and logged (for failure messages).</summary>
    public string Describe() => $"{_process?.Describe()}\n--- {LogPath}\n{Tail(ReadLog())}";

    /// <summary>Kills the server and its child processes (SIGKILL), waiting a bounded time for them to go.</summary>
    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        _ownedData?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class PortTakenException(int port) : Exception($"port {port} was taken");
}

/// <summary>A PyKMIP server with a fresh test PKI, in a temporary folder of its own that goes when it is disposed (one per test).</summary>
public sealed class PyKmipTestServer : IAsyncDisposable
{
    private PyKmipTestServer(TempDir dir, PkiPaths pki, PyKmipServer server)
    {
        Dir = dir;
        Pki = pki;
        Server = server;
    }

    public TempDir Dir { get; }
    public PkiPaths Pki { get; }
    public PyKmipServer Server { get; }

    public static async Task<PyKmipTestServer> StartAsync(string prefix)
    {
        var dir = new TempDir(prefix);
        try
        {
            var pki = TestPki.Init(dir.Sub("pki"));
            return new PyKmipTestServer(dir, pki, await PyKmipServer.StartAsync(pki.Directory, dir.Sub("data")));
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server (its description, with the end of its log, goes to <paramref name="output"/>) and deletes the folder.</summary>
    public async ValueTask DisposeAsync(ITestOutputHelper output)
    {
        output.WriteLine(Server.Describe());
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Dir.Dispose();
    }
}
