using System.Net;
using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

/// <summary>
/// The runbook player (GET /api/runbooks, GET /api/player, POST /api/player/start|next|reset|stop): a scenario of a
/// repository feature played one step at a time on a fresh site that the API shows while it plays.
/// </summary>
public sealed class PlayerApiTests
{
    private const string Feature = "vsphere/locked-vms.feature";

    /// <summary>"A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers" (seed 000 step 3).</summary>
    private const int KeysMissingOnKms = 72;
    private const string KeysMissingOnKmsName = "A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers";

    /// <summary>The Background's four Given steps: the player runs them at start and stops before the first When.</summary>
    private const int FirstWhen = 4;

    /// <summary>Four Background steps and the scenario's fourteen.</summary>
    private const int StepCount = 18;

    /// <summary>Index of 'And host "esx01" reboots'.</summary>
    private const int RebootStep = 5;

    private static Task<JsonElement> Start(ApiSite site, object scenario, string feature = Feature) =>
        site.PostAsync("api/player/start", new { feature, scenario });

    private static async Task<JsonElement> Problem(ApiSite site, string path, HttpStatusCode expected, string? body = null)
    {
        var (status, problem, media) = await site.SendAsync(HttpMethod.Post, path, body);
        status.Should().Be(expected, $"POST {path} {body} answered {problem}");
        media.Should().Be("application/problem+json");
        problem.GetProperty("status").GetInt32().Should().Be((int)expected);
        return problem;
    }

    private static int? Next(JsonElement player) =>
        player.GetProperty("next").ValueKind == JsonValueKind.Null ? null : player.GetProperty("next").GetInt32();

    private static IReadOnlyList<string> ClusterNames(JsonElement inventory) =>
        inventory.GetProperty("datacenter").Items("clusters").Select(c => c.Str("name")).ToList();

    // ---- the runbooks ------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_runbooks_are_the_vsphere_features_with_their_scenarios_and_steps_and_not_the_kms_feature()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var list = await site.GetAsync("api/runbooks");
        list.Str("folder").Should().Be(Path.GetFullPath(ApiSite.FeaturesFolder));
        list.Items("errors").Should().BeEmpty();

        var uris = list.Items("runbooks").Select(r => r.Str("uri")).ToList();
        uris.Should().Contain([Feature, "vsphere/vcenter-lost.feature", "vsphere/kms-ha.feature"]);
        uris.Should().NotContain("kms/kms.feature", "the KMS feature is not tagged @vsphere");
        uris.Should().OnlyContain(u => u.StartsWith("vsphere/"));

        var locked = list.Items("runbooks").Single(r => r.Str("uri") == Feature);
        locked.Str("name").Should().StartWith("Encrypted virtual machines lock when their host cannot get their key");
        locked.Str("description").Should().Contain("A VM locks only when the host where it is registered lacks its key");
        locked.Items("scenarios").Select(s => s.GetProperty("line").GetInt32()).Should().StartWith([11, 20, 27]).And.Contain(KeysMissingOnKms);

