using System.Text.Json;

namespace Harness.Steps;

/// <summary>
/// Compares an expected JSON document with an actual one: every property the expected one names must be in the actual
/// one with an equal value (property names in any case; objects compared the same way, arrays item by item); other
/// properties of the actual document do not matter.
/// </summary>
public static class JsonSubset
{
    /// <summary>The differences, one line each ("state: expected \"Active\", got \"Deactivated\""); empty when it matches.</summary>
    public static IReadOnlyList<string> Differences(JsonElement expected, JsonElement actual)
    {
        var differences = new List<string>();
        Compare(expected, actual, "", differences);
        return differences;
    }

    private static void Compare(JsonElement expected, JsonElement actual, string path, List<string> differences)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object when actual.ValueKind == JsonValueKind.Object:
                foreach (var property in expected.EnumerateObject())
                {
                    var where = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    var match = actual.EnumerateObject().Where(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)).ToList();
                    if (match.Count == 0) differences.Add($"{where}: expected {property.Value.GetRawText()}, but there is no such property");
                    else Compare(property.Value, match[0].Value, where, differences);
                }
                break;
            case JsonValueKind.Array when actual.ValueKind == JsonValueKind.Array:
                var (want, have) = (expected.EnumerateArray().ToList(), actual.EnumerateArray().ToList());
                if (want.Count != have.Count) differences.Add($"{path}: expected {want.Count} items, got {have.Count}: {actual.GetRawText()}");
                else for (int i = 0; i < want.Count; i++) Compare(want[i], have[i], $"{path}[{i}]", differences);
                break;
            default:
                if (!ScalarEquals(expected, actual)) differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
        }
    }

    private static bool ScalarEquals(JsonElement expected, JsonElement actual) =>
        expected.ValueKind == actual.ValueKind && expected.ValueKind switch
        {
            JsonValueKind.String => expected.GetString() == actual.GetString(),
            JsonValueKind.Number => expected.GetDecimal() == actual.GetDecimal(),
            _ => expected.GetRawText() == actual.GetRawText(),
        };
}
