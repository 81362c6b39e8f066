namespace Harness.Scenarios.Tests.Engine;

public class FeatureLoaderTests
{
    [Fact]
    public void Expand_FolderInsideABuildOutput_FindsItsFeaturesButSkipsBuildOutputsBelowIt()
    {
        var root = Directory.CreateTempSubdirectory("harness-expand-").FullName;
        try
        {
            // A test project copies its features to bin/Debug/net10.0/features: that folder is where they are read.
            var features = Directory.CreateDirectory(Path.Combine(root, "bin", "Debug", "features")).FullName;
            File.WriteAllText(Path.Combine(features, "a.feature"), "Feature: A\n");
            Directory.CreateDirectory(Path.Combine(features, "obj"));
            File.WriteAllText(Path.Combine(features, "obj", "copy.feature"), "Feature: copy\n");
            Directory.CreateDirectory(Path.Combine(features, "sub", "bin"));
            File.WriteAllText(Path.Combine(features, "sub", "b.feature"), "Feature: B\n");
            File.WriteAllText(Path.Combine(features, "sub", "bin", "copy.feature"), "Feature: copy\n");

            FeatureLoader.Expand([features]).Select(f => Path.GetRelativePath(features, f))
                .Should().Equal("a.feature", Path.Combine("sub", "b.feature"));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
