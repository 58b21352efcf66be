namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// Fires the desk's persisted deadlines (transfer timeouts, idle warnings/closes, visitor grace). The due-set lives
/// in the store; any node may claim a due entry, and the claim IS the transition (token-checked, so a stale or
/// replayed deadline does nothing): each deadline takes effect exactly once, also when the node that set it died.
/// <para>
/// This node wakes up at the earliest deadline it knows of (one <see cref="TimeProvider"/> timer, so tests drive it
/// with a fake clock); with a shared store it also polls every <see cref="PollInterval"/> for deadlines set by
/// other nodes.
/// </para>
/// </summary>
internal sealed class DeskDeadlineRunner
{
    private const string WakeKey = "deadlines";
    private const int Batch = 100;

    private readonly DeskContext _desk;
    private readonly DeskScheduler _scheduler;
    private readonly Lock _sync = new();
    private Func<DeskDeadline, CancellationToken, Task>? _dispatch;
    private DateTimeOffset _armedAt = DateTimeOffset.MaxValue;
    private DateTimeOffset _pokedWhileRunning = DateTimeOffset.MaxValue;
    private bool _running;
    private bool _started;

    /// <summary>Creates the runner (inactive until <see cref="StartAsync"/>).</summary>
    public DeskDeadlineRunner(DeskContext desk, DeskScheduler scheduler)
    {
        _desk = desk;
        _scheduler = scheduler;
        PollInterval = TimeSpan.FromMilliseconds(Math.Max(10, desk.Options.DeadlinePollMs));
    }

    /// <summary>How often a node of a cluster looks for deadlines set elsewhere.</summary>
    public TimeSpan PollInterval { get; }

    /// <summary>Sets what a claimed-to-be-due deadline does (by kind), and arms the first wake-up.</summary>
    public async Task StartAsync(Func<DeskDeadline, CancellationToken, Task> dispatch, CancellationToken cancellationToken)
    {
        _dispatch = dispatch;
        var next = await _desk.Store.NextDeadlineAsync(cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _started = true;
            Arm(Earliest(next));
        }
    }

    /// <summary>A deadline due at <paramref name="dueAt"/> was scheduled on this node: wake up by then.</summary>
    public void Poke(DateTimeOffset dueAt)
    {
        lock (_sync)
        {
            if (_running)
            {
                _pokedWhileRunning = dueAt < _pokedWhileRunning ? dueAt : _pokedWhileRunning;
            }
            else if (_started && dueAt < _armedAt)
            {
                Arm(dueAt);
            }
        }
    }

    /// <summary>Claims and applies every due deadline now (the wake-up does this; tests may call it).</summary>
    internal async Task RunDueAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _running = true;
            _armedAt = DateTimeOffset.MaxValue;
            _pokedWhileRunning = DateTimeOffset.MaxValue;
        }

        DateTimeOffset? next = null;
        try
        {
            while (true)
            {
                var due = await _desk.Store.ListDueDeadlinesAsync(_desk.Time.GetUtcNow(), Batch, cancellationToken).ConfigureAwait(false);
                foreach (var deadline in due)
                {
                    DeskLog.LogDeadlineClaimed(_desk.Logger, deadline.Key);
                    try
                    {
                        await _dispatch!(deadline, cancellationToken).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // one failing deadline must not stop the others; it stays due and is retried
                    catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                    {
                        DeskLog.LogTimerFailed(_desk.Logger, deadline.Key, ex);
                    }
                }

                if (due.Count < Batch)
                {
                    break;
                }
            }

            next = await _desk.Store.NextDeadlineAsync(cancellationToken).ConfigureAwait(false);
            var now = _desk.Time.GetUtcNow();
            if (next <= now)
            {
                // Still due after this run: it failed, or another node is claiming it right now. Retry later, not in a loop.
                next = now + PollInterval;
            }
        }
        finally
        {
            lock (_sync)
            {
                _running = false;
                var earliest = Earliest(next);
                Arm(_pokedWhileRunning < earliest ? _pokedWhileRunning : earliest);
            }
        }
    }

    /// <summary>The wake-up time for the earliest known deadline (and the next poll in a cluster).</summary>
    private DateTimeOffset Earliest(DateTimeOffset? next)
    {
        var at = next ?? DateTimeOffset.MaxValue;
        if (_desk.Store.IsShared)
        {
            var poll = _desk.Time.GetUtcNow() + PollInterval;
            at = poll < at ? poll : at;
        }

        return at;
    }

    private void Arm(DateTimeOffset at)
    {
        if (at == DateTimeOffset.MaxValue)
        {
            return;
        }

        _armedAt = at;
        _scheduler.Schedule(WakeKey, at, RunDueAsync);
    }
}
