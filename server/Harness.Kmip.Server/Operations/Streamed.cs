using Harness.Kmip.Payloads;
using Harness.Kmip.Server.Cryptography;

namespace Harness.Kmip.Server.Operations;

/// <summary>The single-part and by-parts flow (Init Indicator, Correlation Value, Final Indicator) that Hash, MAC and MAC Verify share.</summary>
internal static class Streamed
{
    /// <summary>
    /// Runs one part: a single part (no stream fields) computes and finishes at once; Init opens a stream (answering its
    /// Correlation Value); a part with the Correlation Value continues it; Final finishes it. <paramref name="respond"/>
    /// gets the result (null until the final part) and the Correlation Value to give back (null once finished).
    /// </summary>
    public static TtlvNode Run(RequestContext ctx, Operation operation, string? keyId, StreamPart stream, byte[]? data,
        Func<IDigestComputation> start, Func<byte[]?, byte[]?, TtlvNode> respond)
    {
        bool init = stream.InitIndicator == true, final = stream.FinalIndicator == true;
        if (stream.IsSinglePart || (init && final && stream.CorrelationValue is null))
        {
            if (data is null) throw new KmipException(ResultReason.InvalidField, $"a single-part {operation} needs Data");
            var computation = start();
            computation.Append(data);
            return respond(computation.Finish(), null);
        }
        if (init)
        {
            if (stream.CorrelationValue is not null)
                throw new KmipException(ResultReason.InvalidField, $"an {operation} that opens a stream (Init Indicator) cannot also give a Correlation Value");
            var computation = start();
            if (data is not null) computation.Append(data);
            return respond(null, ctx.Kms.Streams.Open(ctx.Client.Id, operation, keyId, computation, ctx.Version));
        }
        if (stream.CorrelationValue is null)
            throw new KmipException(ResultReason.InvalidField, $"a part of a streamed {operation} needs the Correlation Value the first part answered");
        var continued = ctx.Kms.Streams.Continue(ctx.Client.Id, operation, keyId, stream.CorrelationValue, final, ctx.Version);
        // The same client may send two parts at once on two connections: one at a time.
        lock (continued)
        {
            if (data is not null) continued.Append(data);
            return final ? respond(continued.Finish(), null) : respond(null, stream.CorrelationValue);
        }
    }

    public static KmipException NotSupported(string what) => new(ResultReason.FeatureNotSupported, $"{what} is not supported by this server");
}
