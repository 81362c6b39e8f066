using Contoso.ChangeSteps;
using Harness.Scenarios;
using Harness.Steps;
using Xunit;

namespace Contoso.EncryptionTests;

/// <summary>
/// Every scenario of the features folder as an xunit test, on Harness's steps (Harness.Steps) and the team's own
/// (Contoso.ChangeSteps) together. Each scenario gets its own simulated vCenter, hosts and embedded Harness KMS.
/// </summary>
public class ChangeWindowScenarios
{
    private static readonly string Features = Path.Combine(AppContext.BaseDirectory, "features");

    private static readonly Lazy<ScenarioEngine> Engine = new(() =>
        new ScenarioEngine(StepCatalog.FromAssemblies(typeof(SiteSetupSteps).Assembly, typeof(ChangeTicketSteps).Assembly)));

    private static IReadOnlyList<ScenarioDefinition> All() =>
        FeatureLoader.LoadAll([Features], AppContext.BaseDirectory).SelectMany(f => f.Scenarios).ToList();

    public static TheoryData<string> Scenarios => new(All().Select(s => s.Location));

    [Fact]
    public void Features_AllParse()
    {
        var broken = FeatureLoader.LoadAll([Features], AppContext.BaseDirectory).Where(f => f.Error is not null).Select(f => f.Error!.ToString());
        Assert.Empty(broken);
        Assert.NotEmpty(All());
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario(string location)
    {
        var scenario = All().Single(s => s.Location == location);
        var result = await Engine.Value.RunScenarioAsync(scenario);
        Assert.True(result.Status == StepStatus.Passed, result.FailureSummary);
    }
}
