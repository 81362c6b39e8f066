using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Harness.Testing;

namespace Harness.Samples.Tests;

/// <summary>
/// A copy of samples/ in a temporary folder, with Harness's packages packed into a folder beside it at a version of
/// this run's own (so NuGet's cache never serves an older build), and the team's step library built. Removes the copy
/// and this version's packages from NuGet's cache at the end.
/// </summary>
public sealed class SampleWorkspace : IAsyncLifetime
{
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(6);

    private readonly TempDir _dir = new("harness-samples-");

    public string Root => _dir.Path;
    public string Samples => _dir.Sub("samples");
    public string Packages => _dir.Sub("packages");
    public string Version { get; } = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    /// <summary>The team's binding assembly (Contoso.ChangeSteps.dll), built in Release.</summary>
    public string ChangeStepsDll => Path.Combine(Samples, "Contoso.ChangeSteps", "out", "Contoso.ChangeSteps.dll");

    public async ValueTask InitializeAsync()
    {
        CopyTree(Path.Combine(RepoPaths.Root, "samples"), Samples);
        var config = Path.Combine(Samples, "nuget.config");
        File.WriteAllText(config, File.ReadAllText(config).Replace("../.harness/packages", Packages));

        await Run("bash", [Path.Combine(RepoPaths.Root, "tools", "pack.sh"), Packages, Version], RepoPaths.Root);
        await Run("dotnet", ["build", "Contoso.ChangeSteps", "-c", "Release", "-o", Path.Combine("Contoso.ChangeSteps", "out"), "-nologo"], Samples);
    }

    /// <summary>Runs a build command to the end; a failure fails the test with its output.</summary>
    public static async Task<ChildProcess> Run(string file, string[] args, string workingDirectory, bool mustSucceed = true)
    {
        var child = ChildProcess.Start(file, args, workingDirectory,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        await child.WaitForExitAsync(BuildTimeout);
        if (mustSucceed && child.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed\n{child.Describe()}");
        return child;
    }

    /// <summary>The names of the assemblies a DLL references (read from its metadata, without loading it).</summary>
    public static IReadOnlyList<string> ReferencesOf(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(s => s is "bin" or "obj" or "out")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).SkipLast(1).Any(s => s is "bin" or "obj" or "out")) continue;
            File.Copy(file, Path.Combine(to, rel));
        }
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in Directory.Exists(cache) ? Directory.EnumerateDirectories(cache, "harness.*") : [])
        {
            var version = Path.Combine(package, Version.ToLowerInvariant());
            if (Directory.Exists(version)) Directory.Delete(version, recursive: true);
        }
        return ValueTask.CompletedTask;
    }
}
