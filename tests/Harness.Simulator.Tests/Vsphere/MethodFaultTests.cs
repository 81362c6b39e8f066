namespace Harness.Simulator.Tests.Vsphere;

/// <summary>
/// Faults are values: every vSphere fault type the model raises comes back in a task's error (or as the answer of a
/// method that is not a task), with vSphere's name, and no vSphere method lets it escape as an exception.
/// </summary>
public class MethodFaultTests
{
    /// <summary>A site: cl01 (esx01, esx02) with encrypted "app01" running on esx01, plain "web01" running on esx01, plain "db01" off on esx02.</summary>
    private static async Task<SimulatedSite> SiteAsync()
    {
        var site = new SimulatedSite();
        await site.AddKmsClusterAsync("kms-prod", 1);
        await site.TrustAsync(site.VCenter, "kms-prod", "kms-prod", waitForTrust: true);
        site.Simulation.AddCluster("cl01", ["esx01", "esx02"]);
        await site.Actions.AddEncryptedVmAsync("app01", "esx01", poweredOn: true);
        site.Simulation.AddVm("web01", "esx01", poweredOn: true);
        site.Simulation.AddVm("db01", "esx02", poweredOn: false);
        return site;
    }

    private static T Expect<T>(MethodFault? fault, string says) where T : MethodFault
    {
        fault.Should().NotBeNull($"the method should fail with {typeof(T).Name}");
        fault.Should().BeOfType<T>();
        fault!.FaultName.Should().Be(typeof(T).Name);
        fault.Message.Should().Contain(says);
        return (T)fault;
    }

    private static T Expect<T>(TaskInfo task, string says) where T : MethodFault
    {
        task.State.Should().Be(TaskInfoState.Error);
        task.Result.Should().BeNull();
        return Expect<T>(task.Error, says);
    }

    [Fact]
    public async Task ReconfigVM_Task_EncryptingARunningVm_IsInvalidPowerState()
    {
        await using var site = await SiteAsync();
        var task = await site.VCenter.ReconfigVM_Task(site.Simulation.Vm("web01"), CryptoSpec.Encrypt);
        Expect<InvalidPowerState>(task, "power it off").Should().BeAssignableTo<InvalidState>("InvalidPowerState is an InvalidState in vSphere");
        site.VCenter.Tasks.RecentTasks.Should().ContainSingle(t => t.Key == task.Key && t.DescriptionId == "VirtualMachine.reconfigure");
    }

