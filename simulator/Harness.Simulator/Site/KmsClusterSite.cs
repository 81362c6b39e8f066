using Harness.Simulator.Faults;

namespace Harness.Simulator;

/// <summary>
/// A KMS cluster as the site sees it: the relays in front of its servers, and everything that decides whether vCenter
/// and the hosts can reach it: a network cut, single servers down, the VM the KMS runs on (when it runs inside the
/// site) and the VM of the DNS server that resolves its hostname. Every change applies at once to the relays: an
/// unreachable server refuses connections (immediate failures, no timeouts).
/// </summary>
public sealed class KmsClusterSite(string name, Func<IReadOnlyList<KmsRelay>> relays)
{
    private readonly HashSet<int> _serversDown = [];
    private bool _networkCut;
    private VirtualMachine? _runsOn;
    private VirtualMachine? _resolvedBy;

    public string Name { get; } = name;

    /// <summary>The relays of the cluster's servers, in server order (server 1 first).</summary>
    public IReadOnlyList<KmsRelay> Relays => relays();

    /// <summary>
    /// The network between the site and the KMS is cut ("the KMS cluster becomes unreachable"). Restoring it also ends
    /// a KMS that stopped answering ("is reachable again").
    /// </summary>
    public bool NetworkCut
    {
        get => _networkCut;
        set
        {
            _networkCut = value;
            if (!value) _stalled = false;
            Apply();
        }
    }

    private bool _stalled;

    /// <summary>
    /// The KMS accepts connections and never answers ("the KMS cluster stops answering"): TCP handshakes complete, no
    /// byte comes back, so vCenter's per-server KMIP timeouts apply.
    /// </summary>
    public bool Stalled { get => _stalled; set { _stalled = value; Apply(); } }

    /// <summary>The VM the KMS runs on; null for a KMS outside the site (a cloud service, another site).</summary>
    public VirtualMachine? RunsOn { get => _runsOn; set { _runsOn = value; Apply(); } }

    /// <summary>The DNS server VM that resolves the KMS hostname; null when the name resolves without a VM of the site.</summary>
    public VirtualMachine? ResolvedBy { get => _resolvedBy; set { _resolvedBy = value; Apply(); } }

    public IReadOnlyCollection<int> ServersDown => _serversDown;

    public void SetServerDown(int number, bool down)
    {
        if (number < 1 || number > Relays.Count)
            throw new ArgumentOutOfRangeException(nameof(number), $"KMS cluster \"{Name}\" has servers 1 to {Relays.Count}, not {number}");
        if (down) _serversDown.Add(number); else _serversDown.Remove(number);
        Apply();
    }

    /// <summary>Why the cluster cannot be reached, or null when it can.</summary>
    public string? Unreachable =>
        _networkCut ? "the network to the KMS is cut"
        : _runsOn is { PowerState: PowerState.PoweredOff } vm ? $"the KMS runs on VM \"{vm.Name}\", which is powered off"
        : _resolvedBy is { PowerState: PowerState.PoweredOff } dns ? $"the KMS hostname is resolved by DNS server VM \"{dns.Name}\", which is powered off"
        : null;

    public bool Reachable => Unreachable is null;

    /// <summary>Sets every relay to what the cluster's state says: refusing when unreachable or down, passing otherwise.</summary>
    public void Apply()
    {
        var list = Relays;
        for (int i = 0; i < list.Count; i++)
        {
            try
            {
                if (!Reachable || _serversDown.Contains(i + 1)) list[i].Refuse();
                else if (_stalled) list[i].Stall();
                else list[i].Restore();
            }
            catch (ObjectDisposedException) { /* the scenario is ending */ }
        }
    }

    public override string ToString() => Name;
}
