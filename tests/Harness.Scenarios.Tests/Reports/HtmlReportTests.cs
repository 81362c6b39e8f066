using System.Text.RegularExpressions;
using Harness.Scenarios.Reports;

namespace Harness.Scenarios.Tests.Reports;

public class HtmlReportTests
{
    private static readonly Lazy<string> Sample = new(() => HtmlReport.Render(SampleRun.Create()));

    /// <summary>The &lt;li&gt; of the one step with this (escaped) text: up to the next step or hook, or the end of the list.</summary>
    private static string StepItem(string html, string textHtml)
    {
        var items = new List<string>();
        for (int i = html.IndexOf("<li class=\"step ", StringComparison.Ordinal); i >= 0; i = html.IndexOf("<li class=\"step ", i + 1, StringComparison.Ordinal))
        {
            int end = new[] { "<li class=\"step ", "<li class=\"hook ", "</ol>" }
                .Select(marker => html.IndexOf(marker, i + 1, StringComparison.Ordinal)).Where(x => x > 0).Min();
            var item = html[i..end];
            if (item.Contains($"<span class=\"text\">{textHtml}</span>", StringComparison.Ordinal)) items.Add(item);
        }
        items.Should().HaveCount(1, $"one step reads '{textHtml}'");
        return items[0];
    }

    [Fact]
    public void Render_SampleRun_IsOneSelfContainedDocument()
    {
        var html = Sample.Value;

        html.Should().StartWith("<!DOCTYPE html>").And.EndWith("</html>\n");
        html.Should().NotContainAny("<link", "src=", "@import", "url(", "http://", "https://");
        html.Should().Contain("<style>").And.Contain("<script>");
        Regex.Matches(html, "<script").Should().HaveCount(1);
    }

    [Fact]
    public void Render_SampleRun_SummaryGivesTheCountsAndTheVerdict()
    {
        var html = Sample.Value;

        html.Should().Contain("<span class=\"verdict-text\">3 passed, 5 failed, 1 skipped</span>");
        html.Should().Contain("<dd data-count=\"scenarios\">8</dd>")
            .And.Contain("<dd data-count=\"passed\">3</dd>")
            .And.Contain("<dd data-count=\"failed\">5</dd>")
            .And.Contain("<dd data-count=\"skipped\">1</dd>")
            .And.Contain("<dd data-count=\"parse-errors\">1</dd>");
        html.Should().Contain("<title>Scenarios: 3 passed, 5 failed, 1 skipped</title>");
    }

    [Fact]
    public void Render_TextFromTheFeatureFiles_IsEscaped()
    {
        var html = Sample.Value;

        html.Should().NotContain("<script>alert(1)</script>").And.NotContain("<b>attributes</b>").And.NotContain("a<1>");
        html.Should().Contain("A description with &lt;script&gt;alert(1)&lt;/script&gt;");
        html.Should().Contain("Keys &lt;&amp;&gt; &quot;quotes&quot;");
        html.Should().Contain("<span class=\"name\">Key &lt;b&gt;attributes&lt;/b&gt; &amp; more</span>");
        html.Should().Contain("Expected keys to contain &quot;&lt;b&gt;&quot; but found &lt;a&gt; \\u001B[31mred");
        html.Should().NotContain("\u001b");
    }

    [Fact]
    public void Render_FailingStep_IsMarkedFailedWithItsErrorInPre()
    {
        var html = Sample.Value;

        var step = StepItem(html, "the key list is:");
        step.Should().StartWith("<li class=\"step failed\"").And.Contain("data-status=\"failed\"");
        step.Should().Contain("<span class=\"keyword\">Then</span>");
        step.Should().Contain("<pre class=\"error-message\">Expected keys to contain &quot;&lt;b&gt;&quot;");
        step.Should().Contain("<pre class=\"error-detail\">" + SampleRun.FailingDetail + "</pre>");
        step.Should().Contain("KeySteps.TheKeyListIs").And.Contain("features/Harness.Scenarios/Kms/KeySteps.cs:");
        step.Should().Contain("26 ms");
        Regex.Matches(html, "<li class=\"step failed\"").Should().HaveCount(1);

        var id = Regex.Match(step, "id=\"([^\"]+)\"").Groups[1].Value;
        html.Should().Contain($"<a href=\"#{id}\">", "the list of failures links to the failing step");
    }

    [Fact]
    public void Render_StepsAfterAFailure_AreShownSkipped()
    {
        var step = StepItem(Sample.Value, "the key is &quot;active&quot;");

        step.Should().StartWith("<li class=\"step skipped\"").And.Contain(">–</span> skipped</span>");
    }

