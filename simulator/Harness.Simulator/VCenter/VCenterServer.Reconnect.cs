namespace Harness.Simulator;

/// <summary>Many hosts reconnecting at once.</summary>
public sealed partial class VCenterServer
{
    /// <summary>
    /// Hosts came back from a reboot together: as <see cref="HostReconnectedAsync"/> for each, but the keys of all their
    /// VMs are fetched at once (each key once, many per KMIP message) and pushed to the hosts of each VM's cluster, and
    /// the host keys they lack are fetched together too. Events per host as for one host: connected, the VMs' unlock or
    /// lock, the send-key errors, the host key's failure.
    /// </summary>
    public async Task HostsReconnectedAsync(IReadOnlyCollection<EsxiHost> hosts)
    {
        RequireAlive();
        foreach (var host in hosts) Events.Log(EventTypes.HostConnected, host.Name, "HostSystem");
        var vms = hosts.SelectMany(h => h.Vms).Where(v => v.Registered).ToList();
        var failures = await EnsureKeysAsync(vms);
        foreach (var host in hosts)
        {
            var hostFailures = new HashSet<KeyFailure>();
            foreach (var vm in host.Vms.Where(v => v.Registered && v.Encrypted))
            {
                if (failures.TryGetValue(vm, out var why))
                {
                    Lock(vm, why.LockEvent);
                    hostFailures.Add(why.Failure);
                }
                else Unlock(vm);
            }
            foreach (var kind in failures.Values.Select(f => f.Failure).Distinct().Where(hostFailures.Contains))
            {
                var type = kind == KeyFailure.KmsClusterError ? EventTypes.SendKeyErrorKmsClusterError : EventTypes.SendKeyErrorKeyMissingOnKms;
                Events.Log(type, host.Name, "HostSystem");
            }
        }
        await EnsureHostKeysAsync(hosts);
    }

    /// <summary>
    /// Hosts that lost their host key (reboot) get it back from the KMS, each host key fetched once for all the hosts
    /// that share it; a host whose key cannot be had gets its HostKey event, as in <see cref="EnsureHostKeyAsync"/>.
    /// </summary>
    private async Task EnsureHostKeysAsync(IReadOnlyCollection<EsxiHost> hosts)
    {
        var lacking = hosts.Where(h => h.HostKeyId is { } id && !h.HasKey(id)).ToList();
        foreach (var group in lacking.GroupBy(h => h.HostKeyProviderId ?? DefaultProvider ?? ""))
        {
            var provider = KeyProviders.GetValueOrDefault(group.Key);
            Dictionary<string, byte[]>? keys = null;
            KeyFetchException? unreachable = null;
            if (provider is not null)
                try { keys = await Crypto.GetKeysAsync(provider, group.Select(h => h.HostKeyId!).Distinct().ToList()); }
                catch (KeyFetchException ex) { unreachable = ex; }
            foreach (var host in group)
            {
                var id = host.HostKeyId!;
                if (keys is not null && keys.TryGetValue(id, out var key)) { host.AddKey(id, key); continue; }
                var failure = provider is null
                    ? new KeyFetchException(KeyFailure.KeyMissingOnKms, host.HostKeyProviderId ?? "?", $"vCenter \"{Name}\" does not know the key provider of the host key of \"{host.Name}\"")
                    : unreachable ?? new KeyFetchException(KeyFailure.KeyMissingOnKms, provider.Name, $"the host key {id} of host \"{host.Name}\" is missing on KMS cluster \"{provider.Name}\" (not found, or not active)");
                var type = failure.Failure == KeyFailure.KmsClusterError ? EventTypes.HostKeyNewKeyKmsClusterError : EventTypes.HostKeyNewKeyKeyMissingOnKms;
                Events.Log(type, host.Name, "HostSystem", $"{EventTypes.Messages[type]} {failure.Message}");
            }
        }
    }
}
