namespace Harness.Steps;

/// <summary>Where the feature files are: $HARNESS_FEATURES, else the nearest "features" folder with a "vsphere" folder in
/// it, above the current directory or above the program.</summary>
public static class FeaturesFolder
{
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("HARNESS_FEATURES") is { Length: > 0 } env) return env;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "features");
                if (Directory.Exists(Path.Combine(candidate, "vsphere"))) return candidate;
            }
        }
        return null;
    }
}
