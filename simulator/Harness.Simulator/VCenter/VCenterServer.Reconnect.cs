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
        foreach (var host in hosts)
        {
            host.ConnectionState = HostConnectionState.Connected;
            Events.Log(EventTypes.HostConnected, host.Name, "HostSystem");
        }
        var vms = hosts.SelectMany(h => h.Vms).Where(v => v.Registered).ToList();
        var failures = await EnsureKeysAsync(vms, hosts);
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
            foreach (var kind in hostFailures.OrderBy(k => k))
            {
                var type = kind == KeyFailure.KmsClusterError ? EventTypes.SendKeyErrorKmsClusterError : EventTypes.SendKeyErrorKeyMissingOnKms;
                Events.Log(type, host.Name, "HostSystem");
            }
        }
    }
}
