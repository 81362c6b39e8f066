using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>
/// vSAN encryption of a cluster (VSPHERE-MODEL.md): one KEK per cluster from the KMS and a host key shared in the
/// cluster (the "two standard keys per vSAN cluster" of seed 002), both named by their IDs on the key provider.
/// </summary>
public sealed record VsanEncryptionConfig(string ProviderId, string KekId, string HostKeyId)
{
    /// <summary>KEKs the cluster had before each rekey (they stay on the KMS).</summary>
    public IReadOnlyList<string> PreviousKekIds { get; init; } = [];
}

/// <summary>
/// A vSAN disk group of a host: its data encrypted under a DEK of its own, the DEK wrapped with the cluster's KEK and
/// kept on the disks. It mounts only when the host holds the KEK (which the host fetches from the KMS itself).
/// </summary>
public sealed class DiskGroup(string name, string kekId, byte[] wrappedDek, EncryptedData data, byte[] digest)
{
    public string Name { get; } = name;
    public string KekId { get; set; } = kekId;
    public byte[] WrappedDek { get; set; } = wrappedDek;
    public EncryptedData Data { get; set; } = data;
    public byte[] Digest { get; } = digest;
    public bool Mounted { get; set; }

    /// <summary>A new disk group holding <paramref name="clear"/>, encrypted under a fresh DEK wrapped with the KEK.</summary>
    public static DiskGroup Create(string name, string kekId, byte[] kek, byte[] clear)
    {
        var dek = DiskCrypto.NewDek();
        try { return new DiskGroup(name, kekId, DiskCrypto.WrapDek(kek, dek), DiskCrypto.Encrypt(dek, clear), SHA256.HashData(clear)) { Mounted = true }; }
        finally { CryptographicOperations.ZeroMemory(dek); }
    }

    /// <summary>The disk group's DEK, or null when this KEK does not unwrap it.</summary>
    public byte[]? UnwrapDek(byte[] kek) => DiskCrypto.TryUnwrapDek(kek, WrappedDek);

    /// <summary>Unwraps the DEK with the KEK and reads the data back: mounted only when it decrypts to what was written.</summary>
    public bool TryMount(byte[] kek)
    {
        var dek = UnwrapDek(kek);
        var plain = dek is null ? null : DiskCrypto.TryDecrypt(dek, Data);
        Mounted = plain is not null && SHA256.HashData(plain).AsSpan().SequenceEqual(Digest);
        return Mounted;
    }
}

/// <summary>
/// A host's own KMIP client: the key provider configuration vCenter pushed to it (servers, trusted server certificates,
/// the client certificate) and a crypto manager of its own, so that the host's connections are its own and meet the
/// same refused connections and expired certificates as vCenter's.
/// </summary>
public sealed class HostKmsClient(KeyProvider provider, CryptoManager crypto) : IAsyncDisposable
{
    public KeyProvider Provider { get; set; } = provider;
    public CryptoManager Crypto { get; } = crypto;

    public Task<Dictionary<string, byte[]>> GetKeysAsync(IReadOnlyCollection<string> keyIds) => Crypto.GetKeysAsync(Provider, keyIds);

    public ValueTask DisposeAsync() => Crypto.DisposeAsync();
}

/// <summary>What a host did when it tried to mount its disk groups.</summary>
public sealed record MountResult(bool Mounted, KeyFetchException? Failure)
{
    public static readonly MountResult Ok = new(true, null);
}

/// <summary>The host side of vSAN encryption.</summary>
public static class VsanHost
{
    /// <summary>
    /// After a reboot the host itself fetches the cluster's KEK and host key from the KMS (not through vCenter) and
    /// mounts its disk groups only then. With key persistence the keys survived the reboot and no fetch is needed.
    /// </summary>
    public static async Task<MountResult> MountDiskGroupsAsync(EsxiHost host)
    {
        var config = host.Cluster.VsanEncryption;
        if (config is null || host.DiskGroups.Count == 0) return new MountResult(false, null);
        if (host.DiskGroupsMounted) return MountResult.Ok;
        var needed = new[] { config.KekId, config.HostKeyId }.Concat(host.DiskGroups.Select(d => d.KekId)).Distinct().Where(id => !host.HasKey(id)).ToList();
        if (needed.Count > 0)
        {
            if (host.KmsClient is null)
                return new MountResult(false, new KeyFetchException(KeyFailure.KmsClusterError, config.ProviderId, $"host \"{host.Name}\" has no KMS configuration"));
            Dictionary<string, byte[]> keys;
            try { keys = await host.KmsClient.GetKeysAsync(needed); }
            catch (KeyFetchException ex) { return new MountResult(false, ex); }
            foreach (var (id, key) in keys) host.AddKey(id, key);
            if (!keys.ContainsKey(config.KekId) && !host.HasKey(config.KekId))
                return new MountResult(false, new KeyFetchException(KeyFailure.KeyMissingOnKms, config.ProviderId,
                    $"the vSAN KEK {config.KekId} of cluster \"{host.Cluster.Name}\" is missing on KMS cluster \"{config.ProviderId}\" (not found, or not active)"));
        }
        foreach (var dg in host.DiskGroups.Where(d => !d.Mounted))
        {
            var kek = host.Key(dg.KekId);
            if (kek is null || !dg.TryMount(kek))
                return new MountResult(false, new KeyFetchException(KeyFailure.KeyMissingOnKms, config.ProviderId,
                    $"disk group {dg.Name} of host \"{host.Name}\" does not open with key {dg.KekId}"));
        }
        return MountResult.Ok;
    }
}
