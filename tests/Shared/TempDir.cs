namespace Harness.Testing;

/// <summary>A fresh directory under the system temp folder, deleted (best effort) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "harness-test-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>Where things are: the repository (the folder with Harness.sln) and the shared folder beside it.</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test assembly that holds Harness.sln.</summary>
    public static string Root { get; } = FindUp(d => File.Exists(System.IO.Path.Combine(d, "Harness.sln")))
        ?? throw new InvalidOperationException($"no Harness.sln above {AppContext.BaseDirectory}");

    /// <summary>../shared (the repository's parent holds it), found by walking up from the test assembly.</summary>
    public static string Shared { get; } = FindUp(d => Directory.Exists(System.IO.Path.Combine(d, "shared", "kmip-vectors"))) is { } parent
        ? System.IO.Path.Combine(parent, "shared")
        : throw new InvalidOperationException($"no shared/kmip-vectors in any folder above {AppContext.BaseDirectory}");

    private static string? FindUp(Func<string, bool> match)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (match(d.FullName)) return d.FullName;
        return null;
    }

    /// <summary>A loopback TCP port that was free a moment ago (the OS picks it).</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try { return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
