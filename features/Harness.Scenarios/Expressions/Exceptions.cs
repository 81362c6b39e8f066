using System.Text;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// A Cucumber expression (or a parameter type) is not valid. When the problem is at a place in an expression, the
/// message shows the expression with a caret under the column, as Cucumber does:
/// <code>
/// This Cucumber Expression has a problem at column 7:
///
/// three () mice
///       ^^
/// An optional must contain some text.
/// If you did not mean to use an optional you can use '\(' to escape the '('
/// </code>
/// </summary>
public class CucumberExpressionException : Exception
{
    public CucumberExpressionException(string message) : base(message) { }

    public CucumberExpressionException(string message, Exception? inner) : base(message, inner) { }

    internal CucumberExpressionException(string expression, int start, int end, string problem, string solution)
        : base(Format(expression, start, end, problem, solution))
    {
        Expression = expression;
        Column = start + 1;
        Problem = problem;
    }

    /// <summary>The expression with the problem, when there is one.</summary>
    public string? Expression { get; }

    /// <summary>The 1-based column (in Unicode code points) of the problem in <see cref="Expression"/>.</summary>
    public int? Column { get; }

    /// <summary>The problem alone, without the expression and the pointer ("An optional must contain some text").</summary>
    public string? Problem { get; }

    /// <summary>Formats a problem at code point positions [start, end) of the expression, with Cucumber's pointer.</summary>
    internal static string Format(string expression, int start, int end, string problem, string solution) =>
        $"This Cucumber Expression has a problem at column {start + 1}:\n\n{expression}\n{Pointer(start, end)}\n{problem}.\n{solution}";

    /// <summary>"^" under a single position, "^---^" under a longer span.</summary>
    internal static string Pointer(int start, int end)
    {
        var sb = new StringBuilder().Append(' ', start).Append('^');
        if (start + 1 < end) sb.Append('-', end - start - 2).Append('^');
        return sb.ToString();
    }
}

/// <summary>
/// A parameter type name (in an expression or in <see cref="ParameterTypeRegistry.Lookup"/>) is not registered. The
/// message names it and lists the known parameter types.
/// </summary>
public sealed class UndefinedParameterTypeException : CucumberExpressionException
{
    internal UndefinedParameterTypeException(string name, IReadOnlyList<string> known)
        : base($"Undefined parameter type '{name}'. {KnownList(known)}")
    {
        ParameterTypeName = name;
        KnownParameterTypes = known;
    }

    internal UndefinedParameterTypeException(string name, IReadOnlyList<string> known, string expression, int start, int end)
        : base(expression, start, end, $"Undefined parameter type '{name}'", $"Please register a ParameterType for '{name}'. {KnownList(known)}")
    {
        ParameterTypeName = name;
        KnownParameterTypes = known;
    }

    /// <summary>The unknown name (without braces).</summary>
    public string ParameterTypeName { get; }

    /// <summary>The names the registry knows (without braces; "" is the anonymous <c>{}</c>).</summary>
    public IReadOnlyList<string> KnownParameterTypes { get; }

    private static string KnownList(IReadOnlyList<string> known) =>
        "Known parameter types: " + string.Join(", ", known.Select(n => "{" + n + "}"));
}

/// <summary>A parameter type with the same name is already registered.</summary>
public sealed class DuplicateParameterTypeException : CucumberExpressionException
{
    internal DuplicateParameterTypeException(string name)
        : base($"There is already a parameter type named {{{name}}}; parameter type names must be unique")
    {
        ParameterTypeName = name;
    }

    public string ParameterTypeName { get; }
}

/// <summary>
/// A capture group of a regular expression step has the regex of several parameter types, none of them preferential
/// (<see cref="ParameterType.PreferForRegexpMatch"/>), so it is not clear which one should transform the argument.
/// </summary>
public sealed class AmbiguousParameterTypeException : CucumberExpressionException
{
    internal AmbiguousParameterTypeException(string groupRegex, string expression, IReadOnlyList<ParameterType> candidates)
        : base($"The regular expression /{expression}/ has a group /{groupRegex}/ that matches several parameter types: " +
               string.Join(", ", candidates.Select(c => c.ToString())) +
               ". Use a Cucumber expression instead, or make one of the parameter types preferential (PreferForRegexpMatch).")
    {
        GroupRegex = groupRegex;
        Candidates = candidates;
    }

    public string GroupRegex { get; }
    public IReadOnlyList<ParameterType> Candidates { get; }
}

/// <summary>
/// A matched step argument does not convert to the type the step method wants ("99999999999" for {int}, "abc" for a
/// Guid, ...). The message names the argument text, the expected type and the parameter.
/// </summary>
public sealed class ArgumentConversionException : Exception
{
    internal ArgumentConversionException(string? argumentText, Type targetType, string parameter, string reason, Exception? inner = null)
        : base($"Cannot convert {(argumentText is null ? "(no text: the group did not match)" : "\"" + argumentText + "\"")} " +
               $"to {TypeNames.Display(targetType)} for parameter {parameter}: {reason}", inner)
    {
        ArgumentText = argumentText;
        TargetType = targetType;
        Parameter = parameter;
    }

    /// <summary>The text the argument matched (null when an optional regex group did not take part in the match).</summary>
    public string? ArgumentText { get; }

    /// <summary>The type that was asked for.</summary>
    public Type TargetType { get; }

    /// <summary>The parameter: "{int}" for a Cucumber expression, "group (\d+) of /^...$/" for a regular expression.</summary>
    public string Parameter { get; }
}

/// <summary>Readable type names for messages and snippets.</summary>
internal static class TypeNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(int)] = "int", [typeof(long)] = "long", [typeof(short)] = "short", [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte", [typeof(uint)] = "uint", [typeof(ulong)] = "ulong", [typeof(ushort)] = "ushort",
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal", [typeof(bool)] = "bool",
        [typeof(char)] = "char", [typeof(string)] = "string", [typeof(object)] = "object",
    };

    /// <summary>"Int32", "Nullable&lt;Int32&gt;", "List&lt;String&gt;" (the names .NET messages use).</summary>
    public static string Display(Type t)
    {
        if (!t.IsGenericType) return t.Name;
        var name = t.Name;
        int tick = name.IndexOf('`');
        if (tick >= 0) name = name[..tick];
        return $"{name}<{string.Join(", ", t.GetGenericArguments().Select(Display))}>";
    }

    /// <summary>C# spelling for a snippet: "int", "string", "int?", "Color", "List&lt;string&gt;".</summary>
    public static string CSharp(Type t)
    {
        if (Keywords.TryGetValue(t, out var k)) return k;
        if (Nullable.GetUnderlyingType(t) is { } u) return CSharp(u) + "?";
        if (t.IsArray) return CSharp(t.GetElementType()!) + "[]";
        if (!t.IsGenericType) return t.Name;
        var name = t.Name;
        int tick = name.IndexOf('`');
        if (tick >= 0) name = name[..tick];
        return $"{name}<{string.Join(", ", t.GetGenericArguments().Select(CSharp))}>";
    }
}
