using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>Core dumps of a host in crypto-safe mode: encrypted with a DEK wrapped by the host key (VSPHERE-MODEL.md "Host key").</summary>
public static class CoreDumps
{
    /// <summary>The host writes a core dump (known data) to /var/core, encrypted under its current host key.</summary>
    public static CoreDump Write(EsxiHost host)
    {
        if (host.HostKeyId is not { } id || host.Key(id) is not { } hostKey)
            throw new VsphereFault("InvalidState", $"host \"{host.Name}\" holds no host key: it cannot encrypt a core dump");
        var name = $"vmkernel-zdump.{host.CoreDumps.Count + 1}";
        var data = Simulation.KnownData(host.Name, name);
        var dek = DiskCrypto.NewDek();
        var dump = new CoreDump(name, id, DiskCrypto.WrapDek(hostKey, dek), DiskCrypto.Encrypt(dek, data), SHA256.HashData(data));
        CryptographicOperations.ZeroMemory(dek);
        host.CoreDumps.Add(dump);
        return dump;
    }

    /// <summary>Whether the host can decrypt the core dump with the host key it holds now.</summary>
    public static bool CanDecrypt(EsxiHost host, CoreDump dump, out string reason)
    {
        var key = host.Key(dump.HostKeyId);
        if (key is null)
        {
            reason = $"host \"{host.Name}\" does not hold host key {dump.HostKeyId} of core dump {dump.Name}";
            return false;
        }
        var dek = DiskCrypto.TryUnwrapDek(key, dump.WrappedDek);
        var plain = dek is null ? null : DiskCrypto.TryDecrypt(dek, dump.Data);
        bool ok = plain is not null && SHA256.HashData(plain).AsSpan().SequenceEqual(dump.Digest);
        reason = ok ? "" : $"core dump {dump.Name} does not decrypt with host key {dump.HostKeyId}";
        return ok;
    }
}

/// <summary>A core dump of a host, encrypted (AES-256-GCM) under a DEK wrapped with the host key.</summary>
public sealed class CoreDump(string name, string hostKeyId, byte[] wrappedDek, EncryptedData data, byte[] digest)
{
    public string Name { get; } = name;
    public string HostKeyId { get; set; } = hostKeyId;
    public byte[] WrappedDek { get; set; } = wrappedDek;
    public EncryptedData Data { get; } = data;
    public byte[] Digest { get; } = digest;
}
