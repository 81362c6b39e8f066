using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace Harness.Simulator.Web;

/// <summary>One server-sent event: its type ("event", "alarm", "vcenter"), an optional id, and the JSON data.</summary>
public sealed record StreamMessage(string Type, string? Id, string Data);

/// <summary>
/// Fans the simulation's live changes out to the /api/stream subscribers: every vCenter's <see cref="EventLog.Logged"/>
/// and <see cref="AlarmManager.Changed"/>. Each vCenter has its own event log and alarms, and a new vCenter can appear at
/// any time (a REST call, a step, code using the site directly), so <see cref="Sync"/> subscribes to vCenters not seen
/// yet: the host calls it after every action and from a watcher timer.
/// </summary>
public sealed class StreamHub : IDisposable
{
    /// <summary>Messages a slow subscriber may fall behind by before the oldest are dropped.</summary>
    public const int SubscriberBuffer = 10_000;

    private Simulation _sim;
    private readonly JsonSerializerOptions _json;
    private readonly Lock _sync = new();
    private readonly List<(VCenterServer Vc, Action<VsphereEvent> OnEvent, Action<Alarm> OnAlarm)> _subscribed = [];
    private readonly ConcurrentDictionary<long, Channel<StreamMessage>> _subscribers = new();
    private long _nextSubscriber;
    private bool _disposed;

    public StreamHub(Simulation sim, JsonSerializerOptions json)
    {
        _sim = sim;
        _json = json;
        Sync();
    }

    /// <summary>vCenters whose events and alarms the hub hears.</summary>
    public IReadOnlyList<string> VCenters { get { lock (_sync) return _subscribed.Select(s => s.Vc.Name).ToList(); } }

    public int SubscriberCount => _subscribers.Count;

    /// <summary>Subscribes to the events and alarms of every vCenter of the simulation not subscribed to yet.</summary>
    public void Sync()
    {
        List<VCenterServer> all;
        Simulation sim;
        lock (_sync) sim = _sim;
        try { all = sim.VCenters.Values.ToList(); }
        catch (InvalidOperationException) { return; } // a vCenter is being added right now: the next Sync sees it
        List<VCenterServer> added = [];
        lock (_sync)
        {
            if (_disposed || !ReferenceEquals(sim, _sim)) return;
            foreach (var vc in all)
            {
                if (_subscribed.Any(s => ReferenceEquals(s.Vc, vc))) continue;
                Action<VsphereEvent> onEvent = e => Publish("event", $"{vc.Name}:{e.Key}", View.Of(e, vc));
                Action<Alarm> onAlarm = a => Publish("alarm", null, View.Of(a, vc));
                vc.Events.Logged += onEvent;
                vc.Alarms.Changed += onAlarm;
                _subscribed.Add((vc, onEvent, onAlarm));
                added.Add(vc);
            }
        }
        foreach (var vc in added) Publish("vcenter", null, new { name = vc.Name, lost = vc.Lost });
    }

    /// <summary>
    /// Hears another simulation from now on (the runbook player shows a scenario's site): unsubscribes from the vCenters
    /// of the old one and subscribes to the new one's.
    /// </summary>
    public void Retarget(Simulation sim)
    {
        ArgumentNullException.ThrowIfNull(sim);
        lock (_sync)
        {
            if (_disposed) return;
            Unhook();
            _sim = sim;
        }
        Sync();
    }

    private void Unhook()
    {
        foreach (var (vc, onEvent, onAlarm) in _subscribed)
        {
            vc.Events.Logged -= onEvent;
            vc.Alarms.Changed -= onAlarm;
        }
        _subscribed.Clear();
    }

    /// <summary>A new subscriber: it hears every message published from now on.</summary>
    public (long Id, ChannelReader<StreamMessage> Reader) Subscribe()
    {
        var channel = Channel.CreateBounded<StreamMessage>(new BoundedChannelOptions(SubscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        var id = Interlocked.Increment(ref _nextSubscriber);
        lock (_sync)
        {
            if (_disposed) channel.Writer.TryComplete();
            else _subscribers[id] = channel;
        }
        return (id, channel.Reader);
    }

    public void Unsubscribe(long id)
    {
        if (_subscribers.TryRemove(id, out var channel)) channel.Writer.TryComplete();
    }

    public void Publish(string type, string? id, object data)
    {
        if (_subscribers.IsEmpty) return;
        var message = new StreamMessage(type, id, JsonSerializer.Serialize(data, data.GetType(), _json));
        foreach (var channel in _subscribers.Values) channel.Writer.TryWrite(message);
    }

    /// <summary>Unsubscribes from every vCenter and ends every stream.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            Unhook();
        }
        foreach (var id in _subscribers.Keys) Unsubscribe(id);
    }
}
