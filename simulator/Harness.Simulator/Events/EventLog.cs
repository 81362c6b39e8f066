namespace Harness.Simulator;

/// <summary>vSphere event type IDs and their messages (VSPHERE-MODEL.md).</summary>
public static class EventTypes
{
    public const string VmLockedKmsClusterError = "com.vmware.vc.vm.Crypto.VMLocked.KMSClusterError";
    public const string VmLockedKeyMissingOnKms = "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS";
    public const string VmLockedKeyMissingOnHost = "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnHost";
    public const string VmUnlocked = "com.vmware.vc.vm.Crypto.VMUnlocked";
    public const string HostCryptoEnabled = "com.vmware.vc.host.Crypto.Enabled";
    public const string KmsUnreachable = "com.vmware.vc.kms.crypto.Unreachable";
    public const string KeyGenerateFail = "com.vmware.vc.kms.crypto.KeyGenerateFail";
    public const string VmRegistered = "VmRegisteredEvent";
    public const string VmPoweredOn = "VmPoweredOnEvent";
    public const string VmPoweredOff = "VmPoweredOffEvent";
    public const string HostConnected = "HostConnectedEvent";
    public const string VmReconfigured = "VmReconfiguredEvent";
    public const string VmRemoved = "VmRemovedEvent";
    public const string VmMigrated = "VmMigratedEvent";
    public const string VmCloned = "VmClonedEvent";
    public const string VmReloaded = "VmReloadFromPathEvent";
    public const string HostShutdown = "HostShutdownEvent";
    public const string HostNotResponding = "HostNotRespondingEvent";
    public const string HostDisconnected = "HostDisconnectedEvent";
    public const string VmRestartedByHa = "com.vmware.vc.ha.VmRestartedByHAEvent";
    public const string HaVmRestartFailed = "com.vmware.vc.ha.VmRestartFailedEvent";
    public const string HostKeyChanged = "harness.host.Crypto.HostKeyChanged";
    public const string KeyRemoved = "harness.vc.crypto.KeyRemoved";
    public const string VCenterStarted = "harness.vc.Started";
    public const string VCenterStopped = "harness.vc.Stopped";
    public const string HostKeyNewKeyKmsClusterError = "com.vmware.vc.host.Crypto.HostKey.NewKey.KMSClusterError";
    public const string HostKeyNewKeyKeyMissingOnKms = "com.vmware.vc.host.Crypto.HostKey.NewKey.KeyMissingOnKMS";
    public const string SendKeyErrorKmsClusterError = "com.vmware.vc.kms.crypto.SendKeyError.KMSClusterError";
    public const string SendKeyErrorKeyMissingOnKms = "com.vmware.vc.kms.crypto.SendKeyError.KeyMissingOnKMS";
    public const string KmsServerCertExpiration = "com.vmware.vc.vecs.KMSServerCertExpirationEvent";
    public const string KmsClientCertExpiration = "com.vmware.vc.vecs.KMSClientCertExpirationEvent";
    public const string VsanKmsConnection = "vsan.health.test.encryption.kmsconnection.event";
    public const string VsanEncryptionEnabled = "harness.vsan.EncryptionEnabled";
    public const string VsanDiskGroupsMounted = "harness.vsan.DiskGroupsMounted";
    public const string VsanDiskGroupsNotMounted = "harness.vsan.DiskGroupsNotMounted";

    /// <summary>
    /// Not a vSphere event: the Harness's warning that encrypting a VM the keys depend on (vCenter, the DNS that resolves
    /// the KMS, the KMS itself, NSX) creates a circular dependency (seed 002, "Important caveats").
    /// </summary>
    public const string CircularDependency = "harness.crypto.CircularDependencyWarning";

    public static readonly IReadOnlyDictionary<string, string> Messages = new Dictionary<string, string>
    {
        [VmLockedKmsClusterError] = "Virtual machine is locked because of a KMS cluster error.",
        [VmLockedKeyMissingOnKms] = "Virtual machine is locked because keys are missing on KMS cluster.",
        [VmLockedKeyMissingOnHost] = "Virtual machine is locked because keys are missing on host.",
        [VmUnlocked] = "Virtual machine is unlocked.",
        [HostCryptoEnabled] = "Host is enabled for encryption.",
        [KmsUnreachable] = "KMS cluster is unreachable.",
        [KeyGenerateFail] = "Failed to generate a key on the KMS cluster.",
        [VmRegistered] = "Virtual machine is registered.",
        [VmPoweredOn] = "Virtual machine is powered on.",
        [VmPoweredOff] = "Virtual machine is powered off.",
        [HostConnected] = "Host is connected.",
        [VmReconfigured] = "Virtual machine is reconfigured.",
        [VmRemoved] = "Virtual machine is removed from the inventory.",
        [VmMigrated] = "Virtual machine is migrated.",
        [VmCloned] = "Virtual machine is cloned.",
        [VmReloaded] = "Virtual machine is reloaded from its files.",
        [HostShutdown] = "Host is shut down for a reboot.",
        [HostNotResponding] = "Host is not responding.",
        [HostDisconnected] = "Host is disconnected.",
        [VmRestartedByHa] = "vSphere HA restarted the virtual machine.",
        [HaVmRestartFailed] = "vSphere HA could not restart the virtual machine.",
        [HostKeyChanged] = "The host key is changed.",
        [KeyRemoved] = "A key is removed from vCenter and the hosts.",
        [VCenterStarted] = "vCenter Server is running.",
        [VCenterStopped] = "vCenter Server stopped.",
        [HostKeyNewKeyKmsClusterError] = "Cannot give the host a new host key because of a KMS cluster error.",
        [HostKeyNewKeyKeyMissingOnKms] = "Cannot give the host its host key because the key is missing on the KMS cluster.",
        [SendKeyErrorKmsClusterError] = "Cannot send keys to the host because of a KMS cluster error.",
        [SendKeyErrorKeyMissingOnKms] = "Cannot send keys to the host because keys are missing on the KMS cluster.",
        [KmsServerCertExpiration] = "The KMS server certificate expires soon or has expired.",
        [KmsClientCertExpiration] = "The KMS client certificate expires soon or has expired.",
        [VsanKmsConnection] = "vSAN health: the host cannot connect to the KMS cluster.",
        [VsanEncryptionEnabled] = "vSAN encryption is enabled.",
        [VsanDiskGroupsMounted] = "The host's vSAN disk groups are mounted.",
        [VsanDiskGroupsNotMounted] = "The host's vSAN disk groups are not mounted: the host cannot get the vSAN key from the KMS cluster.",
        [CircularDependency] = "Encrypting this VM creates a circular dependency: the keys it needs depend on it.",
    };
}

