using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;

namespace Harness.Scenarios.Hosting;

/// <summary>
/// Where a method is written (file and first line of its body), read from its assembly's portable PDB (beside the DLL or
/// embedded). Reqnroll's binding attributes do not record their source location, so diagnostics ("bound at
/// features/Harness.Steps/Kms/KmsSteps.cs:41") come from the debug information. Unknown without a PDB.
/// </summary>
internal static class SourceLocations
{
    private static readonly ConcurrentDictionary<Assembly, MetadataReaderProvider?> Readers = new();

    public static (string File, int Line)? Of(MethodInfo method)
    {
        var body = method.GetCustomAttribute<AsyncStateMachineAttribute>()?.StateMachineType.GetMethod("MoveNext",
            BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) ?? method;
        try
        {
            if (Readers.GetOrAdd(body.Module.Assembly, Open) is not { } provider) return null;
            var reader = provider.GetMetadataReader();
            var handle = MetadataTokens.MethodDefinitionHandle(body.MetadataToken);
            foreach (var point in reader.GetMethodDebugInformation(handle.ToDebugInformationHandle()).GetSequencePoints())
            {
                if (point.IsHidden) continue;
                return (reader.GetString(reader.GetDocument(point.Document).Name), point.StartLine);
            }
        }
        catch (BadImageFormatException) { }
        return null;
    }

    private static MetadataReaderProvider? Open(Assembly assembly)
    {
        if (string.IsNullOrEmpty(assembly.Location) || !File.Exists(assembly.Location)) return null;
        try
        {
            using var pe = new PEReader(File.OpenRead(assembly.Location));
            return pe.TryOpenAssociatedPortablePdb(assembly.Location, p => File.Exists(p) ? File.OpenRead(p) : null, out var provider, out _)
                ? provider : null;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Source paths as the repository sees them ("features/Harness.Steps/Kms/KmsSteps.cs"); others by file name.</summary>
    public static string ShortPath(string file)
    {
        if (string.IsNullOrEmpty(file)) return "?";
        var normal = file.Replace('\\', '/');
        foreach (var marker in new[] { "/features/", "/tests/", "/simulator/", "/server/", "/tools/", "/samples/" })
        {
            int i = normal.LastIndexOf(marker, StringComparison.Ordinal);
            if (i >= 0) return normal[(i + 1)..];
        }
        return Path.GetFileName(normal);
    }
}
