using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server;

/// <summary>
/// Bounds the log lines that clients cause (a refused request, a malformed message, a connection cut short, the Log and
/// Interop operations): at most
/// <see cref="KmipServerOptions.MaxRequestLogLinesPerMinute"/> a minute; the rest are counted, and the first line of the
/// next minute is preceded by one summary ("suppressed N lines about requests in the last minute"). Server errors
/// (bugs, storage failures) are never suppressed.
/// </summary>
public sealed class RequestLogLimiter(ILogger log, TimeProvider time, int perMinute)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly object _gate = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _written;
    private long _suppressed;

    /// <summary>Lines suppressed since the server started (for tests and the admin interface).</summary>
    public long SuppressedTotal { get; private set; }

    /// <summary>Whether a line may be written now; writes the summary of the last window first when one is due.</summary>
    public bool Allow()
    {
        long summary = 0;
        bool allowed;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (now - _windowStart >= Window)
            {
                summary = _suppressed;
                _suppressed = 0;
                _written = 0;
                _windowStart = now;
            }
            allowed = _written < perMinute;
            if (allowed) _written++;
            else { _suppressed++; SuppressedTotal++; }
        }
        if (summary > 0)
            log.LogWarning("suppressed {Count} log lines about client requests in the last minute (at most {PerMinute} a minute)", summary, perMinute);
        return allowed;
    }
}
