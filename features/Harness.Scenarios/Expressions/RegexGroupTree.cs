using System.Text.RegularExpressions;

namespace Harness.Scenarios.Expressions;

/// <summary>A capture group of a regex, with the capture groups directly inside it.</summary>
internal sealed class RegexGroup
{
    public int Number { get; set; }
    public string? Name { get; init; }

    /// <summary>Pattern index of the group's first character inside the parentheses (after "?&lt;name&gt;").</summary>
    public int ContentStart { get; set; }

    /// <summary>Pattern index of the closing parenthesis (the pattern's length for the root).</summary>
    public int ContentEnd { get; set; }

    public List<RegexGroup> Children { get; } = [];

    public string Content(string pattern) => pattern[ContentStart..Math.Max(ContentStart, ContentEnd)];

    /// <summary>The values a transformer receives: the top-level groups inside, or the whole group when it has none.</summary>
    public string?[] Values(Match match) =>
        Children.Count == 0
            ? [ValueOf(match, Number)]
            : Children.Select(c => ValueOf(match, c.Number)).ToArray();

    private static string? ValueOf(Match match, int number) => match.Groups[number] is { Success: true } g ? g.Value : null;
}

/// <summary>
/// Finds the nesting of the capture groups of a .NET regex by reading its pattern (escapes, character classes,
/// non-capturing and named groups, look-arounds, inline options, comments and conditionals), as Cucumber's group
/// builder does, so that the arguments of a step are its top-level groups.
/// </summary>
internal static class RegexGroupTree
{
    /// <summary>Matches a step's text; each top-level group becomes an argument of its parameter type (null: no match).</summary>
    public static IReadOnlyList<StepArgument>? Arguments(Regex regex, RegexGroup groups, string text,
        IReadOnlyList<ParameterType> types, Func<int, string> label)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = regex.Match(text);
        if (!match.Success) return null;
        var args = new StepArgument[types.Count];
        for (int i = 0; i < args.Length; i++)
        {
            var node = groups.Children[i];
            var group = match.Groups[node.Number];
            args[i] = new StepArgument(i, group.Success ? group.Value : null, group.Success ? group.Index : -1,
                node.Values(match), types[i], label(i));
        }
        return args;
    }

    public static RegexGroup Build(Regex regex)
    {
        string p = regex.ToString();
        var root = new RegexGroup { Number = 0, ContentStart = 0, ContentEnd = p.Length };
        bool explicitCapture = (regex.Options & RegexOptions.ExplicitCapture) != 0;
        var stack = new Stack<(RegexGroup? Group, RegexGroup Parent)>();
        var captures = new List<RegexGroup>();
        var unnamed = new List<RegexGroup>();
        var current = root;
        int i = 0;
        try
        {
            while (i < p.Length)
            {
                char c = p[i];
                if (c == '\\') { i += 2; continue; }
                if (c == '[') { i = SkipClass(p, i); continue; }
                if (c == ')')
                {
                    if (stack.Count == 0) return Flat(regex);
                    var (g, parent) = stack.Pop();
                    if (g is not null) g.ContentEnd = i;
                    current = parent;
                    i++;
                    continue;
                }
                if (c != '(') { i++; continue; }

                RegexGroup? group = null;
                int contentStart;
                if (i + 1 < p.Length && p[i + 1] == '?')
                {
                    int j = i + 2;
                    char k = j < p.Length ? p[j] : '\0';
                    if (k is ':' or '=' or '!' or '>') contentStart = j + 1;
                    else if (k == '<' && j + 1 < p.Length && p[j + 1] is '=' or '!') contentStart = j + 2;
                    else if (k is '<' or '\'')
                    {
                        char close = k == '<' ? '>' : '\'';
                        int end = p.IndexOf(close, j + 1);
                        if (end < 0) return Flat(regex);
                        var name = p[(j + 1)..end];
                        int dash = name.IndexOf('-');
                        if (dash >= 0) name = name[..dash];
                        contentStart = end + 1;
                        if (name.Length > 0) group = new RegexGroup { Name = name, ContentStart = contentStart };
                    }
                    else if (k == '#')
                    {
                        int end = p.IndexOf(')', j);
                        i = end < 0 ? p.Length : end + 1;
                        continue;
                    }
                    else if (k == '(')
                    {
                        // (?(condition)yes|no): a named or numbered condition is not a group; an assertion is read as one.
                        if (j + 1 < p.Length && p[j + 1] == '?') contentStart = j;
                        else
                        {
                            int end = p.IndexOf(')', j);
                            if (end < 0) return Flat(regex);
                            contentStart = end + 1;
                        }
                    }
                    else
                    {
                        int m = j;
                        while (m < p.Length && "imnsx-".Contains(p[m])) m++;
                        if (m < p.Length && p[m] == ')') { i = m + 1; continue; } // inline options: no group
                        contentStart = m < p.Length && p[m] == ':' ? m + 1 : j;
                    }
                }
                else
                {
                    contentStart = i + 1;
                    if (!explicitCapture)
                    {
                        group = new RegexGroup { ContentStart = contentStart };
                        unnamed.Add(group);
                    }
                }

                if (group is not null)
                {
                    group.ContentStart = contentStart;
                    current.Children.Add(group);
                    captures.Add(group);
                }
                stack.Push((group, current));
                if (group is not null) current = group;
                i = contentStart;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            return Flat(regex);
        }

        // .NET numbers the unnamed groups first, left to right, then the named ones.
        for (int n = 0; n < unnamed.Count; n++) unnamed[n].Number = n + 1;
        foreach (var g in captures.Where(c => c.Name is not null)) g.Number = regex.GroupNumberFromName(g.Name!);

        var numbers = regex.GetGroupNumbers().Where(n => n != 0).ToHashSet();
        if (stack.Count != 0 || captures.Any(g => !numbers.Contains(g.Number)) || captures.Select(g => g.Number).Distinct().Count() != numbers.Count)
            return Flat(regex);
        return root;
    }

    /// <summary>Fallback when the pattern could not be read: every group is a top-level argument, in number order.</summary>
    private static RegexGroup Flat(Regex regex)
    {
        var p = regex.ToString();
        var root = new RegexGroup { Number = 0, ContentStart = 0, ContentEnd = p.Length };
        foreach (var n in regex.GetGroupNumbers().Where(n => n != 0).OrderBy(n => n))
            root.Children.Add(new RegexGroup { Number = n, ContentStart = 0, ContentEnd = 0 });
        return root;
    }

    /// <summary>Index after the character class that starts at <paramref name="i"/> ("[...]", with .NET subtraction "[a-z-[aeiou]]").</summary>
    private static int SkipClass(string p, int i)
    {
        int j = i + 1;
        if (j < p.Length && p[j] == '^') j++;
        if (j < p.Length && p[j] == ']') j++;
        while (j < p.Length)
        {
            char c = p[j];
            if (c == '\\') j += 2;
            else if (c == '[' && p[j - 1] == '-') j = SkipClass(p, j);
            else if (c == ']') return j + 1;
            else j++;
        }
        return p.Length;
    }
}
