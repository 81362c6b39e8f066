using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Harness.Browser.Tests;

/// <summary>
/// Every button of the dashboard's Actions tab, clicked in Chromium on a fresh preset site: the page says what the API
/// did ("Done: " + its did sentence), and the effect is really there — in the REST API's view of the site, and where the
/// page shows it (the inventory's lock icon and power state, the KMS tab, the header, the event log), without a reload.
/// Preconditions an action needs are set up through the REST API first. The preset (<see cref="DashboardPage"/>):
/// cluster DC0_C0 of hosts DC0_C0_H0, DC0_C0_H1 with three VMs each, every second VM encrypted with a key of "kms-prod".
/// </summary>
public class ActionButtonBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Kms = "kms-prod";

    private async Task<DashboardPage> OpenActionsAsync()
    {
        var d = await DashboardPage.OpenAsync(chromium);
        await d.ShowTabAsync("actions");
        await Expect(d.Page.Locator("#tab-actions")).ToBeVisibleAsync();
        return d;
    }

    private static void NoReloadNoErrors(DashboardPage d)
    {
        d.Navigations.Should().Be(1, "the page follows the action without reloading");
        d.ConsoleErrors.Should().BeEmpty("the page's scripts run without errors");
    }

    /// <summary>The KMS marks a crypto-shredded key (its material gone, its attributes kept) with this custom attribute.</summary>
    private static bool Shredded(JsonElement key) => key.GetProperty("customAttributes").TryGetProperty("y-Harness-ShreddedAt", out var _);

    private static Task SelectKmsAsync(DashboardPage d) => d.Page.Locator("#act-kms").SelectOptionAsync(Kms);

    /// <summary>The KMS cluster's section of the KMS tab.</summary>
    private static ILocator KmsPanel(DashboardPage d) => d.Page.Locator($"#kms-panel .kms-cluster[data-kms=\"{Kms}\"]");

    /// <summary>Locks the encrypted VMs of a host with a KMS cluster error: the KMS unreachable, the host reboots, the KMS back.</summary>
    private static async Task LockByRebootWhileKmsUnreachableAsync(DashboardPage d, string host)
    {
        await d.PostAsync($"api/kms-clusters/{Kms}/unreachable");
        await d.PostAsync($"api/hosts/{host}/reboot");
        await d.PostAsync($"api/kms-clusters/{Kms}/reachable");
    }

    // ---- host ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task RebootHost_PowersOffTheHostsVmsAndVcenterPushesTheKeysBack()
    {
        await using var d = await OpenActionsAsync();
        var host = (await d.FirstVmAsync(encrypted: true)).Str("host");
        var before = await d.GetAsync($"api/hosts/{host}");
        var vms = before.Items("vms").Select(v => v.Str("name")).ToList();
        before.Items("vms").Should().OnlyContain(v => v.Str("powerState") == "poweredOn");
        var connectedBefore = (await d.GetAsync($"api/events?object={host}&type=HostConnectedEvent")).GetArrayLength();
        var otherVm = (await d.GetAsync("api/vms")).EnumerateArray().First(v => v.Str("host") != host).Str("name");

        await d.Page.Locator("#act-host").SelectOptionAsync(host);
        await d.ActAsync("reboot-host", $"host \"{host}\" rebooted");
        await Expect(d.Result.Locator(".events li[data-type-id=HostConnectedEvent]")).ToHaveCountAsync(1);

        var after = await d.GetAsync($"api/hosts/{host}");
        after.Items("vms").Should().OnlyContain(v => v.Str("powerState") == "poweredOff", "a reboot powers off the host's VMs");
        after.Items("vms").Should().OnlyContain(v => v.Str("cryptoState") == "unlocked", "the KMS answered: vCenter pushed the keys again");
        // The reboot emptied the host's key cache (no key persistence); vCenter pushed back the keys of the host's own VMs
        // and the host's own host key (it is crypto-safe).
        var hostKey = (await d.GetAsync($"api/mob/HostSystem/{host}")).GetProperty("properties").GetProperty("runtime").GetProperty("properties")
            .GetProperty("cryptoKeyId").GetProperty("properties").GetProperty("keyId").GetProperty("value").GetString();
        after.Items("cachedKeyIds").Select(k => k.GetString()).Should().BeEquivalentTo(
            after.Items("vms").Where(v => v.Bool("encrypted")).Select(v => v.Str("keyId")).Append(hostKey));
        (await d.GetAsync($"api/events?object={host}&type=HostConnectedEvent")).GetArrayLength().Should().Be(connectedBefore + 1);
        (await d.VmAsync(otherVm)).Str("powerState").Should().Be("poweredOn", "only the rebooted host's VMs stop");

        foreach (var vm in vms) await Expect(d.Vm(vm).Locator("[data-role=power]")).ToHaveTextAsync("poweredOff");
        await Expect(d.Vm(otherVm).Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await Expect(d.Page.Locator($"li.host[data-host=\"{host}\"] > .node [data-role=keys]"))
            .ToHaveTextAsync($"{after.GetProperty("cachedKeyCount").GetInt32()} keys");
        await Expect(d.EventRow(host, "HostConnectedEvent")).ToHaveCountAsync(connectedBefore + 1);
        NoReloadNoErrors(d);
    }

    // ---- KMS cluster -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task KmsUnreachable_CutsTheKmsClusterAndTheKmsTabSaysUnreachable()
    {
        await using var d = await OpenActionsAsync();
        (await d.KmsAsync()).Bool("reachable").Should().BeTrue();
        await SelectKmsAsync(d);

        await d.ActAsync("kms-unreachable", $"KMS cluster \"{Kms}\" became unreachable");

        var kms = await d.KmsAsync();
        kms.Bool("reachable").Should().BeFalse();
        var because = kms.Str("unreachableBecause");
        because.Should().NotBeNullOrWhiteSpace();
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("[data-role=reachable]")).ToHaveTextAsync("unreachable: " + because);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KmsReachable_RestoresTheKmsClusterAndTheKmsTabSaysReachable()
    {
        await using var d = await OpenActionsAsync();
        await d.PostAsync($"api/kms-clusters/{Kms}/unreachable");
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("[data-role=reachable]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^unreachable"));
        await d.ShowTabAsync("actions");
        await SelectKmsAsync(d);

        await d.ActAsync("kms-reachable", $"KMS cluster \"{Kms}\" is reachable again");

        var kms = await d.KmsAsync();
        kms.Bool("reachable").Should().BeTrue();
        kms.GetProperty("unreachableBecause").ValueKind.Should().Be(JsonValueKind.Null);
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("[data-role=reachable]")).ToHaveTextAsync("reachable");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KmsServerDown_TakesDownTheServerNumberedAndLeavesTheOtherUp()
    {
        await using var d = await OpenActionsAsync();
        await SelectKmsAsync(d);
        await d.Page.Locator("#act-kms-server").FillAsync("2");

        await d.ActAsync("kms-server-down", $"KMS server 2 of cluster \"{Kms}\" went down");

        var kms = await d.KmsAsync();
        kms.Items("servers").Select(s => s.Str("mode")).Should().Equal("Pass", "Refuse");
        kms.Items("serversDown").Select(n => n.GetInt32()).Should().Equal(2);
        kms.Bool("reachable").Should().BeTrue("server 1 still answers");
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("tr[data-server=\"2\"] [data-role=server-state]")).ToHaveTextAsync("down (refuses connections)");
        await Expect(KmsPanel(d).Locator("tr[data-server=\"1\"] [data-role=server-state]")).ToHaveTextAsync("up");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KmsServerUp_BringsTheServerBack()
    {
        await using var d = await OpenActionsAsync();
        await d.PostAsync($"api/kms-clusters/{Kms}/servers/1/down");
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("tr[data-server=\"1\"] [data-role=server-state]")).ToHaveTextAsync("down (refuses connections)");
        await d.ShowTabAsync("actions");
        await SelectKmsAsync(d);
        await d.Page.Locator("#act-kms-server").FillAsync("1");

        await d.ActAsync("kms-server-up", $"KMS server 1 of cluster \"{Kms}\" is back");

        var kms = await d.KmsAsync();
        kms.Items("servers").Select(s => s.Str("mode")).Should().Equal("Pass", "Pass");
        kms.Items("serversDown").Should().BeEmpty();
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("tr[data-server=\"1\"] [data-role=server-state]")).ToHaveTextAsync("up");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KmsDeleteRootKey_ShredsEveryKeySoThatARebootLocksTheVm()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var name = vm.Str("name");
        var keysBefore = (await d.KmsAsync()).Items("keys").ToList();
        keysBefore.Should().NotBeEmpty();
        keysBefore.Should().OnlyContain(k => !Shredded(k));
        await SelectKmsAsync(d);

        await d.ActAsync("kms-delete-root-key", $"the KMS administrator deleted the root key of KMS cluster \"{Kms}\"");

        var keys = (await d.KmsAsync()).Items("keys").ToList();
        keys.Select(k => k.Str("id")).Should().BeEquivalentTo(keysBefore.Select(k => k.Str("id")), "the keys' attributes stay");
        keys.Should().OnlyContain(k => Shredded(k), "every key's material is shredded");
        // Running VMs keep running on the keys their hosts hold; once the host restarts, the KMS has no key to give.
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("unlocked");
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await d.PostAsync($"api/hosts/{vm.Str("host")}/reboot");
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("locked");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await Expect(d.EventRow(name, "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    // ---- the KMS administrator and a VM's key ---------------------------------------------------------------------

    [Fact]
    public async Task KeyDeactivate_DeactivatesTheVmsKeyOnTheKms()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, keyId) = (vm.Str("name"), vm.Str("keyId"));
        (await d.KmsKeyAsync(keyId)).Str("state").Should().BeOneOf("PreActive", "Active");
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("key-deactivate", $"the KMS administrator deactivated key {keyId} of VM \"{name}\" on KMS cluster \"{Kms}\"");

        var key = await d.KmsKeyAsync(keyId);
        key.Str("state").Should().Be("Deactivated");
        key.Bool("disabledByAdministrator").Should().BeTrue();
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("unlocked", "the host still holds the key: nothing locks before a reboot");
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveAttributeAsync("data-state", "Deactivated");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KeyReactivate_MakesTheDeactivatedKeyActiveAgain()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, keyId) = (vm.Str("name"), vm.Str("keyId"));
        await d.PostAsync($"api/vms/{name}/key/deactivate");
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveAttributeAsync("data-state", "Deactivated");
        await d.ShowTabAsync("actions");
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("key-reactivate", $"the KMS administrator reactivated key {keyId} of VM \"{name}\" on KMS cluster \"{Kms}\"");

        var key = await d.KmsKeyAsync(keyId);
        key.Str("state").Should().Be("Active");
        key.Bool("disabledByAdministrator").Should().BeFalse();
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveAttributeAsync("data-state", "Active");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task KeyDestroy_DestroysTheVmsKeyOnTheKms()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, keyId) = (vm.Str("name"), vm.Str("keyId"));
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("key-destroy", $"the KMS administrator destroyed key {keyId} of VM \"{name}\" on KMS cluster \"{Kms}\"");

        var key = await d.KmsKeyAsync(keyId);
        key.Str("state").Should().Be("Destroyed");
        key.Bool("restorable").Should().BeTrue();
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveAttributeAsync("data-state", "Destroyed");
        NoReloadNoErrors(d);
    }

    // ---- VMs -------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task RemoveKeys_TakesTheKeyFromTheChosenHostAndTheVmLocksAtOnce()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, host, keyId) = (vm.Str("name"), vm.Str("host"), vm.Str("keyId"));
        var hostBefore = await d.GetAsync($"api/hosts/{host}");
        hostBefore.Items("cachedKeyIds").Select(k => k.GetString()).Should().Contain(keyId);
        int keysBefore = hostBefore.GetProperty("cachedKeyCount").GetInt32();
        await Expect(d.LockIcon(name)).ToHaveCountAsync(0);
        await d.Page.Locator("#act-vm").FillAsync(name);
        await d.Page.Locator("#act-vm-host").SelectOptionAsync(host);

        await d.ActAsync("remove-keys", $"the keys of VM \"{name}\" were removed from host \"{host}\"");
        await Expect(d.Result.Locator(".events li[data-type-id=\"com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnHost\"]")).ToHaveCountAsync(1);

        var hostAfter = await d.GetAsync($"api/hosts/{host}");
        hostAfter.Items("cachedKeyIds").Select(k => k.GetString()).Should().NotContain(keyId);
        hostAfter.GetProperty("cachedKeyCount").GetInt32().Should().Be(keysBefore - 1);
        var after = await d.VmAsync(name);
        after.Str("cryptoState").Should().Be("locked");
        after.Str("powerState").Should().Be("poweredOff");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOff");
        await Expect(d.Page.Locator($"li.host[data-host=\"{host}\"] > .node [data-role=keys]")).ToHaveTextAsync($"{keysBefore - 1} keys");
        await Expect(d.EventRow(name, "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnHost")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task Register_OnANewVcenterTrustedByTheKms_UnlocksTheVmLockedWhileVcenterWasLost()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, host) = (vm.Str("name"), vm.Str("host"));
        // Seed 000 step 4: vCenter is lost, the host reboots without it (the VM locks), a new vCenter trusts the KMS.
        await d.PostAsync("api/vcenters/vc01/lose");
        await d.PostAsync($"api/hosts/{host}/reboot");
        await d.PostAsync("api/vcenters", new { name = "vc02" });
        await d.PostAsync("api/vcenters/vc02/trust", new { kmsCluster = Kms, waitForTrust = true });
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("locked");
        await Expect(d.Page.Locator("#vcenter")).ToHaveTextAsync("vc02");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await d.Page.Locator("#act-vm").FillAsync(name);
        await d.Page.Locator("#act-user").FillAsync("ops");

        await d.ActAsync("register", $"VM \"{name}\" re-registered by user \"ops\"");
        await Expect(d.Result.Locator(".events li[data-type-id=\"com.vmware.vc.vm.Crypto.VMUnlocked\"]")).ToHaveCountAsync(1);

        var after = await d.VmAsync(name);
        after.Str("cryptoState").Should().Be("unlocked");
        after.Bool("registered").Should().BeTrue();
        var events = await d.GetAsync($"api/events?vcenter=vc02&object={name}");
        events.EnumerateArray().Select(e => e.Str("typeId")).Should().ContainInOrder("VmRegisteredEvent", "com.vmware.vc.vm.Crypto.VMUnlocked");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(0);
        await Expect(d.Vm(name)).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        var registered = d.EventRow(name, "VmRegisteredEvent");
        await Expect(registered).ToHaveCountAsync(1);
        await Expect(registered).ToHaveAttributeAsync("data-vcenter", "vc02");
        await Expect(d.EventRow(name, "com.vmware.vc.vm.Crypto.VMUnlocked")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task Unlock_UnlocksTheVmLockedByAKmsClusterErrorAndClearsItsAlarm()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, host) = (vm.Str("name"), vm.Str("host"));
        await LockByRebootWhileKmsUnreachableAsync(d, host);
        (await d.VmAsync(name)).Str("cryptoState").Should().Be("locked");
        await Expect(d.LockIcon(name)).ToHaveCountAsync(1);
        await Expect(d.Page.Locator($"#alarms tr.alarm[data-object=\"{name}\"]")).ToHaveCountAsync(1);
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("unlock", $"VM \"{name}\" unlocked");

        var after = await d.VmAsync(name);
        after.Str("cryptoState").Should().Be("unlocked");
        after.Items("activeAlarms").Should().BeEmpty();
        await Expect(d.LockIcon(name)).ToHaveCountAsync(0);
        await Expect(d.Vm(name)).ToHaveAttributeAsync("data-crypto-state", "unlocked");
        await Expect(d.Page.Locator($"#alarms tr.alarm[data-object=\"{name}\"]")).ToHaveCountAsync(0);
        var unlocked = d.EventRow(name, "com.vmware.vc.vm.Crypto.VMUnlocked");
        await Expect(unlocked).ToHaveCountAsync(1);
        await Expect(unlocked.Locator(".message")).ToHaveTextAsync("Virtual machine is unlocked.");
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task PowerOn_StartsThePoweredOffVm()
    {
        await using var d = await OpenActionsAsync();
        var name = (await d.FirstVmAsync(encrypted: false)).Str("name");
        await d.PostAsync($"api/vms/{name}/power-off");
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOff");
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("power-on", $"VM \"{name}\" powered on");

        (await d.VmAsync(name)).Str("powerState").Should().Be("poweredOn");
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await Expect(d.Vm(name)).ToHaveAttributeAsync("data-power-state", "poweredOn");
        await Expect(d.EventRow(name, "VmPoweredOnEvent")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task PowerOff_StopsTheRunningVm()
    {
        await using var d = await OpenActionsAsync();
        var name = (await d.FirstVmAsync(encrypted: false)).Str("name");
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOn");
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("power-off", $"VM \"{name}\" powered off");

        (await d.VmAsync(name)).Str("powerState").Should().Be("poweredOff");
        await Expect(d.Vm(name).Locator("[data-role=power]")).ToHaveTextAsync("poweredOff");
        await Expect(d.EventRow(name, "VmPoweredOffEvent")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task Encrypt_EncryptsThePlainVmWithANewKeyOfTheKms()
    {
        await using var d = await OpenActionsAsync();
        var name = (await d.FirstVmAsync(encrypted: false)).Str("name");
        var keysBefore = (await d.KmsAsync()).Items("keys").Select(k => k.Str("id")).ToList();
        await Expect(d.Vm(name)).ToHaveAttributeAsync("data-encrypted", "false");
        await d.Page.Locator("#act-vm").FillAsync(name);
        await d.ActAsync("power-off", $"VM \"{name}\" powered off"); // vSphere encrypts powered-off VMs only

        await d.ActAsync("encrypt", $"VM \"{name}\" encrypted");

        var after = await d.VmAsync(name);
        after.Bool("encrypted").Should().BeTrue();
        after.Str("provider").Should().Be(Kms);
        var keyId = after.Str("keyId");
        keysBefore.Should().NotContain(keyId);
        (await d.KmsAsync()).Items("keys").Select(k => k.Str("id")).Should().Contain(keyId);
        await Expect(d.Vm(name)).ToHaveAttributeAsync("data-encrypted", "true");
        await Expect(d.Vm(name).Locator("[data-role=crypto]")).ToHaveTextAsync("encrypted");
        await Expect(d.Vm(name).Locator("[data-role=crypto]")).ToHaveAttributeAsync("title", "key " + keyId);
        await Expect(d.EventRow(name, "VmReconfiguredEvent").Locator(".message"))
            .ToHaveTextAsync($"Virtual machine is encrypted with key {keyId} of key provider {Kms}.");
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{keyId}\"]")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task Rekey_GivesTheRunningVmANewKeyAndKeepsTheOldOneOnTheKms()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, oldKey) = (vm.Str("name"), vm.Str("keyId"));
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("rekey", $"VM \"{name}\" rekeyed");

        var after = await d.VmAsync(name);
        var newKey = after.Str("keyId");
        newKey.Should().NotBe(oldKey);
        after.Str("powerState").Should().Be("poweredOn", "a shallow rekey runs while the VM runs");
        after.Str("cryptoState").Should().Be("unlocked");
        (await d.KmsAsync()).Items("keys").Select(k => k.Str("id")).Should().Contain([oldKey, newKey]);
        await Expect(d.Vm(name).Locator("[data-role=crypto]")).ToHaveAttributeAsync("title", "key " + newKey);
        await Expect(d.EventRow(name, "VmReconfiguredEvent").Filter(new() { HasText = $"shallow rekeyed: new key {newKey}" })).ToHaveCountAsync(1);
        await d.ShowTabAsync("kms");
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{newKey}\"]")).ToHaveCountAsync(1);
        await Expect(d.Page.Locator($"#kms-panel tr[data-key=\"{oldKey}\"]")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task DeepRekey_ReencryptsThePoweredOffVmUnderANewKey()
    {
        await using var d = await OpenActionsAsync();
        var vm = await d.FirstVmAsync(encrypted: true);
        var (name, oldKey) = (vm.Str("name"), vm.Str("keyId"));
        await d.PostAsync($"api/vms/{name}/power-off");
        await d.Page.Locator("#act-vm").FillAsync(name);

        await d.ActAsync("deep-rekey", $"VM \"{name}\" deep rekeyed");

        var after = await d.VmAsync(name);
        var newKey = after.Str("keyId");
        newKey.Should().NotBe(oldKey);
        after.Str("powerState").Should().Be("poweredOff");
        var reconfigured = d.EventRow(name, "VmReconfiguredEvent").Filter(new() { HasText = $"deep rekeyed: new key {newKey}" });
        await Expect(reconfigured).ToHaveCountAsync(1);
        await Expect(reconfigured.Locator(".message")).ToContainTextAsync($"disks re-encrypted; the previous key {oldKey} stays on the KMS");
        await Expect(d.Vm(name).Locator("[data-role=crypto]")).ToHaveAttributeAsync("title", "key " + newKey);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task RegisterAllLocked_ReregistersEveryLockedVmAndTheyUnlock()
    {
        await using var d = await OpenActionsAsync();
        var host = (await d.FirstVmAsync(encrypted: true)).Str("host");
        await LockByRebootWhileKmsUnreachableAsync(d, host);
        var locked = (await d.GetAsync("api/vms?cryptoState=locked")).EnumerateArray().Select(v => v.Str("name")).ToList();
        locked.Should().HaveCountGreaterThan(1, "the preset host has two encrypted VMs");
        foreach (var vm in locked) await Expect(d.LockIcon(vm)).ToHaveCountAsync(1);

        await d.ActAsync("register-all-locked", $"re-registered {locked.Count} locked VM(s): {string.Join(", ", locked)}");

        (await d.GetAsync("api/vms?cryptoState=locked")).GetArrayLength().Should().Be(0);
        await Expect(d.Page.Locator("li.vm [data-role=lock-icon]")).ToHaveCountAsync(0);
        foreach (var vm in locked)
        {
            await Expect(d.EventRow(vm, "VmRegisteredEvent")).ToHaveCountAsync(1);
            await Expect(d.Result.Locator($".events li[data-type-id=\"com.vmware.vc.vm.Crypto.VMUnlocked\"]").Filter(new() { HasText = vm + ":" })).ToHaveCountAsync(1);
        }
        NoReloadNoErrors(d);
    }

    // ---- vCenter ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task VcenterNew_SetsUpTheNewVcenterAsTheCurrentOne()
    {
        await using var d = await OpenActionsAsync();
        await Expect(d.Page.Locator("#vcenter")).ToHaveTextAsync("vc01");
        await d.Page.Locator("#act-vcenter").FillAsync("vc02");

        await d.ActAsync("vcenter-new", "vCenter \"vc02\" set up");

        var vcenters = (await d.GetAsync("api/vcenters")).EnumerateArray().ToDictionary(v => v.Str("name"));
        vcenters.Keys.Should().BeEquivalentTo(["vc01", "vc02"]);
        vcenters["vc02"].Bool("current").Should().BeTrue();
        vcenters["vc02"].Items("keyProviders").Should().BeEmpty("a new vCenter starts without the KMS's trust");
        vcenters["vc01"].Bool("current").Should().BeFalse();
        vcenters["vc01"].Bool("lost").Should().BeFalse();
        await Expect(d.Page.Locator("#vcenter")).ToHaveTextAsync("vc02");
        await Expect(d.Page.Locator("#event-vcenter option[value=vc02]")).ToHaveTextAsync("vc02 (current)");
        await Expect(d.Page.Locator("#vcenter-names option[value=vc02]")).ToHaveCountAsync(1);
        NoReloadNoErrors(d);
    }

    [Fact]
    public async Task VcenterLose_LosesTheVcenter()
    {
        await using var d = await OpenActionsAsync();
        d.ExpectedConsoleError = DashboardPage.RefusedRequest; // the power-off below is refused (409)
        await d.Page.Locator("#act-vcenter").FillAsync("vc01");

        await d.ActAsync("vcenter-lose", "vCenter \"vc01\" is lost");

        (await d.GetAsync("api/vcenters/vc01")).Bool("lost").Should().BeTrue();
        await Expect(d.Page.Locator("#event-vcenter option[value=vc01]")).ToHaveTextAsync("vc01 (lost)");
        // A lost vCenter answers nothing: the next action is refused with its HostCommunication fault.
        var name = (await d.FirstVmAsync(encrypted: false)).Str("name");
        await d.Page.Locator("#act-vm").FillAsync(name);
        (await d.ClickActionAsync("power-off")).Should().Be("error");
        await Expect(d.Result.Locator(".fault")).ToHaveTextAsync("HostCommunication: ");
        await Expect(d.Result.Locator(".detail")).ToHaveTextAsync("vCenter \"vc01\" is lost");
        (await d.VmAsync(name)).Str("powerState").Should().Be("poweredOn");
        d.Navigations.Should().Be(1);
    }

    [Fact]
    public async Task VcenterTrust_WithTheWait_MakesTheNewVcenterTrustTheKmsAndTheKmsTrustIt()
    {
        await using var d = await OpenActionsAsync();
        await d.PostAsync("api/vcenters", new { name = "vc02" });
        var before = await d.ClockAsync();
        await d.Page.Locator("#act-vcenter").FillAsync("vc02");
        await d.Page.Locator("#act-trust-kms").FillAsync(Kms);
        await d.Page.Locator("#act-trust-wait").CheckAsync();

        await d.ActAsync("vcenter-trust",
            $"vCenter \"vc02\" trusts KMS cluster \"{Kms}\" as key provider \"{Kms}\" (waited 5 minutes for the KMS to trust it)");

        var vc = await d.GetAsync("api/vcenters/vc02");
        vc.Str("defaultProvider").Should().Be(Kms);
        var provider = vc.Items("keyProviders").Single();
        provider.Str("name").Should().Be(Kms);
        var sha1 = provider.Str("clientCertificateSha1");
        var kms = await d.KmsAsync();
        kms.Items("clients").Should().ContainSingle(c => c.Str("sha1") == sha1)
            .Which.Bool("inEffect").Should().BeTrue("the 5 minutes were waited out");
        kms.Items("servers").Should().OnlyContain(s => s.Items("vcenters").Any(v => v.Str("vcenter") == "vc02" && v.Str("trustedThumbprint") == kms.Str("serverThumbprint")));
        (await d.ClockAsync()).Should().BeOnOrAfter(before.AddMinutes(5));
        await d.ShowTabAsync("kms");
        await Expect(KmsPanel(d).Locator("[data-trust-vcenter=vc02] [data-role=vc-trust]")).ToHaveTextAsync(["trusts the KMS", "trusts the KMS"]);
        await Expect(KmsPanel(d).Locator($"tr[data-client=\"{sha1}\"]")).ToHaveAttributeAsync("data-in-effect", "true");
        NoReloadNoErrors(d);
    }

    // ---- time ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AdvanceClock_PassesTheMinutesOnTheSimulationClock()
    {
        await using var d = await OpenActionsAsync();
        var before = await d.ClockAsync();
        await Expect(d.Page.Locator("#sim-time")).ToHaveTextAsync(DashboardPage.PageTime(before));
        await d.Page.Locator("#act-minutes").FillAsync("7");

        await d.ActAsync("advance-clock", "7 minute(s) passed");

        var after = await d.ClockAsync();
        after.Should().Be(before.AddMinutes(7));
        await Expect(d.Page.Locator("#sim-time")).ToHaveTextAsync(DashboardPage.PageTime(after));
        NoReloadNoErrors(d);
    }
}
