using System.Net;
using Harness.Kmip.Server;
using Harness.Pki;
using Harness.Scenarios;
using Harness.Steps;

namespace Harness.Features.Tests;

/// <summary>
/// Scenarios against a KMS that is already running (what <c>./harness run --target HOST:PORT --pki DIR</c> registers
/// as a <see cref="KmsTarget"/>): here a Harness KMS started from a PKI directory, as <c>./harness serve</c> would.
/// </summary>
public sealed class KmsTargetTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "harness-kms-target-" + Guid.NewGuid().ToString("N")[..12]);
    private PkiPaths _pki = null!;
    private KmipServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _pki = TestPki.Init(Path.Combine(_directory, "pki"));
        _server = await KmipServer.StartAsync(new KmipServerOptions
        {
            KmipEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = PkiFiles.LoadCertificateWithKey(_pki.ServerCert, _pki.ServerKey),
            ClientCa = PkiFiles.LoadCertificate(_pki.Ca),
            DataDirectory = Path.Combine(_directory, "data"),
            AdminEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private KmsTarget Target(bool withAdmin = true) =>
        new("127.0.0.1", _server.Endpoint.Port, _pki, withAdmin ? _server.AdminUrl : null, withAdmin ? _server.AdminToken : null);

    private static async Task<RunResult> RunAsync(KmsTarget target, string featureText)
    {
        var feature = FeatureLoader.Parse(featureText, "target.feature");
        await using var engine = new ScenarioEngine(StepCatalog.FromAssemblies(typeof(KmsSteps).Assembly), run => run.RegisterInstanceAs(target));
        return await engine.RunAsync([feature]);
    }

    [Fact]
    public async Task RunAsync_KmsFeatureWithTarget_PassesAgainstThatKms()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(FeatureFiles.Directory, "kms", "kms.feature"), TestContext.Current.CancellationToken);

        var first = await RunAsync(Target(), text);
        var second = await RunAsync(Target(), text);

        foreach (var result in first.Scenarios.Concat(second.Scenarios))
            result.Status.Should().Be(StepStatus.Passed, result.FailureSummary);
        first.Scenarios.Should().HaveCountGreaterThan(5);
        _server.State.Store.Count.Should().BeGreaterThanOrEqualTo(2 * first.Scenarios.Count(),
            "every scenario created its keys on the target KMS (a second run too: names do not collide)");
    }

    [Fact]
    public async Task AdministratorStep_TargetWithoutAdminInterface_FailsNamingTheOptions()
    {
        var result = await RunAsync(Target(withAdmin: false), """
            Feature: f
              Scenario: s
                Given a KMIP client "alice" with a certificate from the KMS's CA
                And client "alice" created an AES key of 256 bits named "k"
                When the KMS administrator deactivates key "k"
            """);

        var scenario = result.Scenarios.Should().ContainSingle().Subject;
        scenario.Status.Should().Be(StepStatus.Failed);
        scenario.Steps[2].ErrorMessage.Should().Contain("this KMS has no admin interface configured (give --admin URL --admin-token TOKEN)");
    }

    [Fact]
    public async Task SecondClient_TargetPkiWithoutCaKey_FailsNamingTheCaKey()
    {
        File.Delete(_pki.CaKey);

        var result = await RunAsync(Target(), """
            Feature: f
              Scenario: s
                Given a KMIP client "alice" with a certificate from the KMS's CA
                And a KMIP client "bob" with a certificate from the KMS's CA
            """);

        var scenario = result.Scenarios.Should().ContainSingle().Subject;
        scenario.Steps[0].Status.Should().Be(StepStatus.Passed, "the first client uses client.crt");
        scenario.Steps[1].ErrorMessage.Should().Contain("ca.key").And.Contain("\"bob\"");
    }
}
