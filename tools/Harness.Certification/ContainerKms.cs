using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;

namespace Harness.Certification;

/// <summary>A host folder bound into the container (`--mount HOSTDIR:CONTAINERDIR[:ro]`).</summary>
public sealed record ContainerMount(string HostPath, string ContainerPath, bool ReadOnly)
{
    public override string ToString() => $"{HostPath}:{ContainerPath}{(ReadOnly ? ":ro" : "")}";
}

/// <summary>How to start the vendor's KMS image: a local image, the port its KMIP server listens on (127.0.0.1, host network).</summary>
public sealed record ContainerKmsOptions
{
    public required string Image { get; init; }
    public required int Port { get; init; }
    /// <summary>The container's command (the image's own when null).</summary>
    public IReadOnlyList<string>? Command { get; init; }
    public ContainerMount? Mount { get; init; }
    /// <summary>From the start of the container until 127.0.0.1:Port accepts TCP.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>The image a report certified: the tag asked for and the local image id it resolved to.</summary>
public sealed record ContainerImage(string Tag, string Id)
{
    public IReadOnlyList<string>? Command { get; init; }
    public string? Mount { get; init; }
}

/// <summary>Docker cannot be used (no daemon, or not a local one): nothing about the KMS was tested.</summary>
public sealed class DockerUnavailableException(string message) : Exception(message);

/// <summary>The image is not in the local image store (Harness never pulls): nothing about the KMS was tested.</summary>
public sealed class ContainerImageMissingException(string message) : Exception(message);

/// <summary>The container exited, or did not accept TCP on its port in time: the KMS is not usable as shipped.</summary>
public sealed class ContainerNotListeningException(string message, ContainerImage image, string outputTail) : Exception(message)
{
    public ContainerImage Image { get; } = image;

    /// <summary>The last lines of the container's stdout and stderr (interleaved as they came).</summary>
    public string OutputTail { get; } = outputTail;
}

/// <summary>
/// The vendor's KMS, run from a local container image with Testcontainers: host network (the KMS listens on
/// 127.0.0.1:Port; no port is published or mapped, Harness only connects to 127.0.0.1), never pulled, stopped and
/// removed on dispose. Docker itself is only reached on its local unix socket. The host network is the host's whole
/// network: what the vendor's KMS itself connects to is up to its image.
/// </summary>
public sealed class ContainerKms : IAsyncDisposable
{
    public const string RequirementId = "I1";
    public const string RequirementArea = "Container image";

    private readonly IContainer _container;
    private readonly LogBuffer _output;
    private readonly DockerSocket _docker;
    private int _disposed;

    private ContainerKms(IContainer container, string name, LogBuffer output, DockerSocket docker, ContainerImage image, TimeSpan startedIn)
    {
        _container = container;
        Name = name;
        _output = output;
        _docker = docker;
        Image = image;
        StartedIn = startedIn;
    }

    public ContainerImage Image { get; }
    public string Name { get; }
    public TimeSpan StartedIn { get; }

    /// <summary>The last lines the container printed (stdout and stderr).</summary>
    public string OutputTail(int lines = 12) => _output.Tail(lines);

    public static string RequirementTitle(ContainerKmsOptions o) =>
        $"The image starts and its KMS accepts connections on 127.0.0.1:{o.Port} within {o.Timeout.TotalSeconds:0} s";

