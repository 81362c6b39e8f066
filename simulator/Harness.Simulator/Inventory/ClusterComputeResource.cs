namespace Harness.Simulator;

/// <summary>A cluster of hosts; vCenter pushes a VM's key to every host of the VM's cluster.</summary>
public sealed class Cluster(string name, Datacenter datacenter)
{
    public string Name { get; } = name;
    public Datacenter Datacenter { get; } = datacenter;
    public List<EsxiHost> Hosts { get; } = [];
    public Datastore Datastore { get; } = new($"{name}-ds");

    /// <summary>vSphere HA (ClusterDasConfigInfo.enabled): a failed host's VMs restart on the other hosts of the cluster.</summary>
    public bool HaEnabled { get; set; }

    /// <summary>Set when vSAN encryption is enabled: the cluster's KEK and host key on the KMS (the datastore is then the encrypted vSAN datastore).</summary>
    public VsanEncryptionConfig? VsanEncryption { get; set; }

    public bool VsanEncrypted => VsanEncryption is not null;

    /// <summary>
    /// Whether the cluster's datastore can be read: always, unless it is an encrypted vSAN datastore, which needs the
    /// disk groups of at least half of the hosts mounted (vSAN objects keep a replica on another host; a two-host
    /// cluster has its witness).
    /// </summary>
    public bool DatastoreAccessible => !VsanEncrypted || Hosts.Count(h => h.DiskGroupsMounted) * 2 >= Math.Max(1, Hosts.Count);

    public override string ToString() => Name;
}
