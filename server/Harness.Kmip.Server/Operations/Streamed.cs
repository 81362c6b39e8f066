using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>Which part of a cryptographic operation a request is.</summary>
internal enum PartKind { Single, First, Middle, Last }

/// <summary>The single-part and by-parts flow (Init Indicator, Correlation Value, Final Indicator) the cryptographic operations share.</summary>
internal static class Streamed
{
    /// <summary>
    /// Which part the request is, with its state: a single part (no stream fields, or Init and Final together) or a
    /// first part (Init) gets a new state from <paramref name="start"/> (a first part opens the stream and has its
    /// Correlation Value); a middle or last part gets the stream's state (the last part closes the stream). The caller
    /// uses the state of a middle or last part under <c>lock (state)</c>: one client may send two parts at once.
    /// </summary>
    public static (PartKind Kind, T State, byte[]? Correlation) Part<T>(RequestContext ctx, Operation operation, string? keyId, StreamPart stream, Func<T> start)
        where T : class
    {
        bool init = stream.InitIndicator == true, final = stream.FinalIndicator == true;
        if (stream.IsSinglePart || (init && final && stream.CorrelationValue is null)) return (PartKind.Single, start(), null);
        if (init)
        {
            if (stream.CorrelationValue is not null)
                throw new KmipException(ResultReason.InvalidField, $"an {operation} that opens a stream (Init Indicator) cannot also give a Correlation Value");
            var state = start();
            return (PartKind.First, state, ctx.Kms.Streams.Open(ctx.Client.Id, operation, keyId, state, ctx.Version));
        }
        if (stream.CorrelationValue is null)
            throw new KmipException(ResultReason.InvalidField, $"a part of a streamed {operation} needs the Correlation Value the first part answered");
        var continued = (T)ctx.Kms.Streams.Continue(ctx.Client.Id, operation, keyId, stream.CorrelationValue, final, ctx.Version);
        return final ? (PartKind.Last, continued, null) : (PartKind.Middle, continued, stream.CorrelationValue);
    }

    /// <summary>
    /// A digest flow (Hash, MAC, MAC Verify): a single part computes and finishes at once; a first part opens a stream; a
    /// middle part adds to it; the last finishes it. <paramref name="respond"/> gets the result (null until the last
    /// part) and the Correlation Value to give back (null once finished).
    /// </summary>
    public static TtlvNode Run(RequestContext ctx, Operation operation, string? keyId, StreamPart stream, byte[]? data,
        Func<IDigestComputation> start, Func<byte[]?, byte[]?, TtlvNode> respond)
    {
        var (kind, computation, correlation) = Part(ctx, operation, keyId, stream, start);
        if (kind == PartKind.Single && data is null) throw new KmipException(ResultReason.InvalidField, $"a single-part {operation} needs Data");
        lock (computation)
        {
            if (data is not null) computation.Append(data);
            return kind is PartKind.Single or PartKind.Last ? respond(computation.Finish(), null) : respond(null, correlation);
        }
    }

    public static KmipException NotSupported(string what) => new(ResultReason.FeatureNotSupported, $"{what} is not supported by this server");
}
