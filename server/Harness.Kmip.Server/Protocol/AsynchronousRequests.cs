using System.Collections.Concurrent;
using System.Security.Cryptography;
using Harness.Kmip.Server.Operations;

namespace Harness.Kmip.Server;

/// <summary>
/// Batch items the server answered Operation Pending (KMIP 1.4 §6.7, 2.1 §9.1–9.2): each kept with a random
/// Asynchronous Correlation Value, bound to the client that sent it. The server runs one when its client polls for it
/// once <see cref="KmipServerOptions.AsynchronousDelay"/> has passed on the server's clock since it was submitted (or
/// at once after Process), so a client sees Operation Pending, then the operation's own answer; a test advances the
/// clock instead of waiting. Until then Cancel withdraws it and nothing was done. Answered requests are remembered a
/// while (the last <see cref="RememberedPerClient"/> of each client) so that a late Cancel says Completed or Failed.
/// Kept in memory: after a restart the server knows none of them (Invalid Asynchronous Correlation Value).
/// </summary>
public sealed class AsynchronousRequests
{
    /// <summary>The most outstanding asynchronous requests one client may have; beyond it items run synchronously.</summary>
    public const int MaxOutstandingPerClient = 1000;

    /// <summary>How many answered requests per client a Cancel can still recognise.</summary>
    public const int RememberedPerClient = 100;

    /// <summary>One pending batch item.</summary>
    public sealed class Request(byte[] correlation, string clientId, KmipOperation operation, TtlvNode payload, DateTimeOffset submitted, DateTimeOffset due)
    {
        public byte[] CorrelationValue { get; } = correlation;
        public string ClientId { get; } = clientId;
        public KmipOperation Operation { get; } = operation;
        public TtlvNode Payload { get; } = payload;
        public DateTimeOffset Submitted { get; } = submitted;
        public DateTimeOffset Due { get; internal set; } = due;
    }

    private readonly ConcurrentDictionary<string, Request> _pending = new();
    private readonly ConcurrentDictionary<string, (string ClientId, bool Succeeded, long Order)> _answered = new();
    private long _answeredOrder;

    /// <summary>Registers a batch item to run later; null when the client has too many outstanding already.</summary>
    public Request? Submit(string clientId, KmipOperation operation, TtlvNode payload, DateTimeOffset now, TimeSpan delay)
    {
        if (_pending.Values.Count(r => r.ClientId == clientId) >= MaxOutstandingPerClient) return null;
        var request = new Request(RandomNumberGenerator.GetBytes(16), clientId, operation, payload, now, now + delay);
        _pending[Convert.ToHexString(request.CorrelationValue)] = request;
        return request;
    }

    /// <summary>The client's pending request with this correlation value, or null (unknown, answered, or another client's).</summary>
    public Request? Find(byte[] correlation, string clientId) =>
        _pending.TryGetValue(Convert.ToHexString(correlation), out var r) && r.ClientId == clientId ? r : null;

    /// <summary>The client's outstanding requests, oldest first.</summary>
    public IEnumerable<Request> Outstanding(string clientId) =>
        _pending.Values.Where(r => r.ClientId == clientId).OrderBy(r => r.Submitted).ThenBy(r => Convert.ToHexString(r.CorrelationValue));

    /// <summary>Process: the next Poll answers with the operation's result, whatever the delay.</summary>
    public void MakeDue(Request request, DateTimeOffset now)
    {
        if (request.Due > now) request.Due = now;
    }

    /// <summary>Takes the request out of the outstanding ones once it has run; false when another Poll or a Cancel took it first.</summary>
    public bool TryAnswer(Request request, bool succeeded)
    {
        var key = Convert.ToHexString(request.CorrelationValue);
        if (!_pending.TryRemove(key, out _)) return false;
        _answered[key] = (request.ClientId, succeeded, Interlocked.Increment(ref _answeredOrder));
        var mine = _answered.Where(a => a.Value.ClientId == request.ClientId).OrderBy(a => a.Value.Order).ToList();
        foreach (var old in mine.Take(Math.Max(0, mine.Count - RememberedPerClient))) _answered.TryRemove(old.Key, out _);
        return true;
    }

    /// <summary>Cancel (KMIP 1.4 §4.26, 2.1 §6.1.5): withdraws a request that has not run, or says what became of it.</summary>
    public CancellationResult Cancel(byte[] correlation, string clientId)
    {
        var key = Convert.ToHexString(correlation);
        if (_pending.TryGetValue(key, out var r) && r.ClientId == clientId)
            return _pending.TryRemove(key, out _) ? CancellationResult.Canceled : CancellationResult.UnableToCancel;
        if (_answered.TryGetValue(key, out var a) && a.ClientId == clientId)
            return a.Succeeded ? CancellationResult.Completed : CancellationResult.Failed;
        return CancellationResult.Unavailable;
    }

    /// <summary>The Result Reason for a correlation value the server does not know: its own reason from 2.0, Item Not Found in 1.x.</summary>
    public static KmipException Unknown(ProtocolVersion version, byte[] correlation) => new(
        version.IsV2 ? ResultReason.InvalidAsynchronousCorrelationValue : ResultReason.ItemNotFound,
        $"no outstanding asynchronous request of this client has the correlation value {Convert.ToHexString(correlation)} (answered already, canceled, never issued, or issued before the server restarted)");
}

/// <summary>
/// Thrown by Poll for a request that is not due yet: the batch item is answered Result Status Operation Pending with
/// the request's Asynchronous Correlation Value, not as a failure.
/// </summary>
public sealed class OperationPending(byte[] correlation) : Exception("the asynchronous request is still pending")
{
    public byte[] CorrelationValue { get; } = correlation;
}
