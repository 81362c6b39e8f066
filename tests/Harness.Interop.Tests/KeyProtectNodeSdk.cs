using System.Security.Cryptography;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// IBM's Key Protect Node.js SDK (@ibm-cloud/ibm-key-protect, the version pinned in Node/keyprotect/package-lock.json),
/// installed with `npm ci` once into a cache folder (~/.cache/harness/node/keyprotect-HASH, or $HARNESS_NODE_CACHE),
/// keyed by the lock file, so that later runs need no registry. Node.js and npm must be installed.
/// </summary>
public static class KeyProtectNodeSdk
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync);

    /// <summary>The folder holding node_modules and the script; fails the test with what is missing.</summary>
    public static Task<string> EnsureInstalledAsync() => Installed.Value;

    public static string Source => Path.Combine(AppContext.BaseDirectory, "Node", "keyprotect");

    private static string Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{tool} is not on PATH: install Node.js 20 and npm (apt-get install nodejs npm)");

    public static string Node => Which("node");

    private static async Task<string> InstallAsync()
    {
        string npm;
        try { _ = Node; npm = Which("npm"); }
        catch (InvalidOperationException e) { Assert.Fail("IBM's Key Protect SDK cannot run: " + e.Message); throw; }
        var lockFile = Path.Combine(Source, "package-lock.json");
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(lockFile)))[..12].ToLowerInvariant();
        var root = Environment.GetEnvironmentVariable("HARNESS_NODE_CACHE") is { Length: > 0 } configured ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "harness", "node");
        var dir = Path.Combine(root, "keyprotect-" + hash);
        Directory.CreateDirectory(dir);
        foreach (var file in new[] { "package.json", "package-lock.json", "keyprotect_sdk.js" })
            File.Copy(Path.Combine(Source, file), Path.Combine(dir, file), overwrite: true);
        // Written after a complete `npm ci` only: an install cut short is done again.
        var installed = Path.Combine(dir, "node_modules", ".harness-installed");
        if (File.Exists(installed)) return dir;

        using var install = ChildProcess.Start(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dir);
        await install.WaitForExitAsync(TimeSpan.FromMinutes(5));
        if (install.ExitCode != 0)
            Assert.Fail($"`npm ci` in {dir} failed (exit code {install.ExitCode}), so IBM's Key Protect SDK is not installed: can npm reach its " +
                        $"registry ({npm} config get registry)? Run the test once with network access; later runs use the cache.\n{install.Describe()}");
        File.WriteAllText(installed, $"npm ci of package-lock.json {hash}\n");
        return dir;
    }
}
