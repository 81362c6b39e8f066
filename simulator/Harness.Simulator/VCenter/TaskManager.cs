namespace Harness.Simulator;

/// <summary>TaskInfo.state.</summary>
public enum TaskInfoState { Queued, Running, Success, Error }

/// <summary>
/// vim.TaskInfo: what a long-running vSphere method answers. A fault is a value in <see cref="Error"/>, never an
/// exception; <see cref="Result"/> holds the method's result (a clone, a key provider's status).
/// </summary>
public sealed record TaskInfo(string Key, string DescriptionId, string? EntityName, TaskInfoState State, object? Result, MethodFault? Error,
    DateTimeOffset QueueTime, DateTimeOffset? CompleteTime, string? UserName)
{
    public bool Succeeded => State == TaskInfoState.Success;
}

/// <summary>vCenter's TaskManager: runs a method as a task and keeps the recent tasks (recentTask).</summary>
public sealed class TaskManager(TimeProvider clock)
{
    public const int RecentTaskLimit = 200;
    private readonly List<TaskInfo> _recent = [];
    private long _next;

    public IReadOnlyList<TaskInfo> RecentTasks { get { lock (_recent) return _recent.ToList(); } }

    /// <summary>Runs <paramref name="body"/> as a task named <paramref name="descriptionId"/>; a vSphere fault becomes the task's error.</summary>
    public async Task<TaskInfo> RunAsync(string descriptionId, string? entityName, string? userName, Func<Task<object?>> body)
    {
        var queued = clock.GetUtcNow();
        string key = $"task-{Interlocked.Increment(ref _next)}";
        TaskInfo info;
        try
        {
            var result = await body();
            info = new TaskInfo(key, descriptionId, entityName, TaskInfoState.Success, result, null, queued, clock.GetUtcNow(), userName);
        }
        catch (VsphereFault fault)
        {
            info = new TaskInfo(key, descriptionId, entityName, TaskInfoState.Error, null, fault.Fault, queued, clock.GetUtcNow(), userName);
        }
        lock (_recent)
        {
            _recent.Add(info);
            if (_recent.Count > RecentTaskLimit) _recent.RemoveAt(0);
        }
        return info;
    }
}
