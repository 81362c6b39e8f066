using System.Collections.Concurrent;
using System.Threading.Channels;
using Harness.Kmip.Server.Objects;
using Harness.Kmip.Server.Operations;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// Server-to-client operations (KMIP 1.4 §5, 2.1 §6.2): once a change to a client's objects is durable, the server
/// sends that client Put for each new object (Put Function Replace, naming the replaced object, when it replaces one,
/// as Re-key's does) and Notify for each changed one (the attributes that changed, and those deleted), over every
/// channel the client has: a connection on which it asked the server to take the client role (Set Endpoint Role, 2.x),
/// or the endpoint an administrator registered for it, which the server connects to (KMIP 1.x, <see cref="NotificationSender"/>).
/// Each channel holds at most <see cref="MaxQueuedPerChannel"/> messages; a client that does not read loses the oldest.
/// </summary>
public sealed class Notifications(ILogger log)
{
    public const int MaxQueuedPerChannel = 1000;

    /// <summary>One client's open channel: the messages to send it, in the protocol version it asked in.</summary>
    public sealed class ServerToClientChannel(string clientId, ProtocolVersion version)
    {
        public string ClientId { get; } = clientId;
        public ProtocolVersion Version { get; } = version;
        public Channel<TtlvNode> Messages { get; } = Channel.CreateBounded<TtlvNode>(
            new BoundedChannelOptions(MaxQueuedPerChannel) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    }

    private readonly ConcurrentDictionary<ServerToClientChannel, byte> _channels = new();

    public ServerToClientChannel Open(string clientId, ProtocolVersion version)
    {
        var channel = new ServerToClientChannel(clientId, version);
        _channels[channel] = 0;
        return channel;
    }

    private readonly ConcurrentDictionary<string, (ServerToClientChannel Channel, CancellationTokenSource Stop)> _endpoints = new();

    /// <summary>
    /// KMIP 1.x delivery: the administrator registers the client's endpoint, and the server connects to it to send
    /// the client's Put and Notify in <paramref name="version"/> (<see cref="NotificationSender"/>); registering again replaces it.
    /// </summary>
    internal void RegisterEndpoint(KmsState kms, string clientId, System.Net.DnsEndPoint endpoint, ProtocolVersion version)
    {
        UnregisterEndpoint(clientId);
        var channel = Open(clientId, version);
        var stop = new CancellationTokenSource();
        _endpoints[clientId] = (channel, stop);
        _ = Task.Run(() => new NotificationSender(kms, channel, endpoint).RunAsync(stop.Token));
    }

    /// <summary>Stops delivering to the client's registered endpoint; false when it had none.</summary>
    internal bool UnregisterEndpoint(string clientId)
    {
        if (!_endpoints.TryRemove(clientId, out var registered)) return false;
        Close(registered.Channel);
        registered.Stop.Cancel();
        registered.Stop.Dispose();
        return true;
    }

    /// <summary>The server stops: no more deliveries to registered endpoints.</summary>
    internal void UnregisterAllEndpoints()
    {
        foreach (var client in _endpoints.Keys) UnregisterEndpoint(client);
    }

    public void Close(ServerToClientChannel channel)
    {
        _channels.TryRemove(channel, out _);
        channel.Messages.Writer.TryComplete();
    }

