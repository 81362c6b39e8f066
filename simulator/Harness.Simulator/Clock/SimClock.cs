namespace Harness.Simulator;

/// <summary>
/// The one clock of a simulation: vCenter, hosts and the Harness KMS read time from it. Tests advance it ("When 5
/// minutes pass"); the demo can let it follow real time.
/// </summary>
public sealed class SimClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public SimClock() : this(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "the clock does not go back");
        Interlocked.Add(ref _ticks, by.Ticks);
    }
}
