using Reqnroll;

namespace Harness.Steps;

/// <summary>
/// The drivers of a scenario that hold servers, connections or folders, disposed when the scenario ends. Reqnroll's
/// container disposes only <see cref="IDisposable"/> objects, and these drivers are asynchronous; this hook disposes them
/// in a team's own Reqnroll project as in <c>./harness run</c> (whose host would otherwise do it: disposal is idempotent).
/// </summary>
[Binding]
public sealed class ScenarioDrivers
{
    private readonly List<IAsyncDisposable> _drivers = [];

    /// <summary>A driver registers itself when Reqnroll creates it.</summary>
    internal void Add(IAsyncDisposable driver)
    {
        lock (_drivers) _drivers.Add(driver);
    }

    /// <summary>Last created, first disposed (a KMS's clients before the KMS); every driver is disposed even if one throws.</summary>
    [AfterScenario(Order = 2000)]
    public static async Task DisposeDriversAsync(ScenarioDrivers drivers)
    {
        List<IAsyncDisposable> all;
        lock (drivers._drivers) { all = [.. drivers._drivers]; drivers._drivers.Clear(); }
        all.Reverse();
        var errors = new List<Exception>();
        foreach (var driver in all)
        {
            try { await driver.DisposeAsync().ConfigureAwait(false); }
            catch (Exception e) { errors.Add(e); }
        }
        if (errors.Count > 0) throw new AggregateException("disposing the scenario's drivers failed", errors);
    }
}
