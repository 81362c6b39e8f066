using System.Security.Cryptography.X509Certificates;

namespace Harness.Simulator;

/// <summary>What a ReconfigVM_Task's crypto spec asks (VirtualMachineConfigSpec.crypto).</summary>
public enum CryptoSpec { Encrypt, Decrypt, ShallowRecrypt, DeepRecrypt }

/// <summary>
/// The vSphere API's methods on vCenter's managed objects, named as the API names them. Long-running ones answer a
/// <see cref="TaskInfo"/> whose error is the <see cref="MethodFault"/>; the others answer the fault (null on success).
/// No vSphere fault leaves these methods as an exception.
/// </summary>
public sealed partial class VCenterServer
{
    /// <summary>vCenter's TaskManager (recentTask).</summary>
    public TaskManager Tasks => _tasks ??= new TaskManager(Clock);
    private TaskManager? _tasks;

    private Task<TaskInfo> Run(string descriptionId, object? entity, string? user, Func<Task<object?>> body) =>
        Tasks.RunAsync(descriptionId, entity?.ToString(), user, async () =>
        {
            try { return await body(); }
            catch (KeyFetchException ex) { throw new VsphereFault("InvalidState", ex.Message); }
        });

    private Task<TaskInfo> Run(string descriptionId, object? entity, string? user, Func<Task> body) =>
        Run(descriptionId, entity, user, async () => { await body(); return null; });

    /// <summary>VirtualMachine.PowerOnVM_Task.</summary>
    public Task<TaskInfo> PowerOnVM_Task(VirtualMachine vm, string? user = null) => Run("VirtualMachine.powerOn", vm, user, () => PowerOnVmAsync(vm));

    /// <summary>VirtualMachine.PowerOffVM_Task.</summary>
    public Task<TaskInfo> PowerOffVM_Task(VirtualMachine vm, string? user = null) => Run("VirtualMachine.powerOff", vm, user, () => PowerOffVmAsync(vm));

    /// <summary>VirtualMachine.CryptoUnlock_Task.</summary>
    public Task<TaskInfo> CryptoUnlock_Task(VirtualMachine vm, string? user = null) => Run("VirtualMachine.cryptoUnlock", vm, user, () => UnlockVmAsync(vm, user));

    /// <summary>Folder.RegisterVM_Task (the VM's files on its datastore; <paramref name="host"/> where it runs).</summary>
    public Task<TaskInfo> RegisterVM_Task(VirtualMachine vm, EsxiHost host, string? user = null) =>
        Run("Folder.registerVm", vm, user, async () => { await RegisterVmAsync(vm, host, user); return MoId(vm); });

    /// <summary>VirtualMachine.UnregisterVM (not a task): the fault, or null.</summary>
    public MethodFault? UnregisterVM(VirtualMachine vm, string? user = null) => MethodFaults.Catch(() => UnregisterVm(vm, user));

    /// <summary>VirtualMachine.Reload (not a task): the fault, or null.</summary>
    public async Task<MethodFault?> Reload(VirtualMachine vm, string? user = null) =>
        (await Run("VirtualMachine.reload", vm, user, () => ReloadVmAsync(vm, user))).Error;

    /// <summary>VirtualMachine.MigrateVM_Task (vMotion to a host).</summary>
    public Task<TaskInfo> MigrateVM_Task(VirtualMachine vm, EsxiHost host, string? user = null) =>
        Run("VirtualMachine.migrate", vm, user, () => MigrateVmAsync(vm, host, user));

    /// <summary>VirtualMachine.CloneVM_Task; the task's result is the clone.</summary>
    public Task<TaskInfo> CloneVM_Task(VirtualMachine vm, string name, string? user = null) =>
        Run("VirtualMachine.clone", vm, user, async () => (object?)await CloneVmAsync(vm, name, user));

