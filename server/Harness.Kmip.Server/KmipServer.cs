using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Harness.Kmip.Server.Admin;
using Harness.Kmip.Server.RootKeys;
using Harness.Kmip.Server.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Kmip.Server;

/// <summary>
/// The Harness KMS: a KMIP server over mutual TLS with its durable store, root key and admin interface.
/// <code>await using var kms = await KmipServer.StartAsync(options, loggerFactory);</code>
/// </summary>
public sealed class KmipServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly DataDirectory _data;
    private DateTimeOffset? _lastCountLog;
    private long _refusedForCount;
    private readonly CancellationTokenSource _stop = new();
    private readonly IDurableStore _durable;
    private IRootKeyProvider _rootKey;
    private readonly Task _acceptLoop;
    private readonly AdminApi? _admin;
    private readonly KmipHttpsBinding? _https;
    private readonly HashSet<Task> _connections = new();
    private readonly ClientCertificateValidator _validator;
    private readonly MessageProcessor _processor;

    private KmipServer(KmipServerOptions options, ILoggerFactory logs, TimeProvider time)
    {
        Options = options;
        if (options.AdminEndpoint is { } adminEndpoint && !IPAddress.IsLoopback(adminEndpoint.Address))
            throw new KmsStartException($"the admin interface listens on loopback only (127.0.0.1 or ::1), not on {adminEndpoint.Address}");
        _data = DataDirectory.Open(options.DataDirectory);
        try
        {
            var log = logs.CreateLogger("Harness.Kms");
            _rootKey = options.KeyProtect is { } keyProtect
                ? new KeyProtectRootKey(keyProtect, time, logs.CreateLogger("Harness.Kms.KeyProtect"))
                : RootKey.LoadOrCreate(options.DataDirectory);
            _durable = OpenStore(options, _data);
            ObjectStore store;
            var sealedUnder = _rootKey is RootKey ? Path.Combine(options.DataDirectory, RootKey.FileName) : _rootKey.Description;
            try { store = new ObjectStore(_durable, _rootKey); }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException(
                    $"the objects in {StoreName(options, _durable)} cannot be opened with " +
                    $"{sealedUnder}: {ex.Message}; start with the root key they were sealed under", ex);
            }
            catch (RootKeyUnavailableException ex)
            {
                throw new KmsStartException(
                    $"the objects in {StoreName(options, _durable)} cannot be opened now: {ex.Message}", ex);
            }
            var clients = new ClientRegistry(_durable, time, options.AllowedClientDelay);
            State = new KmsState(store, clients, time, log, options);
            _processor = new MessageProcessor(State);
            AdminToken = options.AdminToken ?? LoadOrCreateAdminToken(options.DataDirectory);
            _listener = new TcpListener(options.KmipEndpoint);
            try { _listener.Start(512); }
            catch (SocketException ex)
            {
                throw new KmsStartException($"cannot listen on {options.KmipEndpoint} (KMIP): {ex.Message}", ex);
            }
            if (options.AdminEndpoint is not null)
            {
                try { _admin = AdminApi.Start(State, options.AdminEndpoint, AdminToken, logs, DeleteRootKey); }
                catch (IOException ex)
                {
                    throw new KmsStartException($"cannot listen on {options.AdminEndpoint} (admin interface): {ex.Message}", ex);
                }
            }
            _validator = new ClientCertificateValidator(options.ClientCa, clients, log, () => _admin is null
                ? "issue it from the configured CA (./harness pki) or enable the admin interface"
                : $"curl -X POST -H 'Authorization: Bearer <admin token>' {_admin.Url}/clients/{{sha1}}/allow");
            if (options.HttpsEndpoint is not null)
            {
                try { _https = KmipHttpsBinding.Start(State, _processor, _validator, options.HttpsEndpoint, logs); }
                catch (IOException ex)
                {
                    throw new KmsStartException($"cannot listen on {options.HttpsEndpoint} (KMIP HTTPS binding): {ex.Message}", ex);
                }
            }
            Endpoint = (IPEndPoint)_listener.LocalEndpoint;
            _data.MakeFilesPrivate(); // SQLite's -wal and -shm, made with the database's mode: checked, not assumed
            log.LogInformation("root key: {RootKey}", _rootKey.Description);
            log.LogInformation("KMIP server listening on {Endpoint} (TLS 1.2/1.3, client certificates from \"{Ca}\"), {Count} objects, data in {Data}",
                Endpoint, options.ClientCa.Subject, store.Count, options.DataDirectory);
            if (_https is not null) log.LogInformation("KMIP HTTPS binding listening on https://{Endpoint}{Path} (TTLV, XML and JSON bodies)", _https.Endpoint, KmipHttpsBinding.Path);
        }
        catch
        {
            // A server that cannot start leaves nothing open (no listener, web host, database or key in memory) and the
            // data folder as it found it.
            _listener?.Stop();
            _https?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _admin?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _durable?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _rootKey?.Dispose();
            _data.Abandon();
            throw;
        }
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>SQLite in the data folder, or the PostgreSQL database the options name.</summary>
    private static IDurableStore OpenStore(KmipServerOptions options, DataDirectory data)
    {
        if (options.PostgresStore is not { } location) return new SqliteDurableStore(data.PrivateFile(SqliteDurableStore.FileName));
        string connectionString;
        try { connectionString = PostgresDurableStore.ConnectionStringFrom(location); }
        catch (FormatException ex) { throw new KmsStartException($"the store: {ex.Message}", ex); }
        return new PostgresDurableStore(connectionString);
    }

    private static string StoreName(KmipServerOptions options, IDurableStore durable) => durable is PostgresDurableStore postgres
        ? "the PostgreSQL database " + postgres.Location
        : Path.Combine(options.DataDirectory, SqliteDurableStore.FileName);

    public static async Task<KmipServer> StartAsync(KmipServerOptions options, ILoggerFactory? logs = null, TimeProvider? time = null)
    {
        // Opening a PostgreSQL store waits for the database on this thread. A caller that resumed on a socket event
        // thread (inline socket completions, the launcher's default) would then hold up the very event loop that
        // completes those database reads: the start moves to the thread pool first.
        if (options.PostgresStore is not null) await Task.Yield();
        return new KmipServer(options, logs ?? NullLoggerFactory.Instance, time ?? TimeProvider.System);
    }

    public KmipServerOptions Options { get; }

    /// <summary>Where the objects are kept: the SQLite file, or the PostgreSQL database (host:port/database).</summary>
    public string StoreLocation => StoreName(Options, _durable);
    public KmsState State { get; }
    public IPEndPoint Endpoint { get; }

    /// <summary>Where the KMIP HTTPS binding listens (requests go to https://HOST:PORT/kmip), or null when it is off.</summary>
    public IPEndPoint? HttpsEndpoint => _https?.Endpoint;

    /// <summary>The KMIP HTTPS binding's request URI (https://HOST:PORT/kmip), or null when it is off.</summary>
    public Uri? HttpsUrl => _https is null ? null : new Uri($"https://{_https.Endpoint}{KmipHttpsBinding.Path}");
    public string AdminToken { get; }
    public Uri? AdminUrl => _admin is null ? null : new Uri(_admin.Url);

    /// <summary>
    /// The KMS administrator deletes the root key (seed 002: deleting the customer root key crypto-shreds every key):
    /// every stored key's material is removed and made durable first, then root.key is overwritten and replaced by a new
    /// root key for the keys made from now on. The write lock is held throughout, so that no key is sealed under the
    /// dying root key. Returns the number of objects shredded.
    /// </summary>
    public int DeleteRootKey()
    {
        if (_rootKey is not RootKey)
            throw new RootKeyElsewhereException(
                $"the root key is {_rootKey.Description}: it lives in Key Protect, not on this server; delete (or disable) it there, " +
                "and the keys it protected are crypto-shredded once Key Protect answers that it is gone");
        int count;
        IRootKeyProvider old;
        lock (State.Store.WriteLock)
        {
            count = State.Store.Count;
            State.Store.ShredAll(State.Time.GetUtcNow()).GetAwaiter().GetResult();
            old = _rootKey;
            _rootKey = RootKey.Replace(Options.DataDirectory);
            State.Store.UseRootKey(_rootKey);
        }
        old.Dispose();
        State.Log.LogWarning("administrator deleted the root key: the key material of {Count} objects is crypto-shredded", count);
        return count;
    }

    /// <summary>Evaluates a certificate the way the handshake does (used by the admin interface and tests).</summary>
    public string? ClientCertificateProblem(System.Security.Cryptography.X509Certificates.X509Certificate2 cert) => _validator.ChainProblem(cert);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException ex)
            {
                State.Log.LogWarning("accept failed: {Message}", ex.Message);
                continue;
            }
            int open;
            lock (_connections) open = _connections.Count;
            if (open >= Options.MaxConnections)
            {
                socket.Close(0);
                var now = State.Time.GetUtcNow();
                _refusedForCount++;
                if (_lastCountLog is not { } last || now - last >= TimeSpan.FromMinutes(1))
                {
                    State.Log.LogWarning("closed {Count} new connection(s) at once: {Max} are open (MaxConnections)", _refusedForCount, Options.MaxConnections);
                    _lastCountLog = now;
                    _refusedForCount = 0;
                }
                continue;
            }
            var connection = new KmipConnection(State, _processor, _validator, socket);
            var task = Task.Run(() => connection.RunAsync(_stop.Token));
            lock (_connections) _connections.Add(task);
            _ = task.ContinueWith(t => { lock (_connections) _connections.Remove(t); }, TaskScheduler.Default);
        }
    }

    private static string LoadOrCreateAdminToken(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "admin.token");
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var w = new StreamWriter(new FileStream(path, options))) w.Write(token);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        Task[] pending;
        lock (_connections) pending = _connections.ToArray();
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        if (_https is not null) await _https.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        State.Notifications.UnregisterAllEndpoints();
        await _durable.DisposeAsync().ConfigureAwait(false);
        _rootKey.Dispose();
        _data.Dispose();
    }
}

/// <summary>The root key is not this server's to delete (it lives in Key Protect): the administrator deletes it there.</summary>
public sealed class RootKeyElsewhereException(string message) : InvalidOperationException(message);
