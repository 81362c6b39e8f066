using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml;

namespace Harness.Scenarios.Expressions;

/// <summary>
/// Converts step argument text to the type of a step method's parameter, with the invariant culture: string, object,
/// bool, char, every integer and floating type, decimal, BigInteger, enums (case-insensitive; spaces, '-' and '_' are
/// ignored), Guid, DateTime, DateTimeOffset (UTC when no offset is given), DateOnly, TimeOnly, TimeSpan ("00:05:00",
/// "1.02:03:04", "PT5M", or a number with a unit: "250ms", "5s", "2 min", "1.5h", "3d"), Uri, Nullable&lt;T&gt;
/// (empty text is null), then any type with a static Parse(string, IFormatProvider) or a TypeConverter from string.
/// </summary>
public static partial class StepArgumentConverter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Whether <see cref="ConvertText"/> knows a conversion to <paramref name="target"/> (it may still fail for a given text).</summary>
    public static bool CanConvert(Type target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target = Nullable.GetUnderlyingType(target) ?? target;
        return target == typeof(string) || target == typeof(object) || target.IsEnum || target.IsPrimitive || target == typeof(decimal)
               || target == typeof(BigInteger) || target == typeof(Guid) || target == typeof(DateTime) || target == typeof(DateTimeOffset)
               || target == typeof(DateOnly) || target == typeof(TimeOnly) || target == typeof(TimeSpan) || target == typeof(Uri)
               || FindParse(target) is not null || TypeDescriptor.GetConverter(target).CanConvertFrom(typeof(string));
    }

    /// <summary>The text as <paramref name="target"/>.</summary>
    /// <exception cref="FormatException">The text is not a value of the type.</exception>
    /// <exception cref="OverflowException">The number does not fit the type.</exception>
    /// <exception cref="NotSupportedException">There is no conversion from text to the type.</exception>
    public static object? ConvertText(string? text, Type target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target == typeof(string) || target == typeof(object)) return text;
        if (Nullable.GetUnderlyingType(target) is { } underlying)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            target = underlying;
        }
        if (text is null)
        {
            if (!target.IsValueType) return null;
            throw new FormatException($"there is no text to convert to {TypeNames.Display(target)}");
        }

        if (target.IsEnum) return ParseEnum(text, target);
        switch (Type.GetTypeCode(target))
        {
            case TypeCode.Boolean:
                return bool.TryParse(text.Trim(), out var b) ? b
                    : throw new FormatException($"\"{text}\" is not a Boolean: use true or false");
            case TypeCode.Char:
                return text.Length == 1 ? text[0] : throw new FormatException($"\"{text}\" is not a single character");
            case TypeCode.SByte: return sbyte.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.Byte: return byte.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.Int16: return short.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.UInt16: return ushort.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.Int32: return int.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.UInt32: return uint.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.Int64: return long.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.UInt64: return ulong.Parse(text, NumberStyles.Integer, Invariant);
            case TypeCode.Single:
                var f = float.Parse(text, NumberStyles.Float, Invariant);
                return float.IsInfinity(f) && !text.Contains("inf", StringComparison.OrdinalIgnoreCase)
                    ? throw new OverflowException("Value was either too large or too small for a Single.") : f;
            case TypeCode.Double:
                var d = double.Parse(text, NumberStyles.Float, Invariant);
                return double.IsInfinity(d) && !text.Contains("inf", StringComparison.OrdinalIgnoreCase)
                    ? throw new OverflowException("Value was either too large or too small for a Double.") : d;
            case TypeCode.Decimal: return decimal.Parse(text, NumberStyles.Float, Invariant);
            case TypeCode.DateTime: return DateTime.Parse(text, Invariant, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind);
        }
        if (target == typeof(Guid)) return Guid.Parse(text.Trim());
        if (target == typeof(DateTimeOffset))
            return DateTimeOffset.Parse(text, Invariant, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal);
        if (target == typeof(DateOnly)) return DateOnly.Parse(text, Invariant);
        if (target == typeof(TimeOnly)) return TimeOnly.Parse(text, Invariant);
        if (target == typeof(TimeSpan)) return ParseTimeSpan(text);
        if (target == typeof(BigInteger)) return BigInteger.Parse(text, NumberStyles.Integer, Invariant);
        if (target == typeof(Uri)) return new Uri(text, UriKind.RelativeOrAbsolute);

        if (FindParse(target) is { } parse)
        {
            try { return parse.Invoke(null, [text, Invariant]); }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException is FormatException or OverflowException ? ex.InnerException : new FormatException(ex.InnerException.Message, ex.InnerException);
            }
        }
        var converter = TypeDescriptor.GetConverter(target);
        if (converter.CanConvertFrom(typeof(string)))
        {
            try { return converter.ConvertFromInvariantString(text); }
            catch (Exception ex) when (ex is not FormatException) { throw new FormatException(ex.Message, ex); }
        }
        throw new NotSupportedException(
            $"there is no conversion from text to {TypeNames.Display(target)}; use a parameter type ({{name}}) that produces it, or a supported type");
    }

    private static object ParseEnum(string text, Type target)
    {
        var trimmed = text.Trim();
        bool flags = target.IsDefined(typeof(FlagsAttribute), false);
        if (trimmed.Length > 0 && !char.IsDigit(trimmed[0]) && trimmed[0] != '-'
            && Enum.TryParse(target, trimmed, ignoreCase: true, out var value) && (flags || Enum.IsDefined(target, value!)))
            return value!;
        var wanted = Simplify(trimmed);
        foreach (var name in Enum.GetNames(target))
            if (string.Equals(Simplify(name), wanted, StringComparison.OrdinalIgnoreCase))
                return Enum.Parse(target, name);
        throw new FormatException($"\"{text}\" is not a {target.Name}: expected one of {string.Join(", ", Enum.GetNames(target))}");
    }

    private static string Simplify(string s) => new(s.Where(c => c is not (' ' or '_' or '-')).ToArray());

    private static TimeSpan ParseTimeSpan(string text)
    {
        var trimmed = text.Trim();
        var unit = UnitTimeSpan().Match(trimmed);
        if (unit.Success)
        {
            var n = double.Parse(unit.Groups[1].Value, NumberStyles.Float, Invariant);
            var u = unit.Groups[2].Value.ToLowerInvariant();
            return u switch
            {
                "ms" or "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(n),
                "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(n),
                "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(n),
                "h" or "hour" or "hours" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        if (trimmed.StartsWith('P') || trimmed.StartsWith("-P", StringComparison.Ordinal))
        {
            try { return XmlConvert.ToTimeSpan(trimmed); }
            catch (FormatException) { }
        }
        if (TimeSpan.TryParse(trimmed, Invariant, out var span)) return span;
        throw new FormatException($"\"{text}\" is not a TimeSpan: use 00:05:00, 1.02:03:04, PT5M or a number with a unit (250ms, 5s, 2min, 1.5h, 3d)");
    }

    [GeneratedRegex(@"^([-+]?(?:\d+(?:\.\d+)?|\.\d+))\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitTimeSpan();

    private static MethodInfo? FindParse(Type target) =>
        target.GetMethod("Parse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider)]) is { } m
        && target.IsAssignableFrom(m.ReturnType)
            ? m
            : null;
}
