using Harness.Scenarios;
using Harness.Simulator;
using Harness.Simulator.KmsAdministration;

namespace Harness.Steps;

/// <summary>
/// The scenario language of STEPS.md, bound to the simulator. Each phrase exists exactly as written there; the phrases
/// after them (marked "beyond STEPS.md") cover seeds 001/002 and the field failures of VSPHERE-MODEL.md.
/// </summary>
[Binding]
public sealed class VsphereSteps(SimulatedSite site)
{
    private static IEnumerable<string> List(string names) => names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // ---- Given ------------------------------------------------------------------------------------------------
    [Given("a KMS cluster {string}")]
    public Task KmsCluster(string name) => site.AddKmsClusterAsync(name, 1);

    [Given("a KMS cluster {string} with {int} servers")]
    public Task KmsClusterWithServers(string name, int servers) => site.AddKmsClusterAsync(name, servers);

    [Given("vCenter {string} trusts the KMS cluster {string}")]
    public Task VCenterTrusts(string vc, string kms) => site.TrustAsync(site.VCenterNamed(vc), kms, kms, waitForTrust: true);

    [Given("a cluster {string} with hosts {string}")]
    public void Cluster(string cluster, string hosts) => site.Simulation.AddCluster(cluster, List(hosts));

    [Given("vSAN encryption is enabled on cluster {string}")]
    public Task VsanEncryption(string cluster) => site.VCenter.EnableVsanEncryptionAsync(site.Simulation.Cluster(cluster));

    [Given("an encrypted VM {string} running on host {string}")]
    public async Task EncryptedRunning(string vm, string host)
    {
        var v = site.Simulation.AddVm(vm, host, poweredOn: true);
        await site.VCenter.EncryptVmAsync(v);
    }

    [Given("an encrypted VM {string} powered off on host {string}")]
    public async Task EncryptedOff(string vm, string host)
    {
        var v = site.Simulation.AddVm(vm, host, poweredOn: false);
        await site.VCenter.EncryptVmAsync(v);
    }

    [Given("a VM {string} running on host {string}")]
    public void PlainVm(string vm, string host) => site.Simulation.AddVm(vm, host, poweredOn: true);

    [Given("key persistence is enabled on host {string}")]
    public void KeyPersistence(string host) => site.Simulation.Host(host).KeyPersistence = true;

    [Given("user {string} lacks the privilege {string}")]
    public void LacksPrivilege(string user, string privilege)
    {
        if (!site.VCenter.MissingPrivileges.TryGetValue(user, out var set)) site.VCenter.MissingPrivileges[user] = set = [];
        set.Add(privilege);
    }

    // beyond STEPS.md: set-up

    [Given("a VM {string} powered off on host {string}")]
    public void PlainVmOff(string vm, string host) => site.Simulation.AddVm(vm, host, poweredOn: false);

    [Given("a KMS cluster {string} whose server certificate expires in {int} days")]
    public Task KmsClusterExpiring(string name, int days) => site.AddKmsClusterAsync(name, 1, TimeSpan.FromDays(days));

    [Given("vCenter {string} trusts the KMS cluster {string} with a client certificate that expires in {int} days")]
    public Task VCenterTrustsExpiring(string vc, string kms, int days) =>
        site.TrustAsync(site.VCenterNamed(vc), kms, kms, waitForTrust: true, TimeSpan.FromDays(days));

    [Given("VM {string} is the vCenter Server appliance")]
    public void VCenterAppliance(string vm) => site.Simulation.SetRole(site.Simulation.Vm(vm), InfrastructureRole.VCenterServer);

    [Given("VM {string} is the DNS server that resolves the KMS hostname")]
    public void DnsServer(string vm) => site.Simulation.SetRole(site.Simulation.Vm(vm), InfrastructureRole.DnsServer);

    [Given("VM {string} is an NSX Manager")]
    public void NsxManager(string vm) => site.Simulation.SetRole(site.Simulation.Vm(vm), InfrastructureRole.NsxManager);

    [Given("the KMS cluster {string} runs on VM {string}")]
    public void KmsRunsOn(string kms, string vm) => site.Simulation.SetRole(site.Simulation.Vm(vm), InfrastructureRole.KmsServer, kms);

    [Given("VM {string} has a snapshot")]
    public void Snapshot(string vm) => site.Simulation.Vm(vm).Snapshots++;

