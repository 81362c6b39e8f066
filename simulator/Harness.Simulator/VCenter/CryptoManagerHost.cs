using System.Security.Cryptography;

namespace Harness.Simulator;

/// <summary>vCenter's CryptoManagerHost side: a host's host key, made on the KMS and changed (ChangeKey).</summary>
public sealed partial class VCenterServer
{
    /// <summary>
    /// ChangeKey_Task (privilege Cryptographer.RegisterHost): a new host key from the KMS replaces the old one; core dumps
    /// are shallow-recrypted "best effort" (those whose key the host holds). The old host key stays on the KMS. When the
    /// KMS cannot make the key, the host keeps its key and the HostKey.NewKey event says why.
    /// </summary>
    internal async Task RenewHostKeyAsync(EsxiHost host, string? user = null)
    {
        RequireAlive();
        RequirePrivilege(user, "Cryptographer.RegisterHost");
        if (host.CryptoState != HostCryptoState.Safe)
            throw new VsphereFault("InvalidState", $"host \"{host.Name}\" is not in crypto-safe mode ({host.CryptoState})");
        var (_, id, key) = await NewHostKeyAsync(host);
        host.AddKey(id, key);
        var old = host.HostKeyId;
        foreach (var dump in host.CoreDumps)
        {
            var oldKey = host.Key(dump.HostKeyId);
            var dek = oldKey is null ? null : DiskCrypto.TryUnwrapDek(oldKey, dump.WrappedDek);
            if (dek is null) continue;
            dump.WrappedDek = DiskCrypto.WrapDek(key, dek);
            dump.HostKeyId = id;
            CryptographicOperations.ZeroMemory(dek);
        }
        if (old is not null) host.PreviousHostKeyIds.Add(old);
        host.HostKeyId = id;
        Events.Log(EventTypes.HostKeyChanged, host.Name, "HostSystem",
            $"The host key of host {host.Name} is changed to key {id}{(old is null ? "" : $"; the previous key {old} stays on the KMS")}.");
    }

    private async Task<(string Provider, string KeyId, byte[] Key)> NewHostKeyAsync(EsxiHost host)
    {
        var provider = DefaultProviderOrFault();
        try
        {
            var (id, key) = await Crypto.GenerateKeyAsync(provider);
            await Crypto.ActivateForUseAsync(provider, id);
            host.HostKeyProviderId = provider.Name;
            return (provider.Name, id, key);
        }
        catch (KeyFetchException ex)
        {
            var type = ex.Failure == KeyFailure.KmsClusterError ? EventTypes.HostKeyNewKeyKmsClusterError : EventTypes.HostKeyNewKeyKeyMissingOnKms;
            Events.Log(type, host.Name, "HostSystem", $"{EventTypes.Messages[type]} {ex.Message}");
            throw new VsphereFault("InvalidState", $"{(ex.Failure == KeyFailure.KmsClusterError ? "KMS cluster error" : "key missing on the KMS cluster")}: {ex.Message}");
        }
    }
}
