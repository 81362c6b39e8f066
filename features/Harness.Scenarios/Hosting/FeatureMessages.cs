using Io.Cucumber.Messages.Types;
using Reqnroll.Formatters.RuntimeSupport;

namespace Harness.Scenarios.Hosting;

/// <summary>
/// A feature file's Cucumber messages for Reqnroll's formatters (what generated code embeds as a resource): its source,
/// its Gherkin document and its pickles, from the one parse of <see cref="FeatureLoader"/>.
/// </summary>
internal sealed class FeatureMessages(FeatureFile feature) : IFeatureLevelCucumberMessages
{
    public bool HasMessages => feature.Document is not null;
    public GherkinDocument GherkinDocument => feature.Document!;
    public IEnumerable<Pickle> Pickles => feature.Scenarios.Select(s => s.Pickle);
    public Source Source { get; } = new(feature.Uri, feature.Source, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN);
}