    /// <summary>
    /// Checks that Docker answers on its local socket and that the image is present (both throw before anything starts),
    /// then starts the container and waits until 127.0.0.1:Port accepts TCP. A container that exits first, or never
    /// listens within the timeout, throws <see cref="ContainerNotListeningException"/> with its last output lines; the
    /// container is removed before any exception leaves.
    /// </summary>
    public static async Task<ContainerKms> StartAsync(ContainerKmsOptions o, Action<string>? log = null, CancellationToken ct = default)
    {
        var docker = DockerSocket.Local();
        var apiVersion = await docker.PingAsync(ct);
        // Testcontainers 4.16 asks for API 1.44 unless told; Docker 20.10 (Debian 12's docker.io) speaks up to 1.41.
        if (Environment.GetEnvironmentVariable("DOCKER_API_VERSION") is null && Version.TryParse(apiVersion, out var v) && v < new Version(1, 44))
            Environment.SetEnvironmentVariable("DOCKER_API_VERSION", apiVersion);
        // The resource reaper (Ryuk) is an image from Docker Hub: never. This class removes its container itself.
        TestcontainersSettings.ResourceReaperEnabled = false;

        var imageId = await docker.ImageIdAsync(o.Image, ct) ?? throw new ContainerImageMissingException(
            $"image '{o.Image}' is not in the local Docker image store, and Harness never pulls images: load it first " +
            $"(docker load -i FILE.tar, docker import or docker build; `docker images` lists what is there)");
        var image = new ContainerImage(o.Image, imageId) { Command = o.Command, Mount = o.Mount?.ToString() };

        if (await AcceptsAsync(o.Port, ct))
            throw new ContainerPortTakenException(o.Port);

        var output = new LogBuffer();
        var name = $"harness-certify-{Guid.NewGuid():N}"[..28];
        var builder = new ContainerBuilder(o.Image)
            // The daemon checked above, on its local socket: not whatever ~/.testcontainers.properties or a Docker
            // context would pick.
            .WithDockerEndpoint(new Uri($"unix://{docker.SocketPath}"))
            .WithImagePullPolicy(PullPolicy.Never)
            .WithName(name)
            .WithLabel("org.harness.certify", "kms")
            .WithLogger(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)   // Harness prints its own lines
            // Host networking, set on the create call itself: WithNetwork("host") only adds an endpoint against Docker
            // 20.10 and leaves the container in its own network namespace.
            .WithCreateParameterModifier(p => p.HostConfig!.NetworkMode = "host")
            // No port mapping exists in host mode and a KMS image needs no shell: probe the port from here.
            .WithWaitStrategy(Wait.ForUnixContainer().AddCustomWaitStrategy(new AcceptsTcp(o.Port),
                w => w.WithTimeout(o.Timeout).WithInterval(TimeSpan.FromMilliseconds(100))))
            // Attached before the start: the output of a container that dies at once is kept.
            .WithOutputConsumer(Consume.RedirectStdoutAndStderrToStream(output, output));
        if (o.Command is { Count: > 0 }) builder = builder.WithCommand([.. o.Command]);
        if (o.Mount is { } m) builder = builder.WithBindMount(m.HostPath, m.ContainerPath, m.ReadOnly ? AccessMode.ReadOnly : AccessMode.ReadWrite);
        var container = builder.Build();

        var clock = Stopwatch.StartNew();
        log?.Invoke($"starting {o.Image} ({Short(imageId)}) as {name}, waiting for 127.0.0.1:{o.Port}…");
        // Bounded even if Docker itself hangs: the wait strategy's timeout plus time to create and start.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(o.Timeout + TimeSpan.FromSeconds(30));
        try
        {
            await container.StartAsync(bound.Token);
            return new ContainerKms(container, name, output, docker, image, clock.Elapsed);
        }
        catch (Exception ex)
        {
            var elapsed = clock.Elapsed;
            var exit = await docker.ExitCodeAsync(name, CancellationToken.None);
            // A running container's output before Harness stops it (not its "stopping" lines); an exited one's after
            // the removal, by when all it printed has arrived.
            var tail = exit is null ? output.Tail(12) : "";
            await RemoveAsync(container, name, docker);
            if (ct.IsCancellationRequested) throw new OperationCanceledException("interrupted while the KMS container started", ex, ct);
            if (exit is not null) tail = output.Tail(12);
            var what = exit is { } e
                ? $"the container exited with code {e} after {elapsed.TotalSeconds:0.0} s without accepting connections on 127.0.0.1:{o.Port}"
                : ex is TimeoutException or OperationCanceledException || elapsed >= o.Timeout
                    ? $"nothing accepted connections on 127.0.0.1:{o.Port} within {o.Timeout.TotalSeconds:0} s (the container kept running; was --port right?)"
                    : $"the container could not be started: {ex.Message}";
            // One line for the console and the verdict; the evidence keeps the lines as they were.
            throw new ContainerNotListeningException(
                $"{what}; {(tail.Length == 0 ? $"it printed nothing (Docker said: {ex.Message.Trim()})" : $"its last output lines: {string.Join(" | ", tail.Split('\n'))}")}", image, tail);
        }
    }

    /// <summary>Stops the container (SIGTERM, then SIGKILL after Docker's grace period) and removes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await RemoveAsync(_container, Name, _docker);
    }

