using Harness.Simulator;

namespace Harness.Simulator.Web.Tests;

/// <summary>Seed 000 step 1–2 through the REST API: a host reboots while the KMS is unreachable; the VM locks; recovery.</summary>
public sealed class RunbookApiTests
{
    private const string Vm = "DC0_C0_H0_VM0";     // encrypted (the first VM of the preset)
    private const string PlainVm = "DC0_C0_H0_VM1"; // not encrypted
    private const string Host = "DC0_C0_H0";

    [Fact]
    public async Task A_reboot_while_the_KMS_is_unreachable_locks_the_VM_and_unlocking_after_the_KMS_is_back_recovers_it()
    {
        await using var site = await ApiSite.StartAsync();

        var unreachable = await site.PostAsync("api/kms-clusters/kms-prod/unreachable");
        unreachable.GetProperty("kmsCluster").Items("servers").Should().OnlyContain(s => s.Str("mode") == "Refuse");
        unreachable.GetProperty("kmsCluster").GetProperty("reachable").GetBoolean().Should().BeFalse();
        unreachable.GetProperty("kmsCluster").Str("unreachableBecause").Should().NotBeNullOrEmpty();

        var reboot = await site.PostAsync($"api/hosts/{Host}/reboot");
        reboot.Str("did").Should().Contain(Host);
        var host = reboot.GetProperty("host");
        host.GetProperty("cachedKeyCount").GetInt32().Should().Be(0);
        host.Vm(Vm).Str("cryptoState").Should().Be("locked");
        host.Vm(Vm).Str("powerState").Should().Be("poweredOff");
        host.Vm(PlainVm).Str("cryptoState").Should().Be("unlocked");
        reboot.Items("events").Should().Contain(e => e.Str("typeId") == EventTypes.VmLockedKmsClusterError && e.Str("object") == Vm);
        reboot.Items("alarms").Should().Contain(a => a.Str("object") == Vm && a.GetProperty("active").GetBoolean());

        var vm = await site.GetAsync($"api/vms/{Vm}");
        vm.Str("cryptoState").Should().Be("locked");
        vm.Items("activeAlarms").Select(a => a.GetString()).Should().Equal("VM locked");

        var alarms = await site.GetAsync($"api/alarms?object={Vm}&active=true");
        alarms.Items().Should().ContainSingle().Which.Str("reason").Should().Be("Virtual machine is locked because of a KMS cluster error.");
        (await site.GetAsync($"api/alarms?object={Host}&active=true")).Items().Should().BeEmpty("one alarm, on the VM: vSphere rolls it up into the host's status");
        (await site.GetAsync($"api/hosts/{Host}")).Items("activeAlarms").Select(a => a.GetString()).Should().Contain(AlarmManager.VmLockedAlarm, "the host shows its VM's alarm rolled up");

        var events = await site.GetAsync($"api/events?object={Vm}");
        var locked = events.Items().Should().ContainSingle(e => e.Str("typeId") == "com.vmware.vc.vm.Crypto.VMLocked.KMSClusterError").Which;
        locked.Str("message").Should().Be("Virtual machine is locked because of a KMS cluster error.");
        locked.Str("vcenter").Should().Be("vc01");
        var since = locked.GetProperty("key").GetInt64();
        (await site.GetAsync($"api/events?since={since}")).Items().Should().OnlyContain(e => e.GetProperty("key").GetInt64() > since);
        (await site.GetAsync($"api/events?since={since - 1}")).Items().First().GetProperty("key").GetInt64().Should().Be(since);

        // Unlocking while the KMS is still down fails with the lock event's words.
        var (status, problem, media) = await site.SendAsync(HttpMethod.Post, $"api/vms/{Vm}/unlock");
        ((int)status).Should().Be(409);
        media.Should().Be("application/problem+json");
        problem.Str("title").Should().Be("InvalidState");
        problem.Str("detail").Should().Contain("KMS cluster error");

        await site.PostAsync("api/kms-clusters/kms-prod/reachable");
        var unlock = await site.PostAsync($"api/vms/{Vm}/unlock");
        unlock.GetProperty("vm").Str("cryptoState").Should().Be("unlocked");
        unlock.GetProperty("vm").Items("activeAlarms").Should().BeEmpty();
        unlock.Items("events").Should().ContainSingle(e => e.Str("typeId") == "com.vmware.vc.vm.Crypto.VMUnlocked");
        unlock.Items("alarms").Should().NotBeEmpty().And.OnlyContain(a => !a.GetProperty("active").GetBoolean());
        (await site.GetAsync($"api/alarms?object={Vm}&active=true")).Items().Should().BeEmpty();

        var on = await site.PostAsync($"api/vms/{Vm}/power-on");
        on.GetProperty("vm").Str("powerState").Should().Be("poweredOn");
        on.Items("events").Select(e => e.Str("typeId")).Should().Equal(EventTypes.VmPoweredOn);
        (await site.GetAsync($"api/hosts/{Host}")).Items("cachedKeyIds").Select(k => k.GetString()).Should().Equal(vm.Str("keyId"));
    }

