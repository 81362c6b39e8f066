using Harness.Kmip.Vectors;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// The OASIS KMIP profile test vectors the Harness KMS must pass: every mandatory SKLC, SKFF, BL, AX, OMOS, TL, SASED,
/// CS-RNG, CS-BC, AKLC, CS-AC and QS file of KMIP 1.4 and 2.1, replayed over mutual TLS against a
/// fresh server, compared field by field.
/// </summary>
public class OasisVectorTests
{
    private static readonly string[] Profiles = ["SKLC", "SKFF", "BL", "AX", "OMOS", "TL", "SASED", "CS-RNG", "CS-BC", "AKLC", "CS-AC", "QS"];

    private static readonly (string Test, string Setup)[] Prerequisites = [("TL-M-3", "TL-M-2"), ("SASED-M-3", "SASED-M-2")];

    public static TheoryData<string> MandatoryFiles()
    {
        var data = new TheoryData<string>();
        foreach (var version in new[] { "v1.4", "v2.1" })
        {
            var dir = Path.Combine(SharedFolder.Path, "kmip-vectors", version, "XML", "mandatory");
            foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Order(StringComparer.Ordinal))
                if (Profiles.Any(p => Path.GetFileName(file).StartsWith(p + "-", StringComparison.Ordinal)))
                    data.Add(Path.Combine(version, "XML", "mandatory", Path.GetFileName(file)));
        }
        return data;
    }

    [Fact]
    public void MandatoryFiles_AreAllFound()
    {
        // 63 files of KMIP 1.4 (SKLC 3, SKFF 12, AX 2, OMOS 1, TL 3, SASED 3, CS-RNG 1, CS-BC 17, AKLC 3, CS-AC 18)
        // and 82 of 2.1 (the same plus BL 13, CS-BC 21 in all, QS 2).
        MandatoryFiles().Count().Should().Be(145);
    }

    /// <summary>
    /// The four optional RNG Seed files send the same request and expect different answers (32, 16 or 0 bytes used, or
    /// Permission Denied): each describes one server's choice, and a server passes one of them. This server uses the whole
    /// seed: CS-RNG-O-1.
    /// </summary>
    /// <summary>The optional asymmetric key lifecycle file: Get Attributes of every attribute of a new key pair.</summary>
    [Theory]
    [InlineData("v1.4/XML/optional/AKLC-O-1-14.xml")]
    [InlineData("v2.1/XML/optional/AKLC-O-1-21.xml")]
    public Task OptionalKeyPairVector_Passes(string relativePath) => MandatoryVector_ReplayedAgainstTheServer_Passes(relativePath);

    [Theory]
    [InlineData("v1.4/XML/optional/CS-RNG-O-1-14.xml")]
    [InlineData("v2.1/XML/optional/CS-RNG-O-1-21.xml")]
    public Task OptionalRngSeedVector_OfAServerThatUsesTheWholeSeed_Passes(string relativePath) => MandatoryVector_ReplayedAgainstTheServer_Passes(relativePath);

    [Theory]
    [MemberData(nameof(MandatoryFiles))]
    public async Task MandatoryVector_ReplayedAgainstTheServer_Passes(string relativePath)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var file = VectorFile.Load(Path.Combine(SharedFolder.Path, "kmip-vectors", relativePath));
        // TL-M-3 and SASED-M-3 continue from the objects TL-M-2 and SASED-M-2 make, as in the profiles: run those first.
        foreach (var (test, setupTest) in Prerequisites)
            if (file.Name.StartsWith(test, StringComparison.Ordinal))
            {
                var setup = VectorFile.Load(Path.Combine(SharedFolder.Path, "kmip-vectors", relativePath.Replace(test, setupTest)));
                var first = await Task.Run(() => VectorRunner.Run(setup, r => client.SendAsync(r).GetAwaiter().GetResult()));
                first.Passed.Should().BeTrue(first.Failure?.ToString());
            }
        var result = await Task.Run(() => VectorRunner.Run(file, r => client.SendAsync(r).GetAwaiter().GetResult()));
        result.Passed.Should().BeTrue($"{file.Name} failed: {result.Failure}");
    }
}

/// <summary>../shared beside the repository (tests may read it; the product does not).</summary>
public static class SharedFolder
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "kmip-vectors");
            if (Directory.Exists(candidate)) return System.IO.Path.Combine(dir.FullName, "shared");
        }
        throw new DirectoryNotFoundException("../shared (with kmip-vectors) not found above " + AppContext.BaseDirectory);
    }
}
