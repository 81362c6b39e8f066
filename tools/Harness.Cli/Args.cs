using System.CommandLine;
using System.CommandLine.Parsing;

namespace Harness.Cli;

/// <summary>Bad usage or bad input: the CLI prints the reason on one line and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// What a command was given, read from System.CommandLine's parse result by option name ("target" for --target):
/// option values as the user typed them (or the option's default), switches, and positional words. The commands check
/// the values themselves, so that each bad value gets a reason in the command's own words.
/// </summary>
public sealed class Args(ParseResult parse)
{
    public ParseResult Parse { get; } = parse;

    /// <summary>The command's positional words, in order.</summary>
    public List<string> Positional { get; } = parse.CommandResult.Command.Arguments
        .SelectMany(a => parse.GetResult(a)?.Tokens.Select(t => t.Value) ?? []).ToList();

    private Option Find(string name) =>
        Parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--" + name)
        ?? throw new InvalidOperationException($"the command '{Parse.CommandResult.Command.Name}' defines no option --{name}");

    /// <summary>The value given for --NAME, else its default (null when it has none).</summary>
    public string? Get(string name)
    {
        var option = Find(name);
        if (option is Option<bool>) throw new InvalidOperationException($"--{name} is a switch: use Has");
        return Parse.GetValue<string?>((Option<string?>)option);
    }

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>Whether --NAME was given (a switch, or an option with a value).</summary>
    public bool Has(string name)
    {
        var option = Find(name);
        if (option is Option<bool> flag) return Parse.GetValue(flag);
        return Parse.GetResult(option) is OptionResult { Implicit: false };
    }

    /// <summary>The values of a repeatable option, in the order given.</summary>
    public IReadOnlyList<string> All(string name) =>
        Parse.GetResult(Find(name)) is OptionResult { Implicit: false } r ? r.Tokens.Select(t => t.Value).ToList() : [];

    public int Int(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out var n) && n >= 0 ? n : throw new UsageException($"--{name} must be a non-negative whole number, not '{v}'");
    }

    /// <summary>A count, size or time that must be above zero (limits, timeouts, how many messages).</summary>
    public int Positive(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out var n) && n > 0 ? n : throw new UsageException($"--{name} must be a positive whole number, not '{v}'");
    }

    /// <summary>--NAME NAME:PASSWORD (the password may hold colons), or null when the option is not given.</summary>
    public (string Name, string Password)? UserPassword(string name)
    {
        if (Get(name) is not { } user) return null;
        var colon = user.IndexOf(':');
        if (colon <= 0) throw new UsageException($"--{name} must be NAME:PASSWORD");
        return (user[..colon], user[(colon + 1)..]);
    }

    /// <summary>
    /// --target HOST:PORT and --pki DIR of a command that talks to a KMS as a client (bench, fuzz, vectors): where it is,
    /// the client identity (its certificate must exist), and the client options.
    /// </summary>
    /// <param name="firstOfList">--target may list several HOST:PORT, comma-separated: the first is the target returned.</param>
    public (System.Net.IPEndPoint Target, Harness.Pki.PkiPaths Pki, Harness.Kmip.Client.KmipClientOptions Options) KmsClient(bool firstOfList = false)
    {
        var text = Required("target");
        var target = Endpoint(firstOfList ? text.Split(',')[0].Trim() : text, "--target");
        var pki = new Harness.Pki.PkiPaths(Required("pki"));
        if (!File.Exists(pki.ClientCert)) throw new UsageException($"{pki.ClientCert} does not exist");
        return (target, pki, Harness.Kmip.Client.KmipClientOptions.FromPki(target.Address.ToString(), target.Port, pki));
    }

    public static System.Net.IPEndPoint Endpoint(string text, string what)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 0 or > 65535)
            throw new UsageException($"{what} must be HOST:PORT, not '{text}'");
        var host = text[..colon].Trim('[', ']');
        if (System.Net.IPAddress.TryParse(host, out var ip)) return new System.Net.IPEndPoint(ip, port);
        if (host == "localhost") return new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        try
        {
            var addresses = System.Net.Dns.GetHostAddresses(host);
            return new System.Net.IPEndPoint(addresses.First(), port);
        }
        catch (Exception) { throw new UsageException($"{what}: cannot resolve host '{host}'"); }
    }
}
