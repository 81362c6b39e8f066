namespace Harness.Scenarios.Reports;

/// <summary>
/// Checks a report's output path before a run, so a run never ends by losing its results to a path that cannot be
/// written: the path must not be a folder, its folder is created when missing, and the file must open for writing.
/// </summary>
public static class ReportPath
{
    /// <summary>Throws <see cref="ScenarioSetupException"/> with one line naming the option, the path and why.</summary>
    public static void Check(string option, string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ScenarioSetupException($"{option} {path}: is a folder; give a file name, e.g. {Path.Combine(path, DefaultName(option))}");
        bool existed = File.Exists(full);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite)) { }
            if (!existed) File.Delete(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ScenarioSetupException($"{option} {path}: cannot be written ({ex.Message})", ex);
        }
    }

    private static string DefaultName(string option) => option switch
    {
        "--junit" => "junit.xml",
        "--messages" => "messages.ndjson",
        "--html" => "report.html",
        _ => "report",
    };
}
