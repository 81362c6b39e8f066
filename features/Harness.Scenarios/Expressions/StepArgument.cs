namespace Harness.Scenarios.Expressions;

/// <summary>
/// One argument of a matched step: the text its group matched, where, and the parameter type that matched it.
/// <see cref="Convert"/> turns it into the type a step method's parameter has.
/// </summary>
public sealed class StepArgument
{
    private readonly string?[] _groups;

    internal StepArgument(int index, string? text, int start, string?[] groups, ParameterType parameterType, string parameter)
    {
        Index = index;
        Text = text;
        Start = start;
        _groups = groups;
        ParameterType = parameterType;
        Parameter = parameter;
    }

    /// <summary>The argument's position among the step's arguments (0-based).</summary>
    public int Index { get; }

    /// <summary>The text the parameter's group matched ("\"belly\"" with its quotes for {string}); null when an
    /// optional regex group did not take part in the match.</summary>
    public string? Text { get; }

    /// <summary>Where <see cref="Text"/> starts in the step text; -1 when the group did not match.</summary>
    public int Start { get; }

    /// <summary>The length of <see cref="Text"/>.</summary>
    public int Length => Text?.Length ?? 0;

    /// <summary>The parameter type ({int}, a custom one, or the anonymous {} for a regular expression group that no
    /// parameter type has the regex of).</summary>
    public ParameterType ParameterType { get; }

    /// <summary>The values the parameter type's transform receives (see <see cref="ParameterType"/>).</summary>
    public IReadOnlyList<string?> Groups => _groups;

    /// <summary>How messages name the parameter: "{int}", or "group (\d+) of /^...$/".</summary>
    public string Parameter { get; }

    /// <summary>The value of the parameter type's own type (for {} and unknown regex groups: the text).</summary>
    public object? GetValue() => Convert(ParameterType.IsAnonymous ? typeof(string) : ParameterType.Type);

    /// <summary>The argument as <typeparamref name="T"/>.</summary>
    public T Convert<T>() => (T)Convert(typeof(T))!;

    /// <summary>
    /// The argument as <paramref name="target"/>: the parameter type's transform when it produces that type;
    /// otherwise (the anonymous {}, regular expression groups, or a step method that wants another type than the
    /// parameter type's) the text converted by <see cref="StepArgumentConverter"/>.
    /// </summary>
    /// <exception cref="ArgumentConversionException">The text does not convert; the message names the text, the type and the parameter.</exception>
    public object? Convert(Type target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Text is null)
        {
            if (!target.IsValueType || Nullable.GetUnderlyingType(target) is not null) return null;
            throw Failure(target, $"the group did not match anything and {TypeNames.Display(target)} can not be null");
        }

        var pt = ParameterType;
        if (pt.IsAnonymous) return ConvertText(Text, target);

        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        if (target == typeof(object) || underlying.IsAssignableFrom(pt.Type))
        {
            object? value;
            try { value = pt.Transform(_groups); }
            catch (Exception ex) { throw Failure(target, ex.Message, ex); }
            if (value is null && target.IsValueType && Nullable.GetUnderlyingType(target) is null)
                throw Failure(target, $"the parameter type {pt} produced no value");
            return value;
        }

        // The step method wants another type than the parameter type produces ({int} into a long, {string} into an
        // enum, ...): the value if it happens to fit, else its text converted.
        object? transformed = null;
        bool ok;
        try
        {
            transformed = pt.Transform(_groups);
            ok = true;
        }
        catch (Exception)
        {
            ok = false;
        }
        if (ok && transformed is not null && underlying.IsInstanceOfType(transformed)) return transformed;
        return ConvertText(ok && transformed is string s ? s : Text, target);
    }

    public override string ToString() => $"{Parameter} = \"{Text}\" at {Start}";

    private object? ConvertText(string text, Type target)
    {
        try { return StepArgumentConverter.ConvertText(text, target); }
        catch (Exception ex) when (ex is FormatException or OverflowException or NotSupportedException or ArgumentException or InvalidCastException)
        {
            throw Failure(target, ex.Message, ex);
        }
    }

    private ArgumentConversionException Failure(Type target, string reason, Exception? inner = null) =>
        new(Text, target, Parameter, reason, inner);
}
