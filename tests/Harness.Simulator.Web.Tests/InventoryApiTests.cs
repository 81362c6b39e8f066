using System.Text.Json;

namespace Harness.Simulator.Web.Tests;

public sealed class InventoryApiTests
{
    [Fact]
    public async Task The_default_preset_is_two_clusters_of_four_hosts_of_ten_VMs_with_every_third_VM_encrypted()
    {
        await using var site = await ApiSite.StartAsync(clusters: 2, hostsPerCluster: 4, vmsPerHost: 10);
        site.Preset.Should().Be(new PresetSummary("vc01", "kms-prod", 2, 8, 80, 27));

        var inventory = await site.GetAsync("api/inventory");
        inventory.Str("vcenter").Should().Be("vc01");
        var dc = inventory.GetProperty("datacenter");
        dc.Str("name").Should().Be("DC0");
        dc.Items("clusters").Select(c => c.Str("name")).Should().Equal("DC0_C0", "DC0_C1");

        var c0 = dc.Items("clusters").First();
        c0.Items("hosts").Select(h => h.Str("name")).Should().Equal("DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_C0_H3");
        var h0 = c0.Items("hosts").First();
        h0.Items("vms").Select(v => v.Str("name")).Should().Equal(Enumerable.Range(0, 10).Select(i => $"DC0_C0_H0_VM{i}"));
        // vCenter pushes every encrypted VM's key to every host of its cluster: 14 of the first 40 VMs are encrypted; plus the
        // host's own host key (vCenter enabled crypto on it first).
        h0.Str("cryptoState").Should().Be("safe");
        h0.GetProperty("cachedKeyCount").GetInt32().Should().Be(15);
        h0.GetProperty("keyPersistence").GetBoolean().Should().BeFalse();

        var vm0 = h0.Vm("DC0_C0_H0_VM0");
        vm0.Str("powerState").Should().Be("poweredOn");
        vm0.Str("cryptoState").Should().Be("unlocked");
        vm0.GetProperty("encrypted").GetBoolean().Should().BeTrue();
        vm0.Str("provider").Should().Be("kms-prod");
        vm0.Str("keyId").Should().NotBeNullOrEmpty();
        var vm1 = h0.Vm("DC0_C0_H0_VM1");
        vm1.GetProperty("encrypted").GetBoolean().Should().BeFalse();
        vm1.GetProperty("keyId").ValueKind.Should().Be(JsonValueKind.Null);
        h0.Vm("DC0_C0_H0_VM3").GetProperty("encrypted").GetBoolean().Should().BeTrue();

        var allVms = dc.Items("clusters").SelectMany(c => c.Items("hosts")).SelectMany(h => h.Items("vms")).ToList();
        allVms.Should().HaveCount(80);
        allVms.Count(v => v.GetProperty("encrypted").GetBoolean()).Should().Be(27);
        allVms.Should().OnlyContain(v => v.Str("cryptoState") == "unlocked" && v.Str("powerState") == "poweredOn");

        (await site.GetAsync("api/vms")).GetArrayLength().Should().Be(80);
        (await site.GetAsync("api/hosts")).GetArrayLength().Should().Be(8);
        (await site.GetAsync("api/hosts/DC0_C1_H3")).Str("cluster").Should().Be("DC0_C1");
        (await site.GetAsync("api/vms/DC0_C1_H3_VM9")).Str("host").Should().Be("DC0_C1_H3");
    }

    [Fact]
    public async Task The_KMS_cluster_shows_its_servers_how_vCenter_sees_them_its_keys_and_the_allowed_client_certificates()
    {
        await using var site = await ApiSite.StartAsync();
        var clusters = await site.GetAsync("api/kms-clusters");
        var kms = clusters.Items().Single();
        kms.Str("name").Should().Be("kms-prod");
        kms.Str("serverThumbprint").Should().MatchRegex("^([0-9A-F]{2}:){19}[0-9A-F]{2}$");
        kms.Str("adminUrl").Should().StartWith("http://127.0.0.1:");

        var servers = kms.Items("servers").ToList();
        servers.Select(s => s.GetProperty("number").GetInt32()).Should().Equal(1, 2);
        servers.Should().OnlyContain(s => s.Str("mode") == "Pass");
        var seen = servers[0].Items("vcenters").Single();
        seen.Str("vcenter").Should().Be("vc01");
        seen.Str("provider").Should().Be("kms-prod");
        seen.Str("status").Should().Be("connected");
        seen.Str("trustedThumbprint").Should().Be(kms.Str("serverThumbprint"));

        var vm0 = await site.GetAsync("api/vms/DC0_C0_H0_VM0");
        var keys = kms.Items("keys").ToList();
        // The preset encrypts DC0_C0_H0_VM0 and DC0_C0_H1_VM0; the first made the hosts of cluster DC0_C0 crypto-safe, each with a host key.
        var hostsOfC0 = (await site.GetAsync("api/hosts")).Items().Count(h => h.Str("cluster") == "DC0_C0");
        keys.Should().HaveCount(2 + hostsOfC0, "two VM keys and the host keys of the cluster's hosts");
        // vCenter activates a key it uses (vSphere uses only Active keys); the KMS shows each key's state as its administrator sees it.
        keys.Should().ContainSingle(k => k.Str("id") == vm0.Str("keyId")).Which.Str("state").Should().Be("Active");

        var client = kms.Items("clients").Single(c => c.GetProperty("allowed").GetBoolean());
        client.Str("subject").Should().Contain("vCenter vc01");
        client.GetProperty("trustedFrom").GetDateTimeOffset().Should().BeOnOrBefore(DateTimeOffset.Parse((await site.GetAsync("api/clock")).Str("now")));
        client.GetProperty("inEffect").GetBoolean().Should().BeTrue();

        var vcenter = (await site.GetAsync("api/vcenters")).Items().Single();
        vcenter.Str("name").Should().Be("vc01");
        vcenter.GetProperty("lost").GetBoolean().Should().BeFalse();
        vcenter.Str("defaultProvider").Should().Be("kms-prod");
        vcenter.Items("keyProviders").Single().Items("servers").Select(s => s.Str("endpoint"))
            .Should().Equal(servers.Select(s => s.Str("endpoint")));
    }

    [Fact]
    public async Task Time_passes_on_the_simulation_clock_only_when_told()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var before = DateTimeOffset.Parse((await site.GetAsync("api/clock")).Str("now"));
        var result = await site.PostAsync("api/clock/advance", new { minutes = 5 });
        DateTimeOffset.Parse(result.GetProperty("clock").Str("now")).Should().Be(before.AddMinutes(5));
        DateTimeOffset.Parse((await site.GetAsync("api/clock")).Str("now")).Should().Be(before.AddMinutes(5));
    }

    [Fact]
    public async Task One_KMS_server_going_down_leaves_the_other_passing()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var result = await site.PostAsync("api/kms-clusters/kms-prod/servers/1/down");
        result.GetProperty("kmsCluster").Items("servers").Select(s => s.Str("mode")).Should().Equal("Refuse", "Pass");
        result.GetProperty("kmsCluster").Items("serversDown").Select(n => n.GetInt32()).Should().Equal(1);
        result.GetProperty("kmsCluster").GetProperty("reachable").GetBoolean().Should().BeTrue();
        var up = await site.PostAsync("api/kms-clusters/kms-prod/servers/1/up");
        up.GetProperty("kmsCluster").Items("servers").Select(s => s.Str("mode")).Should().Equal("Pass", "Pass");
        up.GetProperty("kmsCluster").Items("serversDown").Should().BeEmpty();
    }
}
