using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Steps;

/// <summary>
/// KMIP enumeration values as the spec writes them ("Permission Denied", "Pre-Active"), and how scenario text is matched
/// against them: case-insensitively, with or without spaces and hyphens.
/// </summary>
public static class KmipNames
{
    /// <summary>"Permission Denied" for <see cref="ResultReason.PermissionDenied"/>.</summary>
    public static string Of(ResultReason reason) => SpecName(Tag.ResultReason, (uint)reason) ?? reason.ToString();

    /// <summary>"Pre-Active" for <see cref="State.PreActive"/>.</summary>
    public static string Of(State state) => SpecName(Tag.State, (uint)state) ?? state.ToString();

    /// <summary>True when <paramref name="written"/> names the same value as <paramref name="specName"/>: "pre-active",
    /// "PreActive" and "Pre-Active" all name Pre-Active.</summary>
    public static bool SameName(string written, string specName) =>
        string.Equals(Squeeze(written), Squeeze(specName), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a failed operation is the failure a scenario expects: its Result Reason by name, or a part of its Result
    /// Message (both case-insensitive).
    /// </summary>
    public static bool FailureMatches(KmipOperationException failure, string expected)
    {
        if (failure.Item.ResultReason is { } reason && SameName(expected, Of(reason))) return true;
        return !string.IsNullOrWhiteSpace(expected) && (failure.ResultMessage ?? "").Contains(expected.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>"Permission Denied: key '…' is deactivated by the KMS administrator".</summary>
    public static string Describe(KmipOperationException failure)
    {
        var reason = failure.Item.ResultReason is { } r ? Of(r) : $"{failure.ResultStatus} without a Result Reason";
        return string.IsNullOrEmpty(failure.ResultMessage) ? reason : $"{reason}: {failure.ResultMessage}";
    }

    private static string? SpecName(Tag tag, uint value) =>
        EnumNames.TableFor((int)tag)?.Values.Where(v => v.Value == value).Select(v => v.SpecName).FirstOrDefault();

    private static string Squeeze(string s) => new(s.Where(c => !char.IsWhiteSpace(c) && c is not '-' and not '_').ToArray());
}