    [Fact]
    public async Task PowerOnVM_Task_OfALockedVm_IsInvalidVmState()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("app01");
        site.VCenter.KeysRemovedFromHost(vm.Host, vm.KeyId!);
        Expect<InvalidVmState>(await site.VCenter.PowerOnVM_Task(vm), "locked");
    }

    [Fact]
    public async Task ReconfigVM_Task_DecryptingAPlainVm_IsInvalidState()
    {
        await using var site = await SiteAsync();
        var fault = Expect<InvalidState>(await site.VCenter.ReconfigVM_Task(site.Simulation.Vm("web01"), CryptoSpec.Decrypt), "not encrypted");
        fault.GetType().Should().Be(typeof(InvalidState));
    }

    [Fact]
    public async Task PowerOnVM_Task_OnAFailedHost_IsInvalidHostState()
    {
        await using var site = await SiteAsync();
        await site.Simulation.FailHostAsync(site.Simulation.Host("esx02"));
        Expect<InvalidHostState>(await site.VCenter.PowerOnVM_Task(site.Simulation.Vm("db01")), "NotResponding");
    }

    [Fact]
    public async Task PowerOnVM_Task_OnAnEncryptedVsanDatastoreThatIsNotMounted_IsInvalidDatastore()
    {
        await using var site = await SiteAsync();
        var cluster = site.Simulation.AddCluster("vsan01", ["esx11", "esx12"]);
        var vm = site.Simulation.AddVm("vs01", "esx11", poweredOn: false);
        await site.VCenter.EnableVsanEncryptionAsync(cluster);
        site.Kms("kms-prod").BecomeUnreachable();
        await site.Simulation.RebootHostsAsync(cluster.Hosts);
        Expect<InvalidDatastore>(await site.VCenter.PowerOnVM_Task(vm), "not accessible");
    }

    [Fact]
    public async Task ReconfigVM_Task_EncryptingAVmWithASnapshot_IsNotSupported()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("db01");
        vm.Snapshots = 1;
        Expect<NotSupported>(await site.VCenter.ReconfigVM_Task(vm, CryptoSpec.Encrypt), "snapshot");
        vm.Encrypted.Should().BeFalse();
    }

    [Fact]
    public async Task CloneVM_Task_WithoutCryptographerClone_IsNoPermissionNamingThePrivilege()
    {
        await using var site = await SiteAsync();
        site.VCenter.Authorization.RevokePrivilege("ops", "Cryptographer.Clone");
        var fault = Expect<NoPermission>(await site.VCenter.CloneVM_Task(site.Simulation.Vm("app01"), "app02", "ops"), "Cryptographer.Clone");
        fault.PrivilegeId.Should().Be("Cryptographer.Clone");
        site.Simulation.AllVms.Should().NotContain(v => v.Name == "app02");
    }

    [Fact]
    public async Task RegisterVM_Task_OfARegisteredVm_IsAlreadyExists()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("db01");
        var before = site.VCenter.MoId(vm);
        Expect<AlreadyExists>(await site.VCenter.RegisterVM_Task(vm, site.Simulation.Host("esx01")), before);
        vm.Host.Name.Should().Be("esx02");
    }

    [Fact]
    public async Task UnregisterVM_OfAnUnregisteredVm_IsNotFound_AndRegisteringItGivesANewManagedObjectId()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("db01");
        var before = site.VCenter.MoId(vm);
        site.VCenter.UnregisterVM(vm).Should().BeNull();
        Expect<NotFound>(site.VCenter.UnregisterVM(vm), "not registered");
        var task = await site.VCenter.RegisterVM_Task(vm, site.Simulation.Host("esx01"));
        task.State.Should().Be(TaskInfoState.Success);
        task.Result.Should().Be(site.VCenter.MoId(vm)).And.NotBe(before);
    }

    [Fact]
    public async Task CloneVM_Task_ToANameInUse_IsDuplicateName_AndToABlankName_IsInvalidName()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("app01");
        Expect<DuplicateName>(await site.VCenter.CloneVM_Task(vm, "web01"), "web01");
        Expect<InvalidName>(await site.VCenter.CloneVM_Task(vm, " "), "name");
        var clone = await site.VCenter.CloneVM_Task(vm, "app02");
        clone.Result.Should().BeOfType<VirtualMachine>().Which.KeyId.Should().Be(vm.KeyId);
    }

    [Fact]
    public async Task MigrateVM_Task_ToItsOwnHost_IsInvalidArgument()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("app01");
        Expect<InvalidArgument>(await site.VCenter.MigrateVM_Task(vm, vm.Host), "already runs");
    }

    [Fact]
    public async Task RemoveKeys_OfAKeyInUse_IsResourceInUse()
    {
        await using var site = await SiteAsync();
        var vm = site.Simulation.Vm("app01");
        Expect<ResourceInUse>(await site.VCenter.RemoveKeys(vm.KeyId!, force: false), "app01");
        vm.Host.HasKey(vm.KeyId!).Should().BeTrue();
    }

    [Fact]
    public async Task PowerOnVM_Task_OnALostVCenter_IsHostCommunication()
    {
        await using var site = await SiteAsync();
        await site.VCenter.LoseAsync();
        Expect<HostCommunication>(await site.VCenter.PowerOnVM_Task(site.Simulation.Vm("db01")), "lost");
    }

    [Fact]
    public async Task VimInventory_APropertyTheTypeHasNot_IsInvalidProperty()
    {
        await using var site = await SiteAsync();
        var inventory = new VimInventory(site.Simulation);
        var vm = inventory.Ref(site.Simulation.Vm("app01"));
        inventory.Property(vm, "runtime").Should().BeOfType<DataObject>();
        var fault = FluentActions.Invoking(() => inventory.Property(vm, "colour")).Should().Throw<VsphereFault>().Which.Fault;
        Expect<InvalidProperty>(fault, "VirtualMachine has no property \"colour\"");
    }

    [Fact]
    public async Task VimInventory_AReferenceToNoObject_IsManagedObjectNotFound()
    {
        await using var site = await SiteAsync();
        var inventory = new VimInventory(site.Simulation);
        var vm = site.Simulation.Vm("db01");
        var before = inventory.Ref(vm);
        site.VCenter.UnregisterVM(vm).Should().BeNull();
        var fault = FluentActions.Invoking(() => inventory.Property(before, "name")).Should().Throw<VsphereFault>().Which.Fault;
        Expect<ManagedObjectNotFound>(fault, $"VirtualMachine:{before.Value} does not exist");
        inventory.Resolve(new ManagedObjectReference("HostSystem", "host-999")).Should().BeNull();
    }

    [Fact]
    public async Task ChangeKey_Task_OnAHostWithoutCrypto_IsInvalidState()
    {
        await using var site = await SiteAsync();
        site.Simulation.AddCluster("cl02", ["esx03"]); // no encrypted VM there: vCenter never enabled crypto on it
        Expect<InvalidState>(await site.VCenter.ChangeKey_Task(site.Simulation.Host("esx03")), "crypto-safe");
        (await site.VCenter.ChangeKey_Task(site.Simulation.Host("esx01"))).Succeeded.Should().BeTrue("esx01 holds an encrypted VM's key, so it is safe");
        site.VCenter.Tasks.RecentTasks.Should().Contain(t => t.DescriptionId == "HostSystem.changeKey" && t.State == TaskInfoState.Error);
    }

    [Fact]
    public async Task VsanEncryptedClusterRekey_Task_WithoutVsanEncryption_IsInvalidState()
    {
        await using var site = await SiteAsync();
        Expect<InvalidState>(await site.VCenter.VsanEncryptedClusterRekey_Task(site.Simulation.Cluster("cl01"), deepRekey: false), "not enabled");
        (await site.VCenter.VsanClusterReconfig(site.Simulation.Cluster("cl01"))).Succeeded.Should().BeTrue();
        Expect<InvalidState>(await site.VCenter.VsanClusterReconfig(site.Simulation.Cluster("cl01")), "already enabled");
    }

    [Fact]
    public async Task ReconfigVM_Task_GivingAnUnknownDiskItsOwnKey_IsNotFound()
    {
        await using var site = await SiteAsync();
        Expect<NotFound>(await site.VCenter.ReconfigVM_Task(site.Simulation.Vm("app01"), diskWithOwnKey: "disk9"), "disk9");
    }

    [Fact]
    public async Task CryptoManagerKmip_MethodsThatAreNotTasks_AnswerTheirFaults()
    {
        await using var site = await SiteAsync();
        var kmip = site.VCenter.CryptoManagerKmip;
        Expect<NotFound>(kmip.MarkDefault("no-such-provider"), "no-such-provider");
        var made = await kmip.GenerateKey("no-such-provider");
        made.Success.Should().BeFalse();
        made.KeyId.Should().BeNull();
        Expect<InvalidState>(made.Fault, "no-such-provider");
        (await kmip.GenerateKey()).Success.Should().BeTrue("the default provider makes keys");
        Expect<NoPermission>((await kmip.GenerateKey(user: Deny(site, "Cryptographer.ManageKeys"))).Fault, "Cryptographer.ManageKeys");
        await site.VCenter.LoseAsync();
        var status = await kmip.QueryCryptoKeyStatus([("kms-prod", "any")]);
        status.Returnval.Should().BeNull();
        Expect<HostCommunication>(status.Fault, "lost");
        Expect<HostCommunication>(await site.VCenter.UploadClientCert("kms-prod", site.VCenter.KeyProviders["kms-prod"].ClientCertificate!), "lost");
    }

    [Fact]
    public async Task AuthorizationManager_AnswersItsFaults()
    {
        await using var site = await SiteAsync();
        var auth = site.VCenter.Authorization;
        Expect<AlreadyExists>(auth.AddAuthorizationRole(AuthorizationManager.Administrator, ["Cryptographer.Encrypt"]), "already exists");
        Expect<InvalidName>(auth.AddAuthorizationRole(" ", []), "a role needs a name");
        Expect<InvalidArgument>(auth.AddAuthorizationRole("r", ["Cryptographer.Nothing"]), "Cryptographer.Nothing");
        Expect<NotFound>(auth.SetPermission("ops", "no-such-role"), "no-such-role");
        auth.RoleOf("ops").Should().Be(AuthorizationManager.Administrator, "a refused permission changes nothing");
        Expect<InvalidArgument>(auth.RevokePrivilege("ops", "Cryptographer.Nothing"), "Cryptographer.Nothing");
        auth.PrivilegesOf("no-such-role").Should().BeNull();
    }

    private static string Deny(SimulatedSite site, string privilege)
    {
        site.VCenter.Authorization.RevokePrivilege("ops", privilege).Should().BeNull();
        return "ops";
    }

    [Fact]
    public void MethodFault_Create_KnowsEveryFaultTheModelRaises_AndRefusesOthers()
    {
        foreach (var name in MethodFault.Names) MethodFault.Create(name, "m").FaultName.Should().Be(name);
        var tested = typeof(MethodFaultTests).GetMethods().Where(m => m.GetCustomAttributes(typeof(FactAttribute), false).Length > 0).Select(m => m.Name).ToList();
        foreach (var name in MethodFault.Names)
            tested.Should().Contain(t => t.Contains("_Is" + name, StringComparison.Ordinal) || t.Contains("_Is" + name + "_", StringComparison.Ordinal),
                $"every fault the model raises has its test here ({name})");
        FluentActions.Invoking(() => MethodFault.Create("SomethingElse", "m")).Should().Throw<ArgumentException>().WithMessage("*SomethingElse*");
    }
}