    [Given("disk {string} of VM {string} is encrypted with a key of its own")]
    public Task DiskOwnKey(string disk, string vm) => site.VCenter.EncryptDiskWithOwnKeyAsync(site.Simulation.Vm(vm), disk);

    [Given("host {string} has a host key")]
    public Task HostKey(string host) => site.VCenter.EnableHostKeyAsync(site.Simulation.Host(host));

    [Given("host {string} has written a core dump")]
    public void CoreDumpWritten(string host) => CoreDumps.Write(site.Simulation.Host(host));

    // ---- When -------------------------------------------------------------------------------------------------
    [When("host {string} reboots")]
    public Task Reboot(string host) => site.AttemptAsync(() => site.Simulation.RebootHostAsync(site.Simulation.Host(host)));

    [When("the KMS cluster {string} becomes unreachable")]
    public void Unreachable(string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).BecomeUnreachable(); }

    [When("the KMS cluster {string} is reachable again")]
    public void Reachable(string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).BecomeReachable(); }

    [When("KMS server {int} of cluster {string} goes down")]
    public void ServerDown(int n, string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).SetServerDown(n, true); }

    [When("the KMS administrator deactivates the key of VM {string}")]
    public Task Deactivate(string vm) => AdministerAsync(vm, (a, id) => a.DeactivateAsync(id));

    [When("the KMS administrator reactivates the key of VM {string}")]
    public Task Reactivate(string vm) => AdministerAsync(vm, (a, id) => a.ReactivateAsync(id));

    [When("the KMS administrator destroys the key of VM {string}")]
    public Task Destroy(string vm) => AdministerAsync(vm, (a, id) => a.DestroyAsync(id));

    [When("the KMS administrator deletes the root key")]
    public Task DeleteRootKey() => site.AttemptAsync(async () =>
    {
        foreach (var kms in site.KmsClusters) await kms.Administration.DeleteRootKeyAsync();
    });

    private Task AdministerAsync(string vmName, Func<IKmsAdministration, string, Task> action) => site.AttemptAsync(async () =>
    {
        var vm = site.Simulation.Vm(vmName);
        await action(site.KmsOf(vm).Administration, vm.KeyId ?? throw new InvalidOperationException($"VM \"{vmName}\" is not encrypted"));
    });

    [When("the keys of VM {string} are removed from host {string}")]
    public void RemoveKeys(string vm, string host)
    {
        site.ThrowIfPendingFailure();
        var v = site.Simulation.Vm(vm);
        site.VCenter.KeysRemovedFromHost(site.Simulation.Host(host), v.KeyId!);
    }

    [When("vCenter {string} is lost")]
    public Task Lost(string vc) => site.AttemptAsync(() => site.VCenterNamed(vc).LoseAsync());

    [When("a new vCenter {string} is set up")]
    public void NewVCenter(string vc) { site.ThrowIfPendingFailure(); site.Simulation.AddVCenter(vc); }

    [When("vCenter {string} trusts the KMS cluster {string}")]
    public Task WhenTrusts(string vc, string kms) => site.AttemptAsync(() => site.TrustAsync(site.VCenterNamed(vc), kms, kms, waitForTrust: false));

    [When("vCenter {string} trusts a KMS cluster named {string}")]
    public Task TrustsNamed(string vc, string name) =>
        site.AttemptAsync(() => site.TrustAsync(site.VCenterNamed(vc), site.KmsClusters.First().Name, name, waitForTrust: false));

    [When("the administrator re-registers VM {string}")]
    public Task ReRegister(string vm) => site.AttemptAsync(() => site.VCenter.RegisterVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator re-registers all locked VMs")]
    public Task ReRegisterAll() => site.AttemptAsync(async () =>
    {
        foreach (var vm in site.VCenter.Vms.Where(v => v.CryptoState == CryptoState.Locked).ToList())
            await site.VCenter.RegisterVmAsync(vm);
    });

    [When("user {string} re-registers VM {string}")]
    public Task UserReRegisters(string user, string vm) => site.AttemptAsync(() => site.VCenter.RegisterVmAsync(site.Simulation.Vm(vm), user));

    [When("the administrator unlocks VM {string}")]
    public Task UnlockVm(string vm) => site.AttemptAsync(() => site.VCenter.UnlockVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator powers on VM {string}")]
    public Task PowerOn(string vm) => site.AttemptAsync(() => site.VCenter.PowerOnVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator encrypts VM {string}")]
    public Task Encrypt(string vm) => site.AttemptAsync(() => site.VCenter.EncryptVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator rekeys VM {string}")]
    public Task Rekey(string vm) => site.AttemptAsync(() => site.VCenter.RekeyVmAsync(site.Simulation.Vm(vm), deep: false));

    [When("the administrator deep rekeys VM {string}")]
    public Task DeepRekey(string vm) => site.AttemptAsync(() => site.VCenter.RekeyVmAsync(site.Simulation.Vm(vm), deep: true));

    [When("{int} minutes pass")]
    public Task MinutesPass(int minutes) { site.ThrowIfPendingFailure(); return site.Simulation.AdvanceAsync(TimeSpan.FromMinutes(minutes)); }

    // beyond STEPS.md: actions and faults

    [When("a minute passes")]
    public Task AMinutePasses() { site.ThrowIfPendingFailure(); return site.Simulation.AdvanceAsync(TimeSpan.FromMinutes(1)); }

    [When("{int} days pass")]
    public Task DaysPass(int days) { site.ThrowIfPendingFailure(); return site.Simulation.AdvanceAsync(TimeSpan.FromDays(days)); }

    [When("KMS server {int} of cluster {string} is back")]
    public void ServerBack(int n, string kms) { site.ThrowIfPendingFailure(); site.Kms(kms).SetServerDown(n, false); }

    [When("the KMS administrator restores the key of VM {string}")]
    public Task Restore(string vm) => AdministerAsync(vm, (a, id) => a.RestoreAsync(id));

    [When("the KMS administrator reactivates the key with the ID read from {string} of VM {string}")]
    public Task ReactivateById(string path, string vmName) => site.AttemptAsync(async () =>
    {
        var vm = site.Simulation.Vm(vmName);
        var id = VmProperties.Read(vm, path) ?? throw new InvalidOperationException($"{path} of VM \"{vmName}\" is empty");
        await site.KmsOf(vm).Administration.ReactivateAsync(id);
    });

    [When("the KMS administrator destroys the previous key of VM {string}")]
    public Task DestroyPrevious(string vmName) => site.AttemptAsync(async () =>
    {
        var vm = site.Simulation.Vm(vmName);
        if (vm.KeyHistory.Count == 0) throw new InvalidOperationException($"VM \"{vmName}\" was never rekeyed: it has no previous key");
        await site.KmsOf(vm).Administration.DestroyAsync(vm.KeyHistory[^1].KeyId);
    });

    [When("the KMS administrator destroys the key of disk {string} of VM {string}")]
    public Task DestroyDiskKey(string disk, string vm) => AdministerDiskAsync(disk, vm, (a, id) => a.DestroyAsync(id));

    [When("the KMS administrator restores the key of disk {string} of VM {string}")]
    public Task RestoreDiskKey(string disk, string vm) => AdministerDiskAsync(disk, vm, (a, id) => a.RestoreAsync(id));

    private Task AdministerDiskAsync(string diskName, string vmName, Func<IKmsAdministration, string, Task> action) => site.AttemptAsync(async () =>
    {
        var vm = site.Simulation.Vm(vmName);
        var disk = vm.Files.Disks.FirstOrDefault(d => d.Name == diskName) ?? throw new InvalidOperationException($"VM \"{vmName}\" has no disk \"{diskName}\"");
        await action(site.KmsOf(vm).Administration, vm.KeyIdOf(disk) ?? throw new InvalidOperationException($"VM \"{vmName}\" is not encrypted"));
    });

    [When("the KMS administrator deactivates the host key of host {string}")]
    public Task DeactivateHostKey(string host) => AdministerHostKeyAsync(host, (a, id) => a.DeactivateAsync(id));

    [When("the KMS administrator reactivates the host key of host {string}")]
    public Task ReactivateHostKey(string host) => AdministerHostKeyAsync(host, (a, id) => a.ReactivateAsync(id));

    private Task AdministerHostKeyAsync(string hostName, Func<IKmsAdministration, string, Task> action) => site.AttemptAsync(async () =>
    {
        var host = site.Simulation.Host(hostName);
        var id = host.HostKeyId ?? throw new InvalidOperationException($"host \"{hostName}\" has no host key");
        await action(site.KmsOfProvider(host.HostKeyProviderId ?? "", $"the host key of \"{hostName}\"").Administration, id);
    });

    [When("the administrator removes the key of VM {string} from vCenter")]
    public Task RemoveKey(string vm) => site.AttemptAsync(() => site.VCenter.RemoveKeyAsync(site.Simulation.Vm(vm).KeyId!, force: false));

    [When("the administrator force-removes the key of VM {string}")]
    public Task ForceRemoveKey(string vm) => site.AttemptAsync(() => site.VCenter.RemoveKeyAsync(site.Simulation.Vm(vm).KeyId!, force: true));

    [When("the administrator renews the host key of host {string}")]
    public Task RenewHostKey(string host) => site.AttemptAsync(() => site.VCenter.RenewHostKeyAsync(site.Simulation.Host(host)));

    [When("host {string} writes a core dump")]
    public Task WritesCoreDump(string host) => site.AttemptAsync(() => { CoreDumps.Write(site.Simulation.Host(host)); return Task.CompletedTask; });

    [When("user {string} unlocks VM {string}")]
    public Task UserUnlocks(string user, string vm) => site.AttemptAsync(() => site.VCenter.UnlockVmAsync(site.Simulation.Vm(vm), user));

    [When("user {string} rekeys VM {string}")]
    public Task UserRekeys(string user, string vm) => site.AttemptAsync(() => site.VCenter.RekeyVmAsync(site.Simulation.Vm(vm), deep: false, user));

    [When("the administrator powers off VM {string}")]
    public Task PowerOff(string vm) => site.AttemptAsync(() => site.VCenter.PowerOffVmAsync(site.Simulation.Vm(vm)));

    [When("the administrator removes VM {string} from the inventory")]
    public Task Unregister(string vm) => site.AttemptAsync(() => { site.VCenter.UnregisterVm(site.Simulation.Vm(vm)); return Task.CompletedTask; });

    [When("the administrator rekeys the vSAN encryption of cluster {string}")]
    public Task RekeyVsan(string cluster) => site.AttemptAsync(() => site.VCenter.RekeyVsanAsync(site.Simulation.Cluster(cluster), deep: false));

    [When("the administrator deep rekeys the vSAN encryption of cluster {string}")]
    public Task DeepRekeyVsan(string cluster) => site.AttemptAsync(() => site.VCenter.RekeyVsanAsync(site.Simulation.Cluster(cluster), deep: true));

    [When("all hosts of cluster {string} reboot")]
    public Task ClusterReboots(string cluster) => site.AttemptAsync(async () =>
    {
        foreach (var host in site.Simulation.Cluster(cluster).Hosts) await site.Simulation.RebootHostAsync(host);
    });

    [When("the whole site loses power and comes back")]
    public Task PowerCycle() => site.AttemptAsync(() => site.Simulation.PowerCycleSiteAsync());

    [When("the KMS hostname is resolved without VM {string}")]
    public void AlternateResolution(string vm)
    {
        site.ThrowIfPendingFailure();
        var dns = site.Simulation.Vm(vm);
        foreach (var kms in site.Simulation.KmsClusters.Where(k => k.ResolvedBy == dns)) kms.ResolvedBy = null;
    }

    [When("vCenter {string} goes down")]
    public Task VCenterDown(string vc) => site.AttemptAsync(() => site.VCenterNamed(vc).GoDownAsync());

    [When("vCenter {string} comes back")]
    public Task VCenterBack(string vc) => site.AttemptAsync(() => site.VCenterNamed(vc).ComeBackAsync());

    [When("vCenter {string} is restored from backup")]
    public Task VCenterRestored(string vc) => site.AttemptAsync(() => { site.Simulation.RestoreVCenter(vc); return Task.CompletedTask; });

    [When("vCenter {string} renews its client certificate for the KMS cluster {string}")]
    public Task RenewClientCertificate(string vc, string kms) => site.AttemptAsync(() => site.RenewClientCertificateAsync(site.VCenterNamed(vc), kms));

    [When("the KMS cluster {string} moves to a new address")]
    public Task KmsMoves(string kms) { site.ThrowIfPendingFailure(); return site.Kms(kms).MoveToNewAddressAsync(); }

    // ---- Then -------------------------------------------------------------------------------------------------
    private VirtualMachine Vm(string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Vm(name);
    }

    private EsxiHost Host(string name)
    {
        site.ThrowIfPendingFailure();
        return site.Simulation.Host(name);
    }

    [Then("VM {string} is locked")]
    public void IsLocked(string vm) => Expect.That(Vm(vm).CryptoState == CryptoState.Locked, $"VM \"{vm}\" is {Vm(vm).CryptoState}, expected Locked");

    [Then("VM {string} is unlocked")]
    public void IsUnlocked(string vm) => Expect.That(Vm(vm).CryptoState == CryptoState.Unlocked, $"VM \"{vm}\" is {Vm(vm).CryptoState}, expected Unlocked");

    [Then("VM {string} is running")]
    public void IsRunning(string vm) => Expect.That(Vm(vm).PowerState == PowerState.PoweredOn, $"VM \"{vm}\" is {Vm(vm).PowerState}, expected running");

    [Then("VM {string} is powered off")]
    public void IsOff(string vm) => Expect.That(Vm(vm).PowerState == PowerState.PoweredOff, $"VM \"{vm}\" is {Vm(vm).PowerState}, expected powered off");

    [Then("VM {string} has an active alarm")]
    public void HasAlarm(string vm) => Expect.That(site.VCenter.Alarms.ActiveOn(Vm(vm).Name).Any(), $"VM \"{vm}\" has no active alarm");

    [Then("VM {string} has no active alarm")]
    public void HasNoAlarm(string vm)
    {
        var active = site.VCenter.Alarms.ActiveOn(Vm(vm).Name).ToList();
        Expect.That(active.Count == 0, $"VM \"{vm}\" has an active alarm: {string.Join(", ", active.Select(a => $"{a.Name} ({a.Reason})"))}");
    }

    [Then("the event log shows {string} for VM {string}")]
    public void EventLogShows(string text, string vm) => EventsShow(text, Vm(vm).Name, $"VM \"{vm}\"", exact: true);

    [Then("the key ID of VM {string} can be read from {string}")]
    public void KeyIdReadable(string vm, string path)
    {
        var v = Vm(vm);
        var value = VmProperties.Read(v, path);
        Expect.That(value is not null && value == v.KeyId, $"{path} of VM \"{vm}\" reads \"{value}\", expected its key ID {v.KeyId}");
    }

    [Then("host {string} has the key of VM {string}")]
    public void HostHasKey(string host, string vm) =>
        Expect.That(site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" does not have the key of VM \"{vm}\"");

    [Then("host {string} does not have the key of VM {string}")]
    public void HostLacksKey(string host, string vm) =>
        Expect.That(!site.Simulation.Host(host).HasKey(Vm(vm).KeyId!), $"host \"{host}\" has the key of VM \"{vm}\"");

    [Then("the KMS holds the key of VM {string} in state {string}")]
    public Task KmsHolds(string vm, string state)
    {
        var v = Vm(vm);
        return ExpectKeyState(site.KmsOf(v), v.KeyId!, state, $"the key of VM \"{vm}\"");
    }

    private static async Task ExpectKeyState(KmsClusterInstance kms, string keyId, string state, string what)
    {
        var actual = await kms.Administration.KeyStateAsync(keyId);
        Expect.That(KmipNames.SameName(actual, state), $"the KMS holds {what} ({keyId}) in state {actual}, expected {state}");
    }

    [Then("the data of VM {string} reads back intact")]
    public void DataIntact(string vm) =>
        Expect.That(Simulation.ReadsBackIntact(Vm(vm), out var why), $"the data of VM \"{vm}\" does not read back: {why}");

    [Then("the data of VM {string} cannot be decrypted")]
    public void DataGone(string vm) =>
        Expect.That(!Simulation.ReadsBackIntact(Vm(vm), out _), $"the data of VM \"{vm}\" still decrypts");

    [Then("the disk groups of host {string} are mounted")]
    public void DiskGroupsMounted(string host)
    {
        var h = Host(host);
        Expect.That(h.DiskGroups.Count > 0, $"host \"{host}\" has no vSAN disk groups (is vSAN encryption enabled on cluster \"{h.Cluster.Name}\"?)");
        Expect.That(h.DiskGroupsMounted, $"the disk groups of host \"{host}\" are not mounted: {string.Join(", ", h.DiskGroups.Where(d => !d.Mounted).Select(d => d.Name))}");
    }

    [Then("the disk groups of host {string} are not mounted")]
    public void DiskGroupsNotMounted(string host)
    {
        var h = Host(host);
        Expect.That(h.DiskGroups.Count > 0, $"host \"{host}\" has no vSAN disk groups (is vSAN encryption enabled on cluster \"{h.Cluster.Name}\"?)");
        Expect.That(h.DiskGroups.All(d => !d.Mounted), $"the disk groups of host \"{host}\" are mounted: {string.Join(", ", h.DiskGroups.Where(d => d.Mounted).Select(d => d.Name))}");
    }

    [Then("the operation fails with {string}")]
    public void OperationFails(string text)
    {
        var failure = site.TakeFailure();
        var said = failure is VsphereFault f ? $"{f.FaultName}: {f.Message}" : failure.Message;
        Expect.That(said.Contains(text, StringComparison.OrdinalIgnoreCase), $"the operation failed with \"{said}\", which does not mention \"{text}\"");
    }

    // beyond STEPS.md: outcomes

    [Then("the event log does not show {string} for VM {string}")]
    public void EventLogDoesNotShow(string text, string vm)
    {
        var name = Vm(vm).Name;
        var hit = site.VCenter.Events.For(name).FirstOrDefault(e => e.TypeId == text || e.Message == text);
        Expect.That(hit is null, $"the event log of vCenter \"{site.VCenter.Name}\" shows \"{text}\" for VM \"{vm}\": {hit?.TypeId}: {hit?.Message}");
    }

    [Then("the event log shows {string} for host {string}")]
    public void EventLogShowsForHost(string text, string host) => EventsShow(text, Host(host).Name, $"host \"{host}\"");

    [Then("the event log shows {string} for cluster {string}")]
    public void EventLogShowsForCluster(string text, string cluster)
    {
        site.ThrowIfPendingFailure();
        EventsShow(text, site.Simulation.Cluster(cluster).Name, $"cluster \"{cluster}\"");
    }

    [Then("the event log shows {string} for the KMS cluster {string}")]
    public void EventLogShowsForKms(string text, string kms)
    {
        site.ThrowIfPendingFailure();
        EventsShow(text, kms, $"the KMS cluster \"{kms}\"");
    }

    /// <summary>The event (by message or type ID; unless <paramref name="exact"/>, also by a part of the message) is in the current vCenter's log for the object.</summary>
    private void EventsShow(string text, string objectName, string what, bool exact = false)
    {
        var events = site.VCenter.Events.For(objectName).ToList();
        Expect.That(events.Any(e => e.TypeId == text || e.Message == text || (!exact && e.Message.Contains(text, StringComparison.Ordinal))),
            $"the event log of vCenter \"{site.VCenter.Name}\" has no \"{text}\" for {what}; it has: " +
            (events.Count == 0 ? "nothing" : string.Join(" | ", events.Select(e => $"{e.TypeId}: {e.Message}"))));
    }

    [Then("vCenter warns about a circular dependency for VM {string}")]
    public void WarnsCircular(string vm)
    {
        var warning = site.VCenter.Events.For(Vm(vm).Name).FirstOrDefault(e => e.TypeId == EventTypes.CircularDependency);
        Expect.That(warning is not null, $"vCenter \"{site.VCenter.Name}\" did not warn about a circular dependency for VM \"{vm}\"");
    }

    [Then("vCenter does not warn about a circular dependency for VM {string}")]
    public void DoesNotWarnCircular(string vm)
    {
        var warning = site.VCenter.Events.For(Vm(vm).Name).FirstOrDefault(e => e.TypeId == EventTypes.CircularDependency);
        Expect.That(warning is null, $"vCenter \"{site.VCenter.Name}\" warned: {warning?.Message}");
    }

    [Then("vCenter {string} is running")]
    public void VCenterRunning(string vc)
    {
        site.ThrowIfPendingFailure();
        var v = site.Simulation.VCenterNamed(vc);
        Expect.That(v.Available, $"vCenter \"{vc}\" is {(v.Lost ? "lost" : "not running")}");
    }

    [Then("vCenter {string} is not running")]
    public void VCenterNotRunning(string vc)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.VCenterNamed(vc).Available, $"vCenter \"{vc}\" is running");
    }

    [Then("the KMS cluster {string} cannot be reached")]
    public void KmsUnreachable(string kms)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.KmsCluster(kms).Reachable, $"the KMS cluster \"{kms}\" can be reached");
    }

    [Then("the KMS cluster {string} can be reached")]
    public void KmsReachable(string kms)
    {
        site.ThrowIfPendingFailure();
        var k = site.Simulation.KmsCluster(kms);
        Expect.That(k.Reachable, $"the KMS cluster \"{kms}\" cannot be reached: {k.Unreachable}");
    }

    [Then("the vSAN datastore of cluster {string} is accessible")]
    public void VsanAccessible(string cluster)
    {
        site.ThrowIfPendingFailure();
        Expect.That(site.Simulation.Cluster(cluster).DatastoreAccessible, $"the vSAN datastore of cluster \"{cluster}\" is not accessible");
    }

    [Then("the vSAN datastore of cluster {string} is not accessible")]
    public void VsanNotAccessible(string cluster)
    {
        site.ThrowIfPendingFailure();
        Expect.That(!site.Simulation.Cluster(cluster).DatastoreAccessible, $"the vSAN datastore of cluster \"{cluster}\" is accessible");
    }

    [Then("VM {string} has a new key")]
    public void HasNewKey(string vm)
    {
        var v = Vm(vm);
        Expect.That(v.KeyHistory.Count > 0, $"VM \"{vm}\" was never rekeyed: it still has its first key {v.KeyId}");
        Expect.That(v.KeyId != v.KeyHistory[^1].KeyId, $"VM \"{vm}\" still has key {v.KeyId}");
    }

    [Then("VM {string} still has its first key")]
    public void KeepsKey(string vm) => Expect.That(Vm(vm).KeyHistory.Count == 0, $"VM \"{vm}\" was rekeyed {Vm(vm).KeyHistory.Count} time(s)");

    [Then("the KMS still holds the previous key of VM {string} in state {string}")]
    public Task KmsHoldsPrevious(string vm, string state)
    {
        var v = Vm(vm);
        Expect.That(v.KeyHistory.Count > 0, $"VM \"{vm}\" has no previous key: it was never rekeyed");
        return ExpectKeyState(site.KmsOf(v), v.KeyHistory[^1].KeyId, state, $"the previous key of VM \"{vm}\"");
    }

    [Then("the disks of VM {string} keep their data keys")]
    public Task KeepDataKeys(string vm) => CompareDataKeys(vm, expectSame: true);

    [Then("the disks of VM {string} have new data keys")]
    public Task NewDataKeys(string vm) => CompareDataKeys(vm, expectSame: false);

    /// <summary>
    /// Unwraps each disk's data key from the VM's previous bundle with the previous KEK (fetched from the KMS, which must
    /// still serve it) and from the current bundle with the current KEK, and compares them; for new data keys also checks
    /// that the old data key no longer decrypts the disk (the data was re-encrypted).
    /// </summary>
    private async Task CompareDataKeys(string vmName, bool expectSame)
    {
        var vm = Vm(vmName);
        Expect.That(vm.KeyHistory.Count > 0, $"VM \"{vmName}\" was never rekeyed");
        var previous = vm.KeyHistory[^1];
        var previousKeys = await site.FetchFromKmsAsync(previous.ProviderId, [previous.KeyId]);
        Expect.That(previousKeys.TryGetValue(previous.KeyId, out var oldKek), $"the KMS no longer serves the previous key {previous.KeyId} of VM \"{vmName}\"");
        var kek = vm.Host.Key(vm.KeyId!);
        Expect.That(kek is not null, $"host \"{vm.Host.Name}\" does not hold the current key of VM \"{vmName}\"");
        foreach (var disk in vm.Files.Disks)
        {
            var oldDek = DiskCrypto.TryUnwrapDek(oldKek!, previous.WrappedDeks[disk.Name]);
            var newDek = DiskCrypto.TryUnwrapDek(kek!, vm.Files.Bundle!.WrappedDeks[disk.Name]);
            Expect.That(oldDek is not null && newDek is not null, $"the data keys of disk {disk.Path} do not unwrap with the previous and current keys");
            bool same = oldDek!.AsSpan().SequenceEqual(newDek);
            Expect.That(same == expectSame, expectSame
                ? $"disk {disk.Path} has a new data key: a shallow rekey only rewraps the data keys"
                : $"disk {disk.Path} kept its data key: a deep rekey makes new data keys");
            if (!expectSame)
                Expect.That(DiskCrypto.TryDecrypt(oldDek!, disk.Encrypted!) is null, $"disk {disk.Path} still decrypts with its old data key: it was not re-encrypted");
        }
    }

    [Then("the KMS no longer serves the key of VM {string}")]
    public async Task KmsNoLongerServes(string vm)
    {
        var v = Vm(vm);
        var keys = await site.FetchFromKmsAsync(v.ProviderId!, [v.KeyId!]);
        Expect.That(!keys.ContainsKey(v.KeyId!), $"the KMS still serves the key {v.KeyId} of VM \"{vm}\"");
    }

    [Then("the KMS serves the key of VM {string}")]
    public async Task KmsServes(string vm)
    {
        var v = Vm(vm);
        var keys = await site.FetchFromKmsAsync(v.ProviderId!, [v.KeyId!]);
        Expect.That(keys.ContainsKey(v.KeyId!), $"the KMS does not serve the key {v.KeyId} of VM \"{vm}\"");
    }

    [Then("the KMS holds the vSAN key of cluster {string} in state {string}")]
    public Task KmsHoldsVsanKey(string cluster, string state)
    {
        site.ThrowIfPendingFailure();
        var config = site.Simulation.Cluster(cluster).VsanEncryption ?? throw new ExpectationFailedException($"vSAN encryption is not enabled on cluster \"{cluster}\"");
        return ExpectKeyState(site.KmsOfProvider(config.ProviderId), config.KekId, state, $"the vSAN key of cluster \"{cluster}\"");
    }

    [Then("the KMS still holds the previous vSAN key of cluster {string} in state {string}")]
    public Task KmsHoldsPreviousVsanKey(string cluster, string state)
    {
        site.ThrowIfPendingFailure();
        var config = site.Simulation.Cluster(cluster).VsanEncryption ?? throw new ExpectationFailedException($"vSAN encryption is not enabled on cluster \"{cluster}\"");
        Expect.That(config.PreviousKekIds.Count > 0, $"the vSAN encryption of cluster \"{cluster}\" was never rekeyed");
        return ExpectKeyState(site.KmsOfProvider(config.ProviderId), config.PreviousKekIds[^1], state, $"the previous vSAN key of cluster \"{cluster}\"");
    }

    [Then("host {string} has a new host key")]
    public void NewHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is not null && h.PreviousHostKeyIds.Count > 0 && h.HostKeyId != h.PreviousHostKeyIds[^1],
            $"host \"{host}\" has host key {h.HostKeyId ?? "(none)"}, previous: {string.Join(", ", h.PreviousHostKeyIds)}");
        Expect.That(h.HasKey(h.HostKeyId!), $"host \"{host}\" does not hold its new host key");
    }

    [Then("host {string} holds its host key")]
    public void HoldsHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is { } id && h.HasKey(id), $"host \"{host}\" does not hold its host key {h.HostKeyId}");
    }

    [Then("host {string} does not hold its host key")]
    public void LacksHostKey(string host)
    {
        var h = Host(host);
        Expect.That(h.HostKeyId is { } id && !h.HasKey(id), $"host \"{host}\" holds its host key {h.HostKeyId}");
    }

    [Then("the KMS still holds the previous host key of host {string} in state {string}")]
    public Task KmsHoldsPreviousHostKey(string host, string state)
    {
        var h = Host(host);
        Expect.That(h.PreviousHostKeyIds.Count > 0, $"host \"{host}\" never had its host key renewed");
        return ExpectKeyState(site.KmsOfProvider(h.HostKeyProviderId ?? ""), h.PreviousHostKeyIds[^1], state, $"the previous host key of host \"{host}\"");
    }

    [Then("the core dumps of host {string} can be decrypted")]
    public void CoreDumpsReadable(string host)
    {
        var h = Host(host);
        Expect.That(h.CoreDumps.Count > 0, $"host \"{host}\" has no core dumps");
        foreach (var dump in h.CoreDumps)
            Expect.That(CoreDumps.CanDecrypt(h, dump, out var why), why);
    }

    [Then("the core dumps of host {string} cannot be decrypted")]
    public void CoreDumpsUnreadable(string host)
    {
        var h = Host(host);
        Expect.That(h.CoreDumps.Count > 0, $"host \"{host}\" has no core dumps");
        foreach (var dump in h.CoreDumps)
            Expect.That(!CoreDumps.CanDecrypt(h, dump, out _), $"core dump {dump.Name} of host \"{host}\" decrypts");
    }

    [AfterScenario]
    public void NoUnexaminedFailure() => site.ThrowIfPendingFailure();
}
