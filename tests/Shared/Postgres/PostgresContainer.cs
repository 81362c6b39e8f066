using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using Npgsql;

namespace Harness.Testing;

/// <summary>
/// A real PostgreSQL 15 server for the tests of the shared store: the local image harness/postgres:15
/// (tools/build-postgres-image.sh; never pulled) in a container on the host network, on a free port. A test class gets it
/// as a fixture (once for the classes of a collection) and makes a database of its own with <see cref="CreateDatabaseAsync"/>.
/// When Docker does not answer or the image is missing, starting it fails with a message saying so and how to fix it:
/// the tests that need it fail, they are not skipped.
/// </summary>
public sealed class PostgresContainer : IAsyncLifetime
{
    public const string Image = "harness/postgres:15";
    public const string User = "postgres";
    public const string Password = "harness-tests";

    private IContainer? _container;

    public int Port { get; private set; }

    public async ValueTask InitializeAsync()
    {
        // Testcontainers 4.16 asks for Docker API 1.44; Debian 12's docker.io speaks 1.41. No Ryuk (an image from Docker
        // Hub): this fixture removes its container itself. Host networking: no port mapping, 127.0.0.1 is the host's.
        Environment.SetEnvironmentVariable("DOCKER_API_VERSION", Environment.GetEnvironmentVariable("DOCKER_API_VERSION") ?? "1.41");
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        Environment.SetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
        TestcontainersSettings.ResourceReaperEnabled = false;
        await RequireDockerAndImageAsync();
        Port = FreePort();
        var container = new ContainerBuilder(Image)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithName($"harness-pg-{Guid.NewGuid():N}"[..24])
            .WithLogger(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            .WithCreateParameterModifier(p => p.HostConfig!.NetworkMode = "host")
            .WithEnvironment("POSTGRES_PASSWORD", Password)
            .WithEnvironment("PGPORT", Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("database system is ready to accept connections",
                w => w.WithTimeout(TimeSpan.FromSeconds(90))))
            .Build();
        _container = container;
        await container.StartAsync();
    }

    /// <summary>A new, empty database; its location as serve's --store takes it (postgres://USER:PASS@127.0.0.1:PORT/DB).</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "kms")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await cmd.ExecuteNonQueryAsync();
        return $"postgres://{User}:{Password}@127.0.0.1:{Port}/{name}";
    }

    /// <summary>The Npgsql connection string of a database <see cref="CreateDatabaseAsync"/> made.</summary>
    public static string ConnectionStringOf(string location) => Harness.Kmip.Server.Storage.PostgresDurableStore.ConnectionStringFrom(location);

    private string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database=postgres;Pooling=false";

    private static async Task RequireDockerAndImageAsync()
    {
        var (infoExit, infoText) = await DockerAsync("info", "--format", "{{.ServerVersion}}");
        if (infoExit != 0)
            throw new InvalidOperationException(
                $"Docker does not answer ({infoText.Trim()}): the PostgreSQL store tests need it. Start it with tools/start-dockerd.sh " +
                "(as root), then build the image with tools/build-postgres-image.sh (./harness test does both)");
        var (imageExit, _) = await DockerAsync("image", "inspect", Image);
        if (imageExit != 0)
            throw new InvalidOperationException($"the image {Image} is not in the local Docker image store: build it with tools/build-postgres-image.sh (images are never pulled)");
    }

    private static async Task<(int Exit, string Output)> DockerAsync(params string[] args)
    {
        var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var output = process.StandardOutput.ReadToEndAsync(bound.Token);
            var error = process.StandardError.ReadToEndAsync(bound.Token);
            await process.WaitForExitAsync(bound.Token);
            return (process.ExitCode, await output + await error);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return (-1, ex.Message);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }
}

/// <summary>
/// An assembly fixture that starts <see cref="PostgresContainer"/> the first time a test asks for it (so that the
/// SQLite rows of a parameterised test never wait for, or fail on, Docker) and removes it when the tests end.
/// </summary>
public sealed class PostgresOnDemand : IAsyncLifetime
{
    private readonly Lazy<Task<PostgresContainer>> _started = new(async () =>
    {
        var container = new PostgresContainer();
        try { await container.InitializeAsync(); }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        return container;
    });

    public Task<PostgresContainer> GetAsync() => _started.Value;

    /// <summary>A new database on the shared container; its location as serve's --store takes it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "kms") => await (await GetAsync()).CreateDatabaseAsync(prefix);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_started.IsValueCreated && _started.Value.IsCompletedSuccessfully) await _started.Value.Result.DisposeAsync();
    }
}
