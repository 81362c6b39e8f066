using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.Tests;

/// <summary>Collects the server's log lines so that tests can check what an operator would read.</summary>
public sealed class TestLogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILoggerFactory Factory => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new Provider(this)));

    public IReadOnlyList<string> Lines => _lines.ToArray();

    private void Add(string line) => _lines.Enqueue(line);

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