    /// <summary>VirtualMachine.ReconfigVM_Task with a crypto spec: encrypt, decrypt, shallow or deep recrypt.</summary>
    public Task<TaskInfo> ReconfigVM_Task(VirtualMachine vm, CryptoSpec crypto, string? user = null) => Run("VirtualMachine.reconfigure", vm, user, () => crypto switch
    {
        CryptoSpec.Encrypt => EncryptVmAsync(vm, user),
        CryptoSpec.Decrypt => DecryptVmAsync(vm, user),
        CryptoSpec.ShallowRecrypt => RekeyVmAsync(vm, deep: false, user),
        _ => RekeyVmAsync(vm, deep: true, user),
    });

    /// <summary>CryptoManagerHost.EnableCrypto as vCenter runs it (PrepareCrypto, then a host key from the KMS).</summary>
    public Task<TaskInfo> EnableCrypto_Task(EsxiHost host, string? user = null) => Run("HostSystem.enableCrypto", host, user, () => EnableCryptoAsync(host, user));

    /// <summary>CryptoManagerKmip.RetrieveKmipServersStatus_Task; the result is the <see cref="KmipClusterStatus"/>.</summary>
    public Task<TaskInfo> RetrieveKmipServersStatus_Task(string providerId, string? user = null) =>
        Run("CryptoManager.retrieveKmipServersStatus", providerId, user, async () => (object?)await CryptoManagerKmip.RetrieveKmipServersStatusAsync(providerId, user));

    /// <summary>CryptoManager.RemoveKeys (one key; <paramref name="force"/> takes it from VMs that use it): the fault, or null.</summary>
    public async Task<MethodFault?> RemoveKeys(string keyId, bool force, string? user = null) =>
        (await Run("CryptoManager.removeKeys", keyId, user, () => RemoveKeyAsync(keyId, force, user))).Error;

    /// <summary>
    /// VirtualMachine.ReconfigVM_Task with a deviceChange that gives one disk a key of its own (a disk's crypto spec):
    /// a new key from the default key provider wraps the disk's data key.
    /// </summary>
    public Task<TaskInfo> ReconfigVM_Task(VirtualMachine vm, string diskWithOwnKey, string? user = null) =>
        Run("VirtualMachine.reconfigure", vm, user, () => EncryptDiskWithOwnKeyAsync(vm, diskWithOwnKey));

    /// <summary>CryptoManagerHost.ChangeKey (as ChangeKey_Task): a new host key from the KMS replaces the host's.</summary>
    public Task<TaskInfo> ChangeKey_Task(EsxiHost host, string? user = null) => Run("HostSystem.changeKey", host, user, () => RenewHostKeyAsync(host, user));

    /// <summary>VsanVcClusterConfigSystem.VsanClusterReconfig with dataEncryptionConfig.encryptionEnabled = true.</summary>
    public Task<TaskInfo> VsanClusterReconfig(Cluster cluster, string? user = null) =>
        Run("VsanVcClusterConfigSystem.reconfigure", cluster, user, () => EnableVsanEncryptionAsync(cluster));

    /// <summary>VsanVcClusterConfigSystem.VsanEncryptedClusterRekey_Task (deepRekey re-encrypts the data too).</summary>
    public Task<TaskInfo> VsanEncryptedClusterRekey_Task(Cluster cluster, bool deepRekey, string? user = null) =>
        Run("VsanVcClusterConfigSystem.rekey", cluster, user, () => RekeyVsanAsync(cluster, deepRekey));

    /// <summary>
    /// CryptoManagerKmip.RegisterKmipServer / UpdateKmipServer for every server of <paramref name="provider"/> (and MarkDefault
    /// when <paramref name="makeDefault"/>): the fault, or null.
    /// </summary>
    public async Task<MethodFault?> RegisterKmipServer(KeyProvider provider, bool makeDefault = true, string? user = null) =>
        (await MethodFaults.CatchAsync(async () => { await SetKeyProviderAsync(provider, makeDefault, user); return true; })).Fault;

    /// <summary>CryptoManagerKmip.UploadClientCert: vCenter presents this client certificate to the provider's KMS from now on.</summary>
    public async Task<MethodFault?> UploadClientCert(string providerId, X509Certificate2 certificate) =>
        (await MethodFaults.CatchAsync(async () => { await ReplaceClientCertificateAsync(providerId, certificate); return true; })).Fault;
}
