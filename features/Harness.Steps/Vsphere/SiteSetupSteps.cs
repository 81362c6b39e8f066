using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Given: the site a scenario starts from (STEPS.md "Set-up"; after them, set-up beyond STEPS.md).</summary>
[Binding]
public sealed class SiteSetupSteps(SimulatedSite site)
{
    [Given("a KMS cluster {string}")]
    public Task KmsCluster(string name) => site.AddKmsClusterAsync(name, 1);

    [Given("a KMS cluster {string} with {int} servers")]
    public Task KmsClusterWithServers(string name, int servers) => site.AddKmsClusterAsync(name, servers);

    [Given("a KMS cluster {string} with {int} nodes sharing one PostgreSQL database")]
    public Task KmsNodes(string name, int nodes) => site.AddKmsNodeClusterAsync(name, nodes);

    [Given("vCenter {string} trusts the KMS cluster {string}")]
    public Task VCenterTrusts(string vc, string kms) => site.Actions.TrustAsync(site.VCenterNamed(vc), site.Kms(kms), kms, waitForTrust: true);

    [Given("a cluster {string} with hosts {string}")]
    public void Cluster(string cluster, string hosts) => site.Simulation.AddCluster(cluster, StepTables.Names(hosts));

    [Given("vSAN encryption is enabled on cluster {string}")]
    public Task VsanEncryption(string cluster) => site.Actions.EnableVsanEncryptionAsync(site.Simulation.Cluster(cluster));

    [Given("an encrypted VM {string} running on host {string}")]
    public Task EncryptedRunning(string vm, string host) => site.Actions.AddEncryptedVmAsync(vm, host, poweredOn: true);

    [Given("an encrypted VM {string} powered off on host {string}")]
    public Task EncryptedOff(string vm, string host) => site.Actions.AddEncryptedVmAsync(vm, host, poweredOn: false);

    [Given("a VM {string} running on host {string}")]
    public void PlainVm(string vm, string host) => site.Simulation.AddVm(vm, host, poweredOn: true);

    [Given("key persistence is enabled on host {string}")]
    public void KeyPersistence(string host) => site.Simulation.Host(host).KeyPersistence = true;

    [Given("user {string} lacks the privilege {string}")]
    public void LacksPrivilege(string user, string privilege) => site.Actions.RevokePrivilege(user, privilege);

    // beyond STEPS.md: set-up

    [Given("a VM {string} powered off on host {string}")]
    public void PlainVmOff(string vm, string host) => site.Simulation.AddVm(vm, host, poweredOn: false);

    [Given("a KMS cluster {string} whose server certificate expires in {int} days")]
    public Task KmsClusterExpiring(string name, int days) => site.AddKmsClusterAsync(name, 1, TimeSpan.FromDays(days));

    [Given("vCenter {string} trusts the KMS cluster {string} with a client certificate that expires in {int} days")]
    public Task VCenterTrustsExpiring(string vc, string kms, int days) =>
        site.Actions.TrustAsync(site.VCenterNamed(vc), site.Kms(kms), kms, waitForTrust: true, TimeSpan.FromDays(days));

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
    public Task DiskOwnKey(string disk, string vm) => site.Actions.EncryptDiskWithOwnKeyAsync(site.Simulation.Vm(vm), disk);

    [Given("host {string} has a host key")]
    public Task HostKey(string host) => site.Actions.EnableHostKeyAsync(site.Simulation.Host(host));

    [Given("host {string} has written a core dump")]
    public void CoreDumpWritten(string host) => site.Actions.WriteCoreDump(site.Simulation.Host(host));
}