    [Fact]
    public void Render_UndefinedStep_ShowsTheClosestPhrasesAndTheSnippet()
    {
        var step = StepItem(Sample.Value, "I frobnicate the key");

        step.Should().StartWith("<li class=\"step undefined\"").And.Contain("data-status=\"undefined\"");
        step.Should().Contain("Closest phrases:").And.Contain("<code>I create a key of {int} bits</code>").And.Contain("<code>I rotate the key</code>");
        step.Should().Contain("<pre class=\"snippet\"><code>[When(&quot;I frobnicate the key&quot;)]\npublic void IFrobnicateTheKey()");
    }

    [Fact]
    public void Render_AmbiguousAndPendingSteps_SayWhatIsWrong()
    {
        var ambiguous = StepItem(Sample.Value, "I rotate the key");
        ambiguous.Should().StartWith("<li class=\"step ambiguous\"").And.Contain("These bindings all match:")
            .And.Contain("KeySteps.Rotate").And.Contain("OtherSteps.RotateAnything");

        var pending = StepItem(Sample.Value, "I archive the key");
        pending.Should().StartWith("<li class=\"step pending\"").And.Contain("this step is not implemented yet");
    }

    [Fact]
    public void Render_DataTableAndDocString_AreRendered()
    {
        var html = Sample.Value;

        StepItem(html, "I create keys:").Should().Contain("<table class=\"datatable\"><tbody>")
            .And.Contain("<tr><td>name</td><td>bits</td></tr>")
            .And.Contain("<tr><td>a&lt;1&gt;</td><td>128</td></tr>");
        StepItem(html, "the key list is:").Should().Contain("<pre class=\"docstring\" data-media-type=\"json\">{&quot;keys&quot;: [&quot;&lt;a&gt;&quot;]}</pre>");
    }

    [Fact]
    public void Render_Scenarios_FoldAndOnlyTheOnesThatDidNotPassAreOpen()
    {
        var html = Sample.Value;
        var scenarios = Regex.Matches(html, "<details class=\"scenario (\\w+)\" id=\"[^\"]+\" data-status=\"(\\w+)\"( open)?>")
            .Select(m => (Status: m.Groups[2].Value, Open: m.Groups[3].Success)).ToList();

        scenarios.Should().HaveCount(8);
        scenarios.Where(s => s.Open).Select(s => s.Status).Should().BeEquivalentTo("failed", "undefined", "ambiguous", "pending");
        scenarios.Where(s => !s.Open).Select(s => s.Status).Should().BeEquivalentTo("passed", "passed", "passed", "skipped");
        html.Should().Contain("Not run: tagged @ignore");
    }

    [Fact]
    public void Render_SyntaxError_IsListedAtTheTopWithFileLineColumn()
    {
        var html = Sample.Value;

        var section = html.IndexOf("<section id=\"parse-errors\"", StringComparison.Ordinal);
        section.Should().BePositive();
        section.Should().BeLessThan(html.IndexOf("<section class=\"feature", StringComparison.Ordinal));
        html.Should().Contain($"<code class=\"location\">{SampleRun.BrokenUri}:4:3</code>");
        html.Should().Contain("4 |   This line is not Gherkin\n      ^");
    }

    [Fact]
    public void Render_HooksAndBindings_AreShownWithTheirLocations()
    {
        var html = Sample.Value;

        html.Should().Contain("<span class=\"keyword\">BeforeScenario</span> <span class=\"text\">Hooks.StartServer</span>");
        html.Should().Contain("<code class=\"binding-location\">features/Harness.Scenarios/Kms/Hooks.cs:9</code> · tags <code>@kms</code>");
        StepItem(html, "the key has 128 bits").Should().Contain("<code class=\"binding\" title=\"the key has {int} bits\">KeySteps.KeyHasBits</code>");
    }

    [Fact]
    public void Render_AllPassing_VerdictHasNoFailuresAndNoFailureList()
    {
        var html = HtmlReport.Render(SampleRun.AllPassing());

        html.Should().Contain("<span class=\"verdict-text\">3 passed, 0 failed</span>");
        html.Should().NotContain("id=\"failures\"").And.NotContain("id=\"parse-errors\"").And.NotContain(" open>");
    }

    [Fact]
    public void Write_ToPath_WritesTheRenderedPage()
    {
        var path = Path.Combine(Path.GetTempPath(), "harness-html-" + Guid.NewGuid().ToString("N")[..8], "report.html");
        try
        {
            var run = SampleRun.Create();
            HtmlReport.Write(run, path);
            File.ReadAllText(path).Should().Be(HtmlReport.Render(run));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, true);
        }
    }
}
