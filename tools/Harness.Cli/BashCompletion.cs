using System.CommandLine;
using System.Text;

namespace Harness.Cli;

/// <summary>
/// `./harness completion bash`: a bash completion script (complete -F) made from the command definitions: after
/// `./harness` the commands, after a command its subcommands and options; after an option that takes a value, file names.
/// </summary>
public static class BashCompletion
{
    public static string Script(RootCommand root)
    {
        var commands = HarnessCommandLine.Commands(root).ToList();
        var text = new StringBuilder();
        text.AppendLine("# bash completion for ./harness: source <(./harness completion bash)");
        text.AppendLine("_harness() {");
        text.AppendLine("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" path=\"\" w i");
        text.AppendLine("  for ((i = 1; i < COMP_CWORD; i++)); do");
        text.AppendLine("    w=\"${COMP_WORDS[i]}\"");
        text.AppendLine("    case \"${path:+$path }$w\" in");
        text.AppendLine($"      {string.Join("|", commands.Select(c => Quote(c.Path)))}) path=\"${{path:+$path }}$w\" ;;");
        text.AppendLine("    esac");
        text.AppendLine("  done");
        var valued = commands.SelectMany(c => HarnessCommandLine.OptionsOf(c.Command).Where(o => o.Arity.MaximumNumberOfValues > 0).Select(o => o.Name)).Distinct().Order(StringComparer.Ordinal).ToList();
        text.AppendLine("  case \"$prev\" in");
        text.AppendLine($"    {string.Join("|", valued)}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;");
        text.AppendLine("  esac");
        text.AppendLine("  local words");
        text.AppendLine("  case \"$path\" in");
        text.AppendLine($"    \"\") words=\"{string.Join(' ', root.Subcommands.Select(c => c.Name))} --help\" ;;");
        foreach (var (path, command) in commands)
        {
            var words = command.Subcommands.Select(c => c.Name).Concat(HarnessCommandLine.OptionsOf(command).Select(o => o.Name)).Append("--help");
            text.AppendLine($"    {Quote(path)}) words=\"{string.Join(' ', words)}\" ;;");
        }
        text.AppendLine("  esac");
        text.AppendLine("  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))");
        text.AppendLine("  if [ ${#COMPREPLY[@]} -eq 0 ] && [[ \"$cur\" != -* ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); fi");
        text.AppendLine("}");
        text.AppendLine("complete -o filenames -F _harness harness ./harness");
        return text.ToString();
    }

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;
}
