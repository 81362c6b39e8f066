using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.Tests;

/// <summary>Collects the server's log lines so that tests can check what an operator would read.</summary>
public sealed class TestLogger
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly object _waitersLock = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = new();

    public ILoggerFactory Factory => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new Provider(this)));

    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>
    /// The first line (already written or still to come) that matches; fails after <paramref name="timeout"/> with the
    /// lines seen so far. Event-driven: it completes the moment the server writes the line.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            var existing = _lines.FirstOrDefault(match);
            if (existing is not null) return existing;
            _waiters.Add((match, done));
        }
        try
        {
            return await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            lock (_waitersLock) _waiters.RemoveAll(w => w.Done == done);
            throw new Xunit.Sdk.XunitException("no matching server log line within the timeout; lines were:\n" + string.Join("\n", Lines));
        }
    }

    private void Add(string line)
    {
        lock (_waitersLock)
        {
            _lines.Enqueue(line);
            foreach (var w in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(w);
                w.Done.TrySetResult(line);
            }
        }
    }

    private sealed class Provider(TestLogger owner) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(owner);
        public void Dispose() { }
    }

    private sealed class Logger(TestLogger owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
