using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;

namespace Harness.Cli;

/// <summary>
/// System.CommandLine's parse errors as one line in the CLI's words ("unknown option --colour", "--out needs a value"),
/// with System.CommandLine's typo corrections ("did you mean --color?").
/// </summary>
internal static partial class ParseErrors
{
    public static string Describe(ParseResult parse, RootCommand root)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.FirstOrDefault() is { } token)
        {
            bool option = token.StartsWith('-') && token.Length > 1;
            var reason = command == root && !option ? $"unknown command '{token}'. Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
                : option ? $"unknown option {token}"
                : $"unexpected argument '{token}'";
            if (command != root && !option) return reason;
            var close = TypoCorrections(parse, token).Where(c => c is not ("-h" or "-?")).ToList();
            return close.Count > 0 ? $"{reason} (did you mean {string.Join(" or ", close)}?)" : reason;
        }
        var message = parse.Errors[0].Message;
        if (RequiredOption().Match(message) is { Success: true } required) return $"{required.Groups[1].Value} is required";
        if (MissingValue().Match(message) is { Success: true } missing) return $"{missing.Groups[1].Value} needs a value";
        return message;
    }

    /// <summary>
    /// "unknown option --tgas (did you mean --tags?)" for a word System.CommandLine gave to a command's positional
    /// argument (it does that with every word it does not know); the options within two edits are suggested, as
    /// System.CommandLine's typo corrections do for unmatched words.
    /// </summary>
    public static string UnknownOption(string token, Command command)
    {
        var close = command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal))
            .Select(o => (o.Name, Distance: Edits(token, o.Name))).Where(o => o.Distance <= 2)
            .OrderBy(o => o.Distance).Select(o => o.Name).ToList();
        return close.Count > 0 ? $"unknown option {token} (did you mean {string.Join(" or ", close)}?)" : $"unknown option {token}";
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Edits(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>The corrections System.CommandLine's parse error action suggests for a token (it prints them; they are read back).</summary>
    private static List<string> TypoCorrections(ParseResult parse, string token)
    {
        var output = new StringWriter();
        if (parse.Action is ParseErrorAction action) action.ShowTypoCorrections = true;
        // The parse error action writes to the invocation's error writer: a string here.
        try { parse.Invoke(new InvocationConfiguration { Output = output, Error = output }); }
        catch (Exception) { return []; }
        var text = output.ToString();
        var at = text.IndexOf($"'{token}' was not matched", StringComparison.Ordinal);
        if (at < 0) return [];
        return text[at..].Split('\n').Skip(1).Select(l => l.Trim()).TakeWhile(l => l.Length > 0 && !l.Contains(" was not matched", StringComparison.Ordinal)).ToList();
    }

    [GeneratedRegex(@"^Option '(--[\w-]+)' is required\.$")]
    private static partial Regex RequiredOption();

    [GeneratedRegex(@"^Required argument missing for option: '(--[\w-]+)'\.$")]
    private static partial Regex MissingValue();
}
