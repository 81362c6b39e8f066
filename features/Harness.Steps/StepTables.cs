using Reqnroll;

namespace Harness.Steps;

/// <summary>Reading the data tables that steps take.</summary>
public static class StepTables
{
    /// <summary>
    /// The rows of a two-column table with the header <c>| name | value |</c> (any case), in order:
    /// <code>
    /// | name      | value   |
    /// | x-Vendor  | Harness |
    /// </code>
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> NameValueRows(DataTable table)
    {
        var header = table.Header.Select(h => h.Trim().ToLowerInvariant()).ToList();
        int name = header.IndexOf("name"), value = header.IndexOf("value");
        if (name < 0 || value < 0)
            throw new ArgumentException($"the table needs the header | name | value |, not | {string.Join(" | ", table.Header)} |");
        return table.Rows.Select(r => (Cell(r, name), Cell(r, value))).ToList();
    }

    /// <summary>"esx01, esx02": the names of a comma-separated list, trimmed, empty ones left out.</summary>
    public static IEnumerable<string> Names(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string Cell(DataTableRow row, int index) => index < row.Count ? row[index] : "";
}