    private static async Task RemoveAsync(IContainer container, string name, DockerSocket docker)
    {
        try { await container.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token); }
        catch (Exception) { /* already gone, or never started: the forced removal below covers it */ }
        try { await container.DisposeAsync(); }
        catch (Exception) { }
        // Make sure it is gone whatever Testcontainers did with the reaper off, and wait until Docker no longer knows it (bounded).
        await docker.RemoveContainerAsync(name, TimeSpan.FromSeconds(15));
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested)) { return false; }
    }

    public static string Short(string imageId) => imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId[..19] : imageId;

    /// <summary>Ready when 127.0.0.1:port accepts a TCP connection; a container that stopped fails the wait at once.</summary>
    private sealed class AcceptsTcp(int port) : IWaitUntil
    {
        public async Task<bool> UntilAsync(IContainer container)
        {
            TestcontainersStates state;
            try { state = container.State; }
            catch (Exception e) { throw new InvalidOperationException("the container is gone", e); }
            if (state is TestcontainersStates.Exited or TestcontainersStates.Dead)
                throw new InvalidOperationException("the container exited before accepting connections");
            return await AcceptsAsync(port, CancellationToken.None);
        }
    }

    /// <summary>stdout and stderr as they arrive (written from Docker's attach thread, read from ours).</summary>
    private sealed class LogBuffer : Stream
    {
        private readonly MemoryStream _bytes = new();
        private const int MaxBytes = 1 << 20;

        public string Tail(int lines)
        {
            string text;
            lock (_bytes) text = Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
            var all = text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tail = string.Join('\n', all.TakeLast(lines).Select(l => l.Length > 300 ? l[..300] + "…" : l));
            return tail;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_bytes)
            {
                if (_bytes.Length + count > MaxBytes)
                {   // keep the newest half
                    var keep = _bytes.ToArray()[(int)(_bytes.Length / 2)..];
                    _bytes.SetLength(0);
                    _bytes.Write(keep);
                }
                _bytes.Write(buffer, offset, count);
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Something already accepts connections on the port the KMS container should use.</summary>
public sealed class ContainerPortTakenException(int port)
    : Exception($"127.0.0.1:{port} already accepts connections (another process listens there); the container's KMS " +
                $"must be the only one on it: stop that process or pick another --port");

/// <summary>
/// A few plain HTTP calls to the local Docker daemon's unix socket (ping, image and container inspection, removal):
/// what Testcontainers does not say clearly enough before it starts anything. Only a unix socket is accepted, so
/// Docker is never reached over the network.
/// </summary>
internal sealed class DockerSocket
{
    private readonly HttpClient _http;

    private DockerSocket(string socketPath)
    {
        SocketPath = socketPath;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = new Uri("http://docker/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string SocketPath { get; }

    private string Endpoint => $"unix://{SocketPath}";

    private const string HowToStart =
        "start dockerd first: `sudo tools/start-dockerd.sh` (installs docker.io if missing and starts a daemon without " +
        "bridge or iptables), or `sudo systemctl start docker`; `docker info` must answer";

    /// <summary>DOCKER_HOST if it is a unix socket, else /var/run/docker.sock; a TCP or SSH DOCKER_HOST is refused.</summary>
    public static DockerSocket Local()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host)) return new DockerSocket("/var/run/docker.sock");
        if (host.StartsWith("unix://", StringComparison.Ordinal)) return new DockerSocket(host["unix://".Length..]);
        throw new DockerUnavailableException(
            $"DOCKER_HOST={host} is not a local unix socket: certify --image runs the KMS on this machine's 127.0.0.1 only " +
            "(unset DOCKER_HOST to use /var/run/docker.sock)");
    }

    /// <summary>The daemon's API version (its /_ping answer).</summary>
    public async Task<string> PingAsync(CancellationToken ct)
    {
        if (!File.Exists(SocketPath))
            throw new DockerUnavailableException($"Docker is not running: no socket {SocketPath}; {HowToStart}");
        try
        {
            using var response = await _http.GetAsync("_ping", ct);
            if (!response.IsSuccessStatusCode)
                throw new DockerUnavailableException($"Docker at {Endpoint} answered {(int)response.StatusCode} to a ping; {HowToStart}");
            return response.Headers.TryGetValues("Api-Version", out var values) ? values.First() : "";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or UnauthorizedAccessException
                                      || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new DockerUnavailableException($"Docker is not reachable at {Endpoint} ({e.InnerException?.Message ?? e.Message}); {HowToStart}");
        }
    }

    /// <summary>The local image's id (sha256:…), or null when no such image is present.</summary>
    public async Task<string?> ImageIdAsync(string image, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"images/{Uri.EscapeDataString(image)}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode)
            throw new DockerUnavailableException($"Docker at {Endpoint} answered {(int)response.StatusCode} for image '{image}': {await response.Content.ReadAsStringAsync(ct)}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return json.GetProperty("Id").GetString();
    }

    /// <summary>The container's exit code if it has stopped; null if it still runs or is unknown.</summary>
    public async Task<long?> ExitCodeAsync(string name, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync($"containers/{Uri.EscapeDataString(name)}/json", ct);
            if (!response.IsSuccessStatusCode) return null;
            var state = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("State");
            return state.GetProperty("Running").GetBoolean() ? null : state.GetProperty("ExitCode").GetInt64();
        }
        catch (Exception) { return null; }
    }

    /// <summary>Forced removal (kills it if it still runs), then waits until Docker no longer knows the name.</summary>
    public async Task RemoveContainerAsync(string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var delete = await _http.DeleteAsync($"containers/{Uri.EscapeDataString(name)}?force=true&v=true");
                if (delete.StatusCode == HttpStatusCode.NotFound) return;
                using var inspect = await _http.GetAsync($"containers/{Uri.EscapeDataString(name)}/json");
                if (inspect.StatusCode == HttpStatusCode.NotFound) return;
            }
            catch (Exception) { /* the daemon went away: nothing more to do but try again until the timeout */ }
            await Task.Delay(200);
        }
    }
}
