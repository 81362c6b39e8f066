namespace Harness.Pki;

/// <summary>A PKI file or request cannot be used: the message names the file or the field and what is wrong with it.</summary>
public class PkiException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary><see cref="TestPki.Init"/> found files in the target directory and was not told to overwrite them.</summary>
public sealed class PkiDirectoryNotEmptyException(string directory, IReadOnlyList<string> entries)
    : PkiException($"refusing to write a PKI into '{directory}': the directory is not empty " +
                   $"(contains {string.Join(", ", entries.Take(6))}{(entries.Count > 6 ? ", …" : "")}); " +
                   "choose an empty directory or force the overwrite")
{
    public string Directory { get; } = directory;
    public IReadOnlyList<string> Entries { get; } = entries;
}