        var scenario = locked.Items("scenarios").Single(s => s.GetProperty("line").GetInt32() == KeysMissingOnKms);
        scenario.Str("name").Should().Be(KeysMissingOnKmsName);
        scenario.Str("location").Should().Contain("72");
        var steps = scenario.Items("steps").ToList();
        steps.Should().HaveCount(StepCount);
        steps.Take(FirstWhen).Should().OnlyContain(s => s.GetProperty("fromBackground").GetBoolean());
        steps[0].Str("keyword").Should().Be("Given");
        steps[0].Str("text").Should().Be("a KMS cluster \"kms-prod\"");
        steps[0].GetProperty("line").GetInt32().Should().Be(6);
        steps[FirstWhen].Str("keyword").Should().Be("When");
        steps[FirstWhen].Str("text").Should().Be("the KMS administrator deactivates the key of VM \"app01\"");
        steps[FirstWhen].GetProperty("line").GetInt32().Should().Be(73);
        steps[FirstWhen].GetProperty("fromBackground").GetBoolean().Should().BeFalse();
        steps[^1].Str("text").Should().Be("the data of VM \"app01\" reads back intact");
        steps[^1].GetProperty("line").GetInt32().Should().Be(86);
    }

    [Fact]
    public async Task Only_tagged_features_that_parse_are_runbooks_and_a_failing_set_up_step_fails_the_playing_scenario()
    {
        var folder = Directory.CreateTempSubdirectory("harness-runbooks-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "vsphere"));
            Directory.CreateDirectory(Path.Combine(folder.FullName, "other"));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "vsphere", "broken-setup.feature"), """
                @vsphere
                Feature: A runbook whose set-up fails
                  Scenario: The set-up names a step nobody knows
                    Given a KMS cluster "kms-prod"
                    And a step that no binding knows
                    When host "esx01" reboots
                    Then VM "app01" is locked
                """, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "vsphere", "unparsable.feature"), "this is not Gherkin\n",
                TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "other", "plain.feature"), """
                @kms
                Feature: Not a runbook
                  Scenario: Untagged for vSphere
                    Given a KMS cluster "kms-prod"
                """, TestContext.Current.CancellationToken);

            await using var site = await ApiSite.StartAsync(clusters: 0, runbooks: folder.FullName);
            var list = await site.GetAsync("api/runbooks");
            list.Items("runbooks").Select(r => r.Str("uri")).Should().Equal("vsphere/broken-setup.feature");
            list.Items("errors").Select(e => e.GetString()).Should().ContainSingle().Which.Should().Contain("vsphere/unparsable.feature");

            (await Problem(site, "api/player/start", HttpStatusCode.NotFound, "{\"feature\": \"other/plain.feature\", \"scenario\": 3}"))
                .Str("detail").Should().Contain("there is no runbook \"other/plain.feature\"");
            (await Problem(site, "api/player/start", HttpStatusCode.Conflict, "{\"feature\": \"vsphere/unparsable.feature\", \"scenario\": 1}"))
                .Str("title").Should().Be("the feature file does not parse");

            var player = await Start(site, 3, "vsphere/broken-setup.feature");
            player.Str("verdict").Should().Be("failed");
            player.GetProperty("finished").GetBoolean().Should().BeFalse();
            var steps = player.Items("steps").ToList();
            steps.Select(s => s.GetProperty("setup").GetBoolean()).Should().Equal(true, true, false, false);
            steps[0].Str("status").Should().Be("passed");
            steps[1].Str("status").Should().Be("undefined");
            steps[1].Str("error").Should().Contain("undefined step \"a step that no binding knows\"");
            steps[2].GetProperty("status").ValueKind.Should().Be(JsonValueKind.Null);
            Next(player).Should().Be(2, "the set-up stops at its failing step");

            var next = await site.PostAsync("api/player/next");
            next.Items("steps").ElementAt(2).Str("status").Should().Be("skipped");
            next.Str("verdict").Should().Be("failed");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // ---- playing -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Playing_the_keys_missing_on_the_KMS_runbook_locks_the_VM_at_the_reboot_and_ends_with_it_unlocked()
    {
        await using var site = await ApiSite.StartAsync();
        (await site.GetAsync("api/player")).GetProperty("active").GetBoolean().Should().BeFalse();
        (await site.GetAsync("api/player")).Str("verdict").Should().Be("idle");

        var player = await Start(site, KeysMissingOnKms);
        player.GetProperty("active").GetBoolean().Should().BeTrue();
        player.Str("feature").Should().Be(Feature);
        player.GetProperty("scenario").Str("name").Should().Be(KeysMissingOnKmsName);
        player.GetProperty("scenario").GetProperty("line").GetInt32().Should().Be(KeysMissingOnKms);
        player.Str("verdict").Should().Be("playing");
        player.GetProperty("finished").GetBoolean().Should().BeFalse();
        Next(player).Should().Be(FirstWhen);
        var steps = player.Items("steps").ToList();
        steps.Should().HaveCount(StepCount);
        steps.Take(FirstWhen).Should().OnlyContain(s => s.GetProperty("setup").GetBoolean() && s.Str("status") == "passed");
        steps.Skip(FirstWhen).Should().OnlyContain(s => !s.GetProperty("setup").GetBoolean() && s.GetProperty("status").ValueKind == JsonValueKind.Null);
        steps[FirstWhen].Str("keyword").Should().Be("When");
        (await site.GetAsync("api/player")).GetProperty("next").GetInt32().Should().Be(FirstWhen);

        var app01 = await site.GetAsync("api/vms/app01");
        app01.Str("cryptoState").Should().Be("unlocked");
        app01.Str("host").Should().Be("esx01");
        app01.GetProperty("encrypted").GetBoolean().Should().BeTrue();

        for (int i = FirstWhen; i < StepCount; i++)
        {
            player = await site.PostAsync("api/player/next");
            var step = player.Items("steps").ElementAt(i);
            step.Str("status").Should().Be("passed", $"step {i} \"{step.Str("text")}\" failed: {step.GetProperty("error")}");
            if (i < StepCount - 1)
            {
                Next(player).Should().Be(i + 1);
                player.Str("verdict").Should().Be("playing");
            }
            if (i == RebootStep)
            {
                step.Str("text").Should().Be("host \"esx01\" reboots");
                step.Items("events").Should().Contain(e =>
                    e.Str("typeId") == "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" && e.Str("object") == "app01" && e.Str("vcenter") == "vc01");
                step.Items("alarms").Should().Contain(a => a.Str("object") == "app01" && a.GetProperty("active").GetBoolean());
                var locked = await site.GetAsync("api/vms/app01");
                locked.Str("cryptoState").Should().Be("locked");
                locked.Items("activeAlarms").Should().NotBeEmpty();
            }
        }

        player.Str("verdict").Should().Be("passed");
        player.GetProperty("finished").GetBoolean().Should().BeTrue();
        player.GetProperty("next").ValueKind.Should().Be(JsonValueKind.Null);
        player.Items("steps").Should().OnlyContain(s => s.Str("status") == "passed");
        var recovered = await site.GetAsync("api/vms/app01");
        recovered.Str("cryptoState").Should().Be("unlocked");
        recovered.Str("powerState").Should().Be("poweredOn");
        recovered.Items("activeAlarms").Should().BeEmpty();
        (await site.GetAsync("api/alarms?object=app01&active=true")).Items().Should().BeEmpty();
        (await site.GetAsync("api/player")).Str("verdict").Should().Be("passed");

        var ended = await Problem(site, "api/player/next", HttpStatusCode.Conflict);
        ended.Str("title").Should().Be("the runbook has ended");
        ended.Str("detail").Should().Contain(KeysMissingOnKmsName);
    }

    [Fact]
    public async Task A_scenario_can_be_started_by_its_name_or_its_line_as_a_string_and_by_the_file_name_alone()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        (await Start(site, KeysMissingOnKmsName)).GetProperty("scenario").GetProperty("line").GetInt32().Should().Be(KeysMissingOnKms);
        (await Start(site, "27", "locked-vms.feature")).GetProperty("scenario").Str("name")
            .Should().StartWith("A host that reboots while the KMS is unreachable locks its VMs");
        var player = await site.GetAsync("api/player");
        player.Str("feature").Should().Be(Feature);
        Next(player).Should().Be(FirstWhen);
    }

    [Fact]
    public async Task While_a_runbook_plays_the_API_shows_and_acts_on_its_site_and_stopping_brings_the_home_site_back()
    {
        await using var site = await ApiSite.StartAsync();
        ClusterNames(await site.GetAsync("api/inventory")).Should().Equal("DC0_C0");

        await Start(site, KeysMissingOnKms);
        var inventory = await site.GetAsync("api/inventory");
        inventory.Str("vcenter").Should().Be("vc01");
        ClusterNames(inventory).Should().Equal("cl01");
        var cl01 = inventory.GetProperty("datacenter").Items("clusters").Single();
        cl01.Items("hosts").Select(h => h.Str("name")).Should().Equal("esx01", "esx02");
        cl01.Items("hosts").First().Items("vms").Select(v => v.Str("name")).Should().Equal("app01");
        (await site.GetAsync("api/vms")).Items().Select(v => v.Str("name")).Should().Equal("app01");
        (await site.SendAsync(HttpMethod.Get, "api/vms/DC0_C0_H0_VM0")).Status.Should().Be(HttpStatusCode.NotFound);

        // The API's actions act on the scenario's site.
        var removed = await site.PostAsync("api/vms/app01/remove-keys");
        removed.GetProperty("vm").Str("cryptoState").Should().Be("locked");
        (await site.GetAsync("api/hosts/esx01")).Vm("app01").Str("cryptoState").Should().Be("locked");

        var stopped = await site.PostAsync("api/player/stop");
        stopped.GetProperty("active").GetBoolean().Should().BeFalse();
        stopped.Str("verdict").Should().Be("idle");
        ClusterNames(await site.GetAsync("api/inventory")).Should().Equal("DC0_C0");
        (await site.GetAsync("api/hosts")).Items().Select(h => h.Str("name")).Should().Equal("DC0_C0_H0", "DC0_C0_H1");
        (await site.SendAsync(HttpMethod.Get, "api/vms/app01")).Status.Should().Be(HttpStatusCode.NotFound);
        (await site.GetAsync("api/vms/DC0_C0_H0_VM0")).Str("cryptoState").Should().Be("unlocked", "the scenario never touched the home site");
        (await site.GetAsync("api/player")).GetProperty("active").GetBoolean().Should().BeFalse();
        site.Host.Site.Should().BeSameAs(site.Host.HomeSite);
        site.Host.SiteGeneration.Should().Be(2, "the player showed the scenario's site, then the home site");

        // Home-site actions work again, and the player has nothing to step.
        (await site.PostAsync("api/vms/DC0_C0_H0_VM0/remove-keys")).GetProperty("vm").Str("cryptoState").Should().Be("locked");
        (await Problem(site, "api/player/next", HttpStatusCode.Conflict)).Str("title").Should().Be("no runbook is playing");
    }

    [Fact]
    public async Task Reset_rebuilds_the_starting_state_of_the_playing_runbook()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        await Start(site, KeysMissingOnKms);
        await site.PostAsync("api/player/next");
        var afterReboot = await site.PostAsync("api/player/next");
        Next(afterReboot).Should().Be(RebootStep + 1);
        (await site.GetAsync("api/vms/app01")).Str("cryptoState").Should().Be("locked");
        var generation = site.Host.SiteGeneration;

        var reset = await site.PostAsync("api/player/reset");
        reset.GetProperty("active").GetBoolean().Should().BeTrue();
        reset.GetProperty("scenario").GetProperty("line").GetInt32().Should().Be(KeysMissingOnKms);
        Next(reset).Should().Be(FirstWhen);
        reset.Str("verdict").Should().Be("playing");
        var steps = reset.Items("steps").ToList();
        steps.Take(FirstWhen).Should().OnlyContain(s => s.Str("status") == "passed");
        steps.Skip(FirstWhen).Should().OnlyContain(s => s.GetProperty("status").ValueKind == JsonValueKind.Null && s.Items("events").Count() == 0);
        var app01 = await site.GetAsync("api/vms/app01");
        app01.Str("cryptoState").Should().Be("unlocked");
        app01.Str("powerState").Should().Be("poweredOn");
        app01.Items("activeAlarms").Should().BeEmpty();
        site.Host.SiteGeneration.Should().BeGreaterThan(generation, "reset shows a fresh site");
        site.Host.Site.Should().NotBeSameAs(site.Host.HomeSite);

        // The fresh site plays like the first: the reboot locks again.
        await site.PostAsync("api/player/next");
        var again = await site.PostAsync("api/player/next");
        again.Items("steps").ElementAt(RebootStep).Items("events").Should().Contain(e => e.Str("typeId") == "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS");
        (await site.GetAsync("api/vms/app01")).Str("cryptoState").Should().Be("locked");
    }

    // ---- bad input -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest, "must be a JSON object")]
    [InlineData("{\"feature\": ", HttpStatusCode.BadRequest, "not the JSON")]
    [InlineData("{\"feature\": \"\", \"scenario\": 72}", HttpStatusCode.BadRequest, "feature is required")]
    [InlineData("{\"scenario\": 72}", HttpStatusCode.BadRequest, "feature is required")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\"}", HttpStatusCode.BadRequest, "scenario is required")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": {\"line\": 72}}", HttpStatusCode.BadRequest, "scenario must be a line number or a name, not object")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": true}", HttpStatusCode.BadRequest, "scenario must be a line number or a name")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": 72, \"speed\": 2}", HttpStatusCode.BadRequest, "speed")]
    [InlineData("{\"feature\": \"vsphere/no-such.feature\", \"scenario\": 72}", HttpStatusCode.NotFound, "there is no runbook \"vsphere/no-such.feature\"")]
    [InlineData("{\"feature\": \"vsphere/no-such.feature\", \"scenario\": 72}", HttpStatusCode.NotFound, "vsphere/locked-vms.feature")]
    [InlineData("{\"feature\": \"kms/kms.feature\", \"scenario\": 1}", HttpStatusCode.NotFound, "there is no runbook \"kms/kms.feature\"")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": 73}", HttpStatusCode.NotFound, "has no scenario at line 73")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": 73}", HttpStatusCode.NotFound, "72 A deactivated key locks the VM at the next reboot")]
    [InlineData("{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": \"No such scenario\"}", HttpStatusCode.NotFound, "has no scenario \"No such scenario\"")]
    public async Task A_bad_start_is_refused_saying_what_is_wrong(string body, HttpStatusCode expected, string says)
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var problem = await Problem(site, "api/player/start", expected, body);
        problem.Str("detail").Should().Contain(says);
        (await site.GetAsync("api/player")).GetProperty("active").GetBoolean().Should().BeFalse("a refused start starts nothing");
        site.Host.Site.Should().BeSameAs(site.Host.HomeSite);
    }

    [Theory]
    [InlineData("api/player/next")]
    [InlineData("api/player/reset")]
    public async Task Stepping_or_resetting_with_nothing_playing_is_409(string path)
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var problem = await Problem(site, path, HttpStatusCode.Conflict);
        problem.Str("title").Should().Be("no runbook is playing");
        problem.Str("detail").Should().Contain("POST /api/player/start");
    }

    [Fact]
    public async Task A_bad_start_while_a_runbook_plays_leaves_it_playing_untouched()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        await Start(site, KeysMissingOnKms);
        await site.PostAsync("api/player/next");
        var before = await site.PostAsync("api/player/next");
        var keyId = (await site.GetAsync("api/vms/app01")).Str("keyId");
        var shown = site.Host.Site;
        var generation = site.Host.SiteGeneration;

        await Problem(site, "api/player/start", HttpStatusCode.NotFound, "{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": 73}");
        await Problem(site, "api/player/start", HttpStatusCode.NotFound, "{\"feature\": \"vsphere/no-such.feature\", \"scenario\": 72}");
        await Problem(site, "api/player/start", HttpStatusCode.BadRequest, "{\"feature\": \"vsphere/locked-vms.feature\", \"scenario\": [72]}");
        await Problem(site, "api/player/start", HttpStatusCode.BadRequest, "");

        var player = await site.GetAsync("api/player");
        player.GetRawText().Should().Be(before.GetRawText(), "nothing of the playing runbook changed");
        site.Host.Site.Should().BeSameAs(shown);
        site.Host.SiteGeneration.Should().Be(generation);
        var app01 = await site.GetAsync("api/vms/app01");
        app01.Str("cryptoState").Should().Be("locked");
        app01.Str("keyId").Should().Be(keyId);

        var next = await site.PostAsync("api/player/next");
        next.Items("steps").ElementAt(RebootStep + 1).Str("text").Should().Be("VM \"app01\" is locked");
        next.Items("steps").ElementAt(RebootStep + 1).Str("status").Should().Be("passed");
        Next(next).Should().Be(RebootStep + 2);
    }

    // ---- the stream ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_stream_tells_of_the_site_switch_each_step_the_scenario_sites_events_and_every_action()
    {
        await using var site = await ApiSite.StartAsync();
        using var stream = await SseSubscription.OpenAsync(site);
        var ready = await stream.NextAsync();
        ready.Type.Should().Be("ready");
        ready.Data.GetProperty("generation").GetInt32().Should().Be(0);

        // An action on the home site.
        await site.PostAsync("api/kms-clusters/kms-prod/unreachable");
        var action = await stream.NextAsync(m => m.Type == "action");
        action.Data.GetProperty("ok").GetBoolean().Should().BeTrue();
        action.Data.Str("did").Should().Be("KMS cluster \"kms-prod\" became unreachable");
        // A refused action too.
        (await site.SendAsync(HttpMethod.Post, "api/vms/no-such-vm/power-on")).Status.Should().Be(HttpStatusCode.NotFound);
        var failed = await stream.NextAsync(m => m.Type == "action");
        failed.Data.GetProperty("ok").GetBoolean().Should().BeFalse();
        failed.Data.Str("failed").Should().Contain("no-such-vm");

        await Start(site, KeysMissingOnKms);
        var switched = await stream.NextAsync(m => m.Type == "site");
        switched.Data.GetProperty("generation").GetInt32().Should().Be(1);
        switched.Data.GetProperty("home").GetBoolean().Should().BeFalse();
        switched.Data.Str("why").Should().Contain(KeysMissingOnKmsName);
        var setUp = await stream.NextAsync(m => m.Type == "player" && Next(m.Data) == FirstWhen);
        setUp.Data.Str("verdict").Should().Be("playing");
        setUp.Data.Items("steps").Take(FirstWhen).Should().OnlyContain(s => s.Str("status") == "passed");

        // A new subscriber now sees the scenario's site.
        using (var late = await SseSubscription.OpenAsync(site))
        {
            var lateReady = await late.NextAsync();
            lateReady.Type.Should().Be("ready");
            lateReady.Data.GetProperty("generation").GetInt32().Should().Be(1);
            lateReady.Data.Items("vcenters").Select(v => v.GetString()).Should().Equal("vc01");
        }

        await site.PostAsync("api/player/next");
        var stepped = await stream.NextAsync(m => m.Type == "player" && Next(m.Data) == FirstWhen + 1);
        stepped.Data.Items("steps").ElementAt(FirstWhen).Str("status").Should().Be("passed");
        await site.PostAsync("api/player/next");
        // The scenario site's vCenter logs into the stream.
        var lockedEvent = await stream.NextAsync(m => m.Type == "event" && m.Data.Str("typeId") == "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS");
        lockedEvent.Data.Str("object").Should().Be("app01");
        lockedEvent.Data.Str("vcenter").Should().Be("vc01");
        (await stream.NextAsync(m => m.Type == "player" && Next(m.Data) == RebootStep + 1))
            .Data.Items("steps").ElementAt(RebootStep).Items("events").Should().Contain(e => e.Str("object") == "app01");

        // Actions on the scenario's site are published too.
        await site.PostAsync("api/hosts/esx02/reboot");
        (await stream.NextAsync(m => m.Type == "action")).Data.Str("did").Should().Be("host \"esx02\" rebooted");

        await site.PostAsync("api/player/stop");
        var home = await stream.NextAsync(m => m.Type == "site");
        home.Data.GetProperty("home").GetBoolean().Should().BeTrue();
        home.Data.GetProperty("generation").GetInt32().Should().Be(2);
        (await stream.NextAsync(m => m.Type == "player")).Data.GetProperty("active").GetBoolean().Should().BeFalse();

        // Back home, the home site's vCenter is heard again.
        await site.PostAsync("api/vms/DC0_C0_H0_VM0/remove-keys");
        var homeEvent = await stream.NextAsync(m => m.Type == "event");
        homeEvent.Data.Str("object").Should().Be("DC0_C0_H0_VM0");
        homeEvent.Data.Str("typeId").Should().Be("com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnHost");
    }
}
