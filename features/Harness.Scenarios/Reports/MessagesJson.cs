using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Io.Cucumber.Messages.Types;

namespace Harness.Scenarios.Reports;

/// <summary>
/// System.Text.Json settings that write Cucumber Messages as the messages JSON schema spells them: camelCase field
/// names, enums as the schema's strings ("PASSED", "text/x.cucumber.gherkin+plain", "Context"), null fields left out.
/// Cucumber.Messages 35 has no JSON serializer of its own (its <c>MessageToNdjsonWriter</c> takes one), so this is it.
/// </summary>
public static class MessagesJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>One envelope as one line of JSON (no line breaks: strings escape them).</summary>
    public static string Serialize(Envelope envelope) => JsonSerializer.Serialize(envelope, Options);

    /// <summary>Reads one NDJSON line back into an envelope.</summary>
    public static Envelope? Deserialize(string line) => JsonSerializer.Deserialize<Envelope>(line, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
        };
        options.Converters.Add(new SchemaEnumConverterFactory());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Enums of Io.Cucumber.Messages.Types as the strings of the schema, taken from the package's own
    /// <c>{Enum}Extensions.Value(v)</c> methods.
    /// </summary>
    private sealed class SchemaEnumConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsEnum && typeToConvert.Namespace == typeof(Envelope).Namespace;

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(SchemaEnumConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class SchemaEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly ConcurrentDictionary<T, string> Names = new();
        private static readonly Dictionary<string, T> Values = BuildValues();

        private static string NameOf(T value) => Names.GetOrAdd(value, v =>
        {
            var extensions = typeof(T).Assembly.GetType(typeof(T).FullName + "Extensions");
            var method = extensions?.GetMethod("Value", BindingFlags.Public | BindingFlags.Static, [typeof(T)]);
            return method?.Invoke(null, [v]) as string ?? v.ToString();
        });

        private static Dictionary<string, T> BuildValues()
        {
            var map = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var v in Enum.GetValues<T>())
            {
                map[NameOf(v)] = v;
                map.TryAdd(v.ToString(), v);
            }
            return map;
        }

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? "";
            return Values.TryGetValue(text, out var value) ? value : throw new JsonException($"'{text}' is not a {typeof(T).Name}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(NameOf(value));
    }
}
