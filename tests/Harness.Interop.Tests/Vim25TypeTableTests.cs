using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>
/// The vim25 type table the SOAP endpoint embeds (simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv) is what
/// tools/vim25-types/generate.py makes from Debian's govmomi source and pyVmomi's type tables, and passes its checks.
/// </summary>
public sealed class Vim25TypeTableTests
{
    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Harness.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Harness.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public async Task TheCommittedTable_IsWhatTheGeneratorMakes_AndPassesItsChecks()
    {
        var root = Repository();
        if (!Directory.Exists("/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types"))
            Assert.Fail("govmomi's source is missing: run `./harness test` as root (it installs golang-github-vmware-govmomi-dev with apt)");
        var fresh = Path.Combine(Path.GetTempPath(), $"vim25-types-{Guid.NewGuid():N}.tsv");
        try
        {
            using var generate = await ChildProcess.RunAsync(PyKmip.Python, [Path.Combine(root, "tools", "vim25-types", "generate.py"), "--out", fresh], TimeSpan.FromSeconds(120));
            generate.ExitCode.Should().Be(0, generate.Describe());
            var committed = Path.Combine(root, "simulator", "Harness.Simulator.Web", "Vim25", "vim25-types.tsv");
            (await File.ReadAllTextAsync(fresh)).Should().Be(await File.ReadAllTextAsync(committed),
                "the committed table must be regenerated after the generator changes (python3 tools/vim25-types/generate.py)");
            using var check = await ChildProcess.RunAsync(PyKmip.Python, [Path.Combine(root, "tools", "vim25-types", "check.py")], TimeSpan.FromSeconds(60));
            check.ExitCode.Should().Be(0, check.Describe());
        }
        finally { File.Delete(fresh); }
    }
}