/// <summary>
/// One event: its key, type ID, message, time (the simulator's clock), the object it is about, and the user who did
/// what it records (Event.userName; null for what vCenter or a host did by itself).
/// </summary>
public sealed record VsphereEvent(long Key, string TypeId, string Message, DateTimeOffset Time, string ObjectName, string ObjectType, string? UserName = null);

/// <summary>vCenter's event log; listeners (the dashboard) hear each event as it is logged.</summary>
public sealed class EventLog(TimeProvider clock)
{
    private readonly List<VsphereEvent> _events = [];
    private long _next;

    public event Action<VsphereEvent>? Logged;

    public IReadOnlyList<VsphereEvent> All { get { lock (_events) return _events.ToList(); } }

    public VsphereEvent Log(string typeId, string objectName, string objectType, string? message = null, string? userName = null)
    {
        VsphereEvent e;
        lock (_events) // keys in the order of the log: After() relies on it
        {
            e = new VsphereEvent(++_next, typeId, message ?? EventTypes.Messages.GetValueOrDefault(typeId, typeId), clock.GetUtcNow(), objectName, objectType, userName);
            _events.Add(e);
        }
        Logged?.Invoke(e);
        return e;
    }

    public IEnumerable<VsphereEvent> For(string objectName) => All.Where(e => e.ObjectName == objectName);

    public int Count { get { lock (_events) return _events.Count; } }

    /// <summary>The key of the newest event (0 when there is none).</summary>
    public long LastKey { get { lock (_events) return _events.Count == 0 ? 0 : _events[^1].Key; } }

    /// <summary>The events logged after the one with <paramref name="key"/>, oldest first (a copy of those only).</summary>
    public IReadOnlyList<VsphereEvent> After(long key)
    {
        lock (_events)
        {
            int i = _events.Count;
            while (i > 0 && _events[i - 1].Key > key) i--;
            return _events.GetRange(i, _events.Count - i);
        }
    }

    /// <summary>The newest event about <paramref name="objectName"/> that <paramref name="match"/> accepts, without copying the log.</summary>
    public VsphereEvent? Last(string objectName, Func<VsphereEvent, bool> match)
    {
        lock (_events)
            for (int i = _events.Count - 1; i >= 0; i--)
                if (_events[i].ObjectName == objectName && match(_events[i])) return _events[i];
        return null;
    }
}

/// <summary>An alarm on an object: triggered (red) or cleared (green), with the object it was raised on.</summary>
public sealed record Alarm(string Name, string ObjectName, string ObjectType, string Reason, DateTimeOffset TriggeredAt, string RaisedOn)
{
    public DateTimeOffset? ClearedAt { get; init; }
    public bool IsActive => ClearedAt is null;
}

/// <summary>
/// vCenter's alarms: one row per alarm and object it is triggered on (the VM-locked alarm on the VM only; its host and
/// cluster show it in their overall status, <see cref="VCenterServer.OverallStatus"/>).
/// </summary>
public sealed class AlarmManager(TimeProvider clock)
{
    public const string VmLockedAlarm = "VM locked";
    private readonly List<Alarm> _alarms = [];

    public event Action<Alarm>? Changed;

    public IReadOnlyList<Alarm> All { get { lock (_alarms) return _alarms.ToList(); } }
    public IEnumerable<Alarm> ActiveOn(string objectName) => All.Where(a => a.IsActive && a.ObjectName == objectName);

    /// <summary>Triggers the alarm on one object (once: an active alarm is not raised again).</summary>
    public void Trigger(string alarm, string reason, string objectName, string objectType)
    {
        lock (_alarms)
        {
            if (_alarms.Any(a => a.IsActive && a.Name == alarm && a.ObjectName == objectName)) return;
            var a = new Alarm(alarm, objectName, objectType, reason, clock.GetUtcNow(), objectName);
            _alarms.Add(a);
            Changed?.Invoke(a);
        }
    }

    public void Clear(string alarm, string raisedOn)
    {
        lock (_alarms)
            for (int i = 0; i < _alarms.Count; i++)
                if (_alarms[i].IsActive && _alarms[i].Name == alarm && _alarms[i].RaisedOn == raisedOn)
                {
                    _alarms[i] = _alarms[i] with { ClearedAt = clock.GetUtcNow() };
                    Changed?.Invoke(_alarms[i]);
                }
    }
}
