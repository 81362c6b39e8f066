using System.Text;
using System.Xml.Linq;
using Harness.Scenarios.Reports;

namespace Harness.Scenarios.Tests.Reports;

public class JUnitReportTests
{
    private static XDocument Report(RunResult run)
    {
        var text = new StringWriter();
        JUnitReport.Write(run, text);
        return XDocument.Parse(text.ToString());
    }

    private static XElement Case(XDocument doc, string name) =>
        doc.Descendants("testcase").Should().ContainSingle(c => (string?)c.Attribute("name") == name).Subject;

    [Fact]
    public void Write_SampleRun_CountsMatchTheRun()
    {
        var run = SampleRun.Create();
        var doc = Report(run);

        var root = doc.Root!;
        root.Name.LocalName.Should().Be("testsuites");
        ((int)root.Attribute("tests")!).Should().Be(9);
        ((int)root.Attribute("failures")!).Should().Be(4);
        ((int)root.Attribute("errors")!).Should().Be(1);
        ((int)root.Attribute("skipped")!).Should().Be(1);
        ((int)root.Attribute("failures")! + (int)root.Attribute("errors")!).Should().Be(run.Failed);

        var suites = root.Elements("testsuite").ToList();
        suites.Should().HaveCount(2);
        suites[0].Attribute("name")!.Value.Should().Be("Keys <&> \"quotes\"");
        suites[0].Attribute("file")!.Value.Should().Be(SampleRun.FeatureUri);
        ((int)suites[0].Attribute("tests")!).Should().Be(8);
        ((int)suites[0].Attribute("failures")!).Should().Be(4);
        ((int)suites[0].Attribute("skipped")!).Should().Be(1);
        ((int)suites[0].Attribute("errors")!).Should().Be(0);
        suites[0].Elements("testcase").Should().HaveCount(8)
            .And.OnlyContain(c => c.Attribute("classname")!.Value == "Keys <&> \"quotes\"" && c.Attribute("time") != null);
        suites[0].Attribute("timestamp")!.Value.Should().Be("2025-01-02T03:04:05");
    }

    [Fact]
    public void Write_FailingStep_FailureNamesTheStepItsLineAndTheError()
    {
        var doc = Report(SampleRun.Create());

        var failure = Case(doc, "Key <b>attributes</b> & more").Element("failure")!;
        failure.Attribute("type")!.Value.Should().Be("failed");
        var message = failure.Attribute("message")!.Value;
        message.Should().Contain("Then the key list is:").And.Contain($"{SampleRun.FeatureUri}:16").And.Contain("Expected keys to contain \"<b>\"");
        failure.Value.Should().Contain(SampleRun.FailingDetail).And.Contain("KeySteps.TheKeyListIs");
    }

    [Fact]
    public void Write_ControlCharactersInTheError_AreEscapedVisibly()
    {
        var text = new StringWriter();
        JUnitReport.Write(SampleRun.Create(), text);

        text.ToString().Should().NotContain("\u001b").And.NotContain("&#x1B;");
        XDocument.Parse(text.ToString()).Descendants("failure").First().Attribute("message")!.Value.Should().Contain("\\u001B[31mred");
    }

    [Fact]
    public void Write_UndefinedAmbiguousAndPendingSteps_AreFailuresThatSaySo()
    {
        var doc = Report(SampleRun.Create());

        var undefined = Case(doc, "Undefined phrase").Element("failure")!;
        undefined.Attribute("type")!.Value.Should().Be("undefined");
        undefined.Attribute("message")!.Value.Should().StartWith("Undefined step: When I frobnicate the key").And.Contain(":23");
        undefined.Value.Should().Contain(SampleRun.Snippet).And.Contain("I create a key of {int} bits");

        var ambiguous = Case(doc, "Ambiguous phrase").Element("failure")!;
        ambiguous.Attribute("type")!.Value.Should().Be("ambiguous");
        ambiguous.Attribute("message")!.Value.Should().StartWith("Ambiguous step: When I rotate the key");
        ambiguous.Value.Should().Contain("KeySteps.Rotate").And.Contain("OtherSteps.RotateAnything");

        var pending = Case(doc, "Pending phrase").Element("failure")!;
        pending.Attribute("type")!.Value.Should().Be("pending");
        pending.Attribute("message")!.Value.Should().StartWith("Pending step: When I archive the key").And.Contain("not implemented yet");
    }

    [Fact]
    public void Write_IgnoredScenario_IsSkippedWithTheReason()
    {
        var ignored = Case(Report(SampleRun.Create()), "Not ready");

        ignored.Element("skipped")!.Attribute("message")!.Value.Should().Be("tagged @ignore");
        ignored.Element("failure").Should().BeNull();
    }

    [Fact]
    public void Write_PassingScenarios_HaveNoFailureAndListTheirSteps()
    {
        var doc = Report(SampleRun.Create());

        var passed = Case(doc, "Create a key");
        passed.Elements().Select(e => e.Name.LocalName).Should().Equal("system-out");
        passed.Element("system-out")!.Value.Should().Contain("BeforeScenario hook Hooks.StartServer").And.Contain("Then the key has 256 bits").And.Contain("passed");
        Case(doc, "Sizes (bits: 128)").Element("failure").Should().BeNull();
        Case(doc, "Sizes (bits: 256)").Attribute("line")!.Value.Should().Be("43");
    }

    [Fact]
    public void Write_FeatureWithSyntaxError_IsASuiteWithOneErrorGivingFileLineColumn()
    {
        var doc = Report(SampleRun.Create());

        var suite = doc.Root!.Elements("testsuite").Single(s => s.Attribute("file")!.Value == SampleRun.BrokenUri);
        ((int)suite.Attribute("tests")!).Should().Be(1);
        ((int)suite.Attribute("errors")!).Should().Be(1);
        var error = suite.Element("testcase")!.Element("error")!;
        error.Attribute("message")!.Value.Should().StartWith($"{SampleRun.BrokenUri}:4:3: ").And.Contain("This line is not Gherkin");
        error.Value.Should().Contain("4 | ").And.Contain("^");
    }

    [Fact]
    public void Write_AllPassing_HasNoFailuresOrErrors()
    {
        var doc = Report(SampleRun.AllPassing());

        ((int)doc.Root!.Attribute("tests")!).Should().Be(3);
        ((int)doc.Root.Attribute("failures")!).Should().Be(0);
        ((int)doc.Root.Attribute("errors")!).Should().Be(0);
        doc.Descendants("failure").Should().BeEmpty();
    }

    [Fact]
    public void Write_ToPath_CreatesTheDirectoryAndWritesUtf8WithoutBom()
    {
        var dir = Path.Combine(Path.GetTempPath(), "harness-junit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var path = Path.Combine(dir, "sub", "junit.xml");
            JUnitReport.Write(SampleRun.Create(), path);

            var bytes = File.ReadAllBytes(path);
            bytes.Take(3).Should().NotEqual(new byte[] { 0xEF, 0xBB, 0xBF });
            var text = Encoding.UTF8.GetString(bytes);
            text.Should().StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            XDocument.Parse(text).Descendants("testcase").Should().HaveCount(9);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