    [Fact]
    public async Task A_deactivated_key_locks_the_VM_at_the_next_reboot_and_reactivating_it_lets_it_unlock()
    {
        await using var site = await ApiSite.StartAsync();
        var deactivated = await site.PostAsync($"api/vms/{Vm}/key/deactivate");
        deactivated.GetProperty("key").Str("state").Should().Be("Deactivated");

        var reboot = await site.PostAsync($"api/hosts/{Host}/reboot");
        reboot.GetProperty("host").Vm(Vm).Str("cryptoState").Should().Be("locked");
        reboot.Items("events").Should().Contain(e => e.Str("typeId") == EventTypes.VmLockedKeyMissingOnKms);

        (await site.PostAsync($"api/vms/{Vm}/key/reactivate")).GetProperty("key").Str("state").Should().Be("Active");
        (await site.PostAsync($"api/vms/{Vm}/register")).GetProperty("vm").Str("cryptoState").Should().Be("unlocked");
    }

    [Fact]
    public async Task Keys_removed_from_a_host_behind_vCenters_back_lock_the_VM_at_once()
    {
        await using var site = await ApiSite.StartAsync();
        var removed = await site.PostAsync($"api/vms/{Vm}/remove-keys?host={Host}");
        removed.GetProperty("vm").Str("cryptoState").Should().Be("locked");
        removed.GetProperty("host").GetProperty("cachedKeyCount").GetInt32().Should().Be(2, "the other encrypted VM's key and the host's own host key stay");
        removed.Items("events").Select(e => e.Str("typeId")).Should().Equal(EventTypes.VmLockedKeyMissingOnHost);
    }

    [Fact]
    public async Task Rekeying_gives_the_VM_a_new_key_and_powering_off_and_on_works()
    {
        await using var site = await ApiSite.StartAsync();
        var before = (await site.GetAsync($"api/vms/{Vm}")).Str("keyId");
        var rekey = await site.PostAsync($"api/vms/{Vm}/rekey");
        rekey.GetProperty("vm").Str("keyId").Should().NotBe(before);
        rekey.Items("events").Should().NotBeEmpty();
        (await site.PostAsync($"api/vms/{Vm}/power-off")).GetProperty("vm").Str("powerState").Should().Be("poweredOff");
        var deep = await site.PostAsync($"api/vms/{Vm}/rekey?deep=true");
        deep.Str("did").Should().Contain("deep rekeyed");
        (await site.PostAsync($"api/vms/{Vm}/power-on")).GetProperty("vm").Str("powerState").Should().Be("poweredOn");
        var (status, problem, _) = await site.SendAsync(HttpMethod.Post, $"api/vms/{Vm}/rekey?deep=sometimes");
        ((int)status).Should().Be(400);
        problem.Str("detail").Should().Contain("deep must be true or false");
    }

    [Fact]
    public async Task A_new_vCenter_after_the_old_one_is_lost_trusts_the_KMS_cluster()
    {
        await using var site = await ApiSite.StartAsync(clusters: 0);
        var lost = await site.PostAsync("api/vcenters/vc01/lose");
        lost.GetProperty("vcenter").GetProperty("lost").GetBoolean().Should().BeTrue();

        var (status, created, _) = await site.SendAsync(HttpMethod.Post, "api/vcenters", "{\"name\": \"vc02\"}");
        ((int)status).Should().Be(201);
        created.GetProperty("vcenter").GetProperty("current").GetBoolean().Should().BeTrue();

        var trust = await site.PostAsync("api/vcenters/vc02/trust", new { kmsCluster = "kms-prod", waitForTrust = true });
        trust.GetProperty("vcenter").Str("defaultProvider").Should().Be("kms-prod");
        trust.GetProperty("kmsCluster").Items("clients").Should().Contain(c => c.Str("subject").Contains("vCenter vc02") && c.GetProperty("inEffect").GetBoolean());

        var vcenters = await site.GetAsync("api/vcenters");
        vcenters.Items().Select(v => (v.Str("name"), v.GetProperty("lost").GetBoolean())).Should().Equal(("vc01", true), ("vc02", false));
        (await site.GetAsync("api/inventory")).Str("vcenter").Should().Be("vc02");
    }
}
