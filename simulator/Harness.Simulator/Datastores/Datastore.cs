namespace Harness.Simulator;

/// <summary>
/// A datastore: the durable truth. It keeps each VM's files (VMX with the encryption bundle, disks) across host reboots
/// and the loss of vCenter.
/// </summary>
public sealed class Datastore(string name)
{
    public string Name { get; } = name;
    private readonly Dictionary<string, VmFiles> _files = new(StringComparer.Ordinal);

    public IReadOnlyCollection<VmFiles> Files => _files.Values;
    public VmFiles? Find(string vmName) => _files.GetValueOrDefault(vmName);
    public void Write(VmFiles files) => _files[files.VmName] = files;
}

/// <summary>A VM's files: the VMX (with the encryption bundle when encrypted) and the disks.</summary>
public sealed class VmFiles(string vmName)
{
    public string VmName { get; } = vmName;
    /// <summary>"[datastore] vm/vm.vmx": the path of the home file (the datastore's name, not the VM's, in brackets).</summary>
    public string VmxPath => Disks.FirstOrDefault(d => d.Path.EndsWith(".vmx", StringComparison.Ordinal))?.Path ?? $"{VmName}/{VmName}.vmx";

    /// <summary>Set when the VM is encrypted: which key provider and key protect the DEKs, and the wrapped DEKs.</summary>
    public EncryptionBundle? Bundle { get; set; }

    public List<VirtualDisk> Disks { get; } = [];
}

/// <summary>
/// The encryption bundle in the VMX (VSPHERE-MODEL.md "Keys"): the key provider (KMS cluster name) and key ID of the KEK,
/// and each disk's DEK wrapped with the KEK.
/// </summary>
public sealed record EncryptionBundle(string ProviderId, string KeyId, IReadOnlyDictionary<string, byte[]> WrappedDeks);

/// <summary>A virtual disk: its data, in clear (unencrypted VM) or encrypted under its DEK, and a digest of the clear data.</summary>
public sealed class VirtualDisk(string name, string path)
{
    public string Name { get; } = name;
    public string Path { get; } = path;
    public byte[]? ClearData { get; set; }

    /// <summary>
    /// The ID of the disk's own KEK, when the disk is encrypted with another key than its VM (possible through the API;
    /// the disk's descriptor names it); null when the VM's key wraps the disk's DEK.
    /// </summary>
    public string? KeyId { get; set; }
    public EncryptedData? Encrypted { get; set; }

    /// <summary>SHA-256 of the data as written, to tell "reads back intact" from garbage.</summary>
    public byte[] Digest { get; set; } = [];
}
