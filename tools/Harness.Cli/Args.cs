namespace Harness.Cli;

/// <summary>Bad usage or bad input: the CLI prints the reason on one line and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Command-line arguments: --name value options, --flag switches, and positional words.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args, IReadOnlySet<string> switches)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var eq = a.IndexOf('=');
                if (eq > 0) { _options[a[2..eq]] = a[(eq + 1)..]; continue; }
                var name = a[2..];
                if (switches.Contains(name)) { _options[name] = null; continue; }
                if (i + 1 >= list.Count) throw new UsageException($"--{name} needs a value");
                _options[name] = list[++i];
            }
            else Positional.Add(a);
        }
    }

    public List<string> Positional { get; } = new();

    public string? Get(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public bool Has(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out var n) && n >= 0 ? n : throw new UsageException($"--{name} must be a non-negative whole number, not '{v}'");
    }

    /// <summary>Declares options the command reads later, so that <see cref="RejectUnknown"/> can run first.</summary>
    public void Accept(params string[] names)
    {
        foreach (var n in names) _used.Add(n);
    }

    /// <summary>Rejects options the command did not read (a typo should not be silently ignored).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option --{unknown[0]}");
    }

    /// <summary>--NAME NAME:PASSWORD (the password may hold colons), or null when the option is not given.</summary>
    public (string Name, string Password)? UserPassword(string name)
    {
        if (Get(name) is not { } user) return null;
        var colon = user.IndexOf(':');
        if (colon <= 0) throw new UsageException($"--{name} must be NAME:PASSWORD");
        return (user[..colon], user[(colon + 1)..]);
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
