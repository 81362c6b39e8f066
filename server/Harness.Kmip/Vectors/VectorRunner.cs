using Harness.Kmip.Encodings;

namespace Harness.Kmip.Vectors;

/// <summary>Where and why a vector run failed.</summary>
/// <param name="StepIndex">The step (request/response pair) from 0.</param>
/// <param name="Path">Path of the first difference ("ResponseMessage/BatchItem[1]/ResponsePayload/Attribute[3]/AttributeValue"),
/// or "RequestMessage/..." when the request could not be built, or "" when the exchange itself failed.</param>
/// <param name="Message">What differs.</param>
public sealed record VectorFailure(int StepIndex, string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? $"step {StepIndex}: {Message}" : $"step {StepIndex}: {Path}: {Message}";
}

/// <summary>One executed step: the request sent and the response received (null when the exchange threw).</summary>
public sealed record VectorStepRecord(int StepIndex, TtlvNode Request, TtlvNode? Response);

/// <summary>The outcome of running a <see cref="VectorFile"/>.</summary>
public sealed record VectorResult(string Name, int StepCount, IReadOnlyList<VectorStepRecord> Steps, VectorFailure? Failure,
    VectorBindings Bindings)
{
    public bool Passed => Failure is null;

    public override string ToString() => Passed
        ? $"{Name}: passed ({StepCount} steps)"
        : $"{Name}: failed at {Failure}";
}

/// <summary>Settings of a vector run.</summary>
/// <param name="Clock">Source of $NOW (defaults to the system clock).</param>
public sealed record VectorRunOptions(TimeProvider? Clock = null)
{
    public static readonly VectorRunOptions Default = new();
}

/// <summary>
/// Runs a test-vector file against a server, step by step: builds each request with its placeholders substituted,
/// sends it through <c>exchange</c>, and compares the response with the expected one (<see cref="ResponseComparer"/>).
/// Stops at the first failing step, since later steps depend on values bound by earlier ones.
/// </summary>
/// <remarks>
/// Request placeholders (KMIP Additional Message Encodings v1.0 §5, §7: "symbolic identifiers"):
/// <list type="bullet">
/// <item><c>$NOW</c>, <c>$NOW-N</c>, <c>$NOW+N</c>: the current time offset by N seconds.</item>
/// <item><c>$UNIQUE_IDENTIFIER_n</c>: the identifier the server returned where the expected responses put
/// <c>$UNIQUE_IDENTIFIER_n</c>, i.e. the n-th distinct identifier returned in this file.</item>
/// <item>Every other placeholder (<c>$KEY_MATERIAL_n</c>, <c>$DATA_n</c>, <c>$IV_COUNTER_NONCE</c>,
/// <c>$CORRELATION_VALUE</c>, <c>$SHORT_UNIQUE_IDENTIFIER_n</c>, <c>$SIGNATURE_DATA</c>, <c>$MAC_DATA</c>,
/// <c>$AUTHENTICATED_ENCRYPTION_TAG</c>, <c>$KEY_VALUE_n</c>, ...): the value bound where it first appeared in an
/// expected response; failing that (some vectors show the value concretely in the response and symbolically in the next
/// request), the last value the server returned under the same tag.</item>
/// </list>
/// </remarks>
public static class VectorRunner
{
    public static VectorResult Run(VectorFile file, Func<TtlvNode, TtlvNode> exchange) => Run(file, exchange, VectorRunOptions.Default);

    public static VectorResult Run(VectorFile file, Func<TtlvNode, TtlvNode> exchange, VectorRunOptions options)
    {
        var clock = options.Clock ?? TimeProvider.System;
        var bindings = new VectorBindings();
        var records = new List<VectorStepRecord>();
        VectorResult Result(VectorFailure? failure) => new(file.Name, file.Steps.Count, records, failure, bindings);

        foreach (var step in file.Steps)
        {
            TtlvNode request;
            try { request = BuildRequest(step, bindings, clock.GetUtcNow()); }
            catch (FormatException ex) { return Result(new VectorFailure(step.Index, "RequestMessage", ex.Message)); }
            if (FindUnresolved(request, TagNames.Name(request.RawTag)) is { } unresolved)
                return Result(new VectorFailure(step.Index, unresolved.Path,
                    $"{unresolved.Placeholder} is used before any response supplied a value for it"));

            TtlvNode response;
            try { response = exchange(request); }
            catch (Exception ex)
            {
                records.Add(new VectorStepRecord(step.Index, request, null));
                return Result(new VectorFailure(step.Index, "", $"the exchange failed: {ex.GetType().Name}: {ex.Message}"));
            }
            records.Add(new VectorStepRecord(step.Index, request, response));

            var failure = ResponseComparer.Compare(step.ExpectedResponseTemplate, response, bindings, request);
            if (failure is not null) return Result(new VectorFailure(step.Index, failure.Path, failure.Message));
            bindings.Observe(request, response);
        }
        return Result(null);
    }

    /// <summary>The request of a step with $NOW± relative to <paramref name="now"/> and other placeholders from <paramref name="bindings"/>.</summary>
    public static TtlvNode BuildRequest(VectorStep step, VectorBindings bindings, DateTimeOffset now) =>
        step.BuildRequest(p => ResolveRequestPlaceholder(p, bindings, now));

    private static TtlvNode? ResolveRequestPlaceholder(TtlvPlaceholder p, VectorBindings bindings, DateTimeOffset now)
    {
        if (p.IsNow)
        {
            var t = now.AddSeconds(p.OffsetSeconds);
            return p.Type switch
            {
                ItemType.DateTime => TtlvNode.Create(p.Tag, ItemType.DateTime, t.ToUnixTimeSeconds(), null),
                ItemType.DateTimeExtended => TtlvNode.Create(p.Tag, ItemType.DateTimeExtended,
                    (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, null),
                _ => throw new FormatException($"{p.Text} is a time but the item is a {p.Type}"),
            };
        }
        if (bindings.TryGet(p.Text, out var bound) && bound.Type == p.Type) return bound;
        if (p.Name == "UNIQUE_IDENTIFIER")
        {
            // Not bound by an expected response: the n-th distinct identifier the server returned in this file.
            return p.Index is int n && n < bindings.ReturnedIdentifiers.Count && p.Type == ItemType.TextString
                ? TtlvNode.Create(p.Tag, ItemType.TextString, 0, bindings.ReturnedIdentifiers[n])
                : null;
        }
        if (bindings.LastReturned(p.Tag) is { } last && last.Type == p.Type) return last;
        return null; // reported by FindUnresolved with its path
    }

    private static (string Path, string Placeholder)? FindUnresolved(TtlvNode node, string path)
    {
        if (TtlvPlaceholder.TryGet(node, out var text)) return (path, text);
        var seen = new Dictionary<int, int>();
        foreach (var c in node.Items)
        {
            seen[c.RawTag] = seen.GetValueOrDefault(c.RawTag) + 1;
            bool repeated = c.RawTag == (int)Tag.BatchItem || node.Items.Count(x => x.RawTag == c.RawTag) > 1;
            string name = TagNames.Name(c.RawTag);
            if (FindUnresolved(c, path + "/" + (repeated ? $"{name}[{seen[c.RawTag]}]" : name)) is { } found) return found;
        }
        return null;
    }
}