    /// <summary>Queues the Put and Notify messages for these committed changes once the commit is durable.</summary>
    public void Committing(IReadOnlyList<(ManagedObject? Before, ManagedObject After)> changes, Task durable)
    {
        if (_channels.IsEmpty) return;
        var owners = changes.Select(c => c.After.Owner).ToHashSet();
        if (!_channels.Keys.Any(c => owners.Contains(c.ClientId))) return;
        durable.ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully) return; // not acknowledged: nothing to tell
            foreach (var channel in _channels.Keys)
                foreach (var (before, after) in changes)
                    if (after.Owner == channel.ClientId && Message(channel.Version, before, after) is { } message)
                        channel.Messages.Writer.TryWrite(message);
        }, TaskScheduler.Default);
    }

    /// <summary>Put for a new object, Notify for a changed one; null when nothing a client sees changed.</summary>
    public static TtlvNode? Message(ProtocolVersion version, ManagedObject? before, ManagedObject after)
    {
        var visible = after.Attributes.Where(Visible).ToList();
        if (before is null)
        {
            if (after.Value is null) return null;
            var replaced = ObjectFactory.LinkedId(after, LinkType.ReplacedObjectLink);
            return Request(version, Operation.Put, [
                TtlvNode.Text(Tag.UniqueIdentifier, after.Id),
                TtlvNode.Enumeration(Tag.PutFunction, replaced is null ? PutFunction.New : PutFunction.Replace),
                replaced is null ? null : TtlvNode.Text(Tag.ReplacedUniqueIdentifier, replaced),
                after.Value,
                .. Attributes(version, visible)]);
        }
        var old = before.Attributes.Where(Visible).ToList();
        var changed = visible.Where(a => !old.Any(o => Same(o, a) && o.Value.ValueEquals(a.Value))).ToList();
        var deleted = old.Where(o => !visible.Any(a => Same(o, a))).ToList();
        if (changed.Count == 0 && deleted.Count == 0) return null;
        // "This includes at least the Last Change Date attribute", changed within the same second or not.
        if (!changed.Any(a => a.FullName == AttributeNames.LastChangeDate) && visible.FirstOrDefault(a => a.FullName == AttributeNames.LastChangeDate) is { } last)
            changed.Add(last);
        return Request(version, Operation.Notify, [
            TtlvNode.Text(Tag.UniqueIdentifier, after.Id),
            .. Attributes(version, changed),
            .. deleted.Select(d => version.IsV2 ? AttributeCodec.ReferenceToWire(d.FullName, version)
                : TtlvNode.Structure(Tag.Attribute, TtlvNode.Text(Tag.AttributeName, d.FullName), TtlvNode.Integer(Tag.AttributeIndex, d.Index)))]);
    }

    private static bool Visible(StoredAttribute a) => !a.FullName.StartsWith("y-", StringComparison.Ordinal);

    private static bool Same(StoredAttribute a, StoredAttribute b) => a.FullName == b.FullName && a.Index == b.Index;

    private static IEnumerable<TtlvNode> Attributes(ProtocolVersion version, IReadOnlyList<StoredAttribute> attributes) => version.IsV2
        ? attributes.Count == 0 ? [] : [TtlvNode.Structure(Tag.Attributes, attributes.Select(AttributeCodec.ToV2))]
        : attributes.Select(a => AttributeCodec.ToWire(a, version));

    private static TtlvNode Request(ProtocolVersion version, Operation operation, TtlvNode?[] payload) => TtlvNode.Structure(Tag.RequestMessage,
        TtlvNode.Structure(Tag.RequestHeader, version.ToNode(), TtlvNode.Integer(Tag.BatchCount, 1)),
        TtlvNode.Structure(Tag.BatchItem, TtlvNode.Enumeration(Tag.Operation, operation), TtlvNode.Structure(Tag.RequestPayload, payload)));

    /// <summary>Logs a client's answer that is not a success (a client SHALL answer with an empty payload).</summary>
    public void Answered(ServerToClientChannel channel, TtlvNode response)
    {
        var item = response.Child(Tag.BatchItem);
        if (item?.Child(Tag.ResultStatus) is { } status && status.AsEnumOf<ResultStatus>() == ResultStatus.Success) return;
        log.LogWarning("client {Client} did not accept a {Operation}: {Reason} {Message}", channel.ClientId,
            item?.Child(Tag.Operation)?.ValueText() ?? "message", item?.Child(Tag.ResultReason)?.ValueText() ?? "(no result)",
            LogText.Of(item?.Child(Tag.ResultMessage)?.AsText ?? ""));
    }
}
