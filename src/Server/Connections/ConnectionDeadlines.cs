namespace Switchboard.Server.Connections;

/// <summary>
/// One shared timer for the PING events (SB-KA-001) and token expiries (SB-AUTH-015) of every connection: a priority
/// queue of deadlines and a single <see cref="ITimer"/> armed for the earliest. Each deadline still fires at its exact
/// time (a connection's PINGs every <c>ping_interval_ms</c> after its CONNECT, its 4419 at its token's expiry); what is
/// saved is a timer object per deadline (two per connection). WebSocket-level ping/pong stays the framework's
/// (<c>WebSocketAcceptContext.KeepAliveInterval</c>, SB-KA-003).
/// </summary>
internal sealed class ConnectionDeadlines : IDisposable
{
    // Rebuild the queue once this many cancelled deadlines wait in it (and they are at least half of it), so closed
    // connections' expiries (hours away) do not pile up under connection churn.
    private const int CompactThreshold = 1024;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly PriorityQueue<Deadline, long> _queue = new();
    private ITimer? _timer;
    private long _armedFor = long.MaxValue;
    private int _cancelled;
    private bool _disposed;

    public ConnectionDeadlines(TimeProvider time) => _time = time;

    /// <summary>Deadlines waiting (cancelled ones included until they are due or compacted).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Schedules <paramref name="owner"/>'s <see cref="SwitchboardConnection.OnDeadline"/> after <paramref name="dueIn"/>, then every <paramref name="period"/> (zero = once).</summary>
    public Deadline Schedule(SwitchboardConnection owner, DeadlineKind kind, TimeSpan dueIn, TimeSpan period)
    {
        var deadline = new Deadline(owner, kind, period.Ticks);
        var due = _time.GetUtcNow().UtcTicks + Math.Max(0, dueIn.Ticks);
        lock (_gate)
        {
            if (_disposed)
            {
                return deadline;
            }

            _queue.Enqueue(deadline, due);
            ArmLocked(due);
        }

        return deadline;
    }

    /// <summary>Cancels a deadline: it will not fire (it leaves the queue when due or at the next compaction).</summary>
    public void Cancel(Deadline? deadline)
    {
        if (deadline is null || Interlocked.Exchange(ref deadline.Owner, null) is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _cancelled++;
            if (_cancelled >= CompactThreshold && _cancelled * 2 >= _queue.Count)
            {
                var live = new List<(Deadline, long)>(Math.Max(0, _queue.Count - _cancelled));
                foreach (var (element, priority) in _queue.UnorderedItems)
                {
                    if (Volatile.Read(ref element.Owner) is not null)
                    {
                        live.Add((element, priority));
                    }
                }

                _queue.Clear();
                _queue.EnqueueRange(live);
                _cancelled = 0;
            }
        }
    }

    private void ArmLocked(long due)
    {
        if (due >= _armedFor)
        {
            return;
        }

        _armedFor = due;
        var dueIn = TimeSpan.FromTicks(Math.Max(0, due - _time.GetUtcNow().UtcTicks));
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static s => ((ConnectionDeadlines)s!).OnTimer(), this, dueIn, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        List<(SwitchboardConnection Owner, DeadlineKind Kind)>? due = null;
        lock (_gate)
        {
            _armedFor = long.MaxValue;
            var now = _time.GetUtcNow().UtcTicks;
            while (_queue.TryPeek(out var deadline, out var at) && at <= now)
            {
                _queue.Dequeue();
                if (Volatile.Read(ref deadline.Owner) is not { } owner)
                {
                    _cancelled = Math.Max(0, _cancelled - 1);
                    continue;
                }

                (due ??= []).Add((owner, deadline.Kind));
                if (deadline.PeriodTicks > 0)
                {
                    _queue.Enqueue(deadline, at + deadline.PeriodTicks);
                }
                else
                {
                    deadline.Owner = null;
                }
            }

            if (!_disposed && _queue.TryPeek(out _, out var next))
            {
                ArmLocked(next);
            }
        }

        // Outside the lock: a callback queues a frame or starts a close, which may schedule or cancel deadlines.
        if (due is not null)
        {
            foreach (var (owner, kind) in due)
            {
                owner.OnDeadline(kind);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
            _timer?.Dispose();
            _timer = null;
        }
    }
}

/// <summary>What a <see cref="Deadline"/> does when due.</summary>
internal enum DeadlineKind : byte
{
    /// <summary>Send the PING event (SB-KA-001); periodic.</summary>
    Ping,

    /// <summary>Close with 4419 (SB-AUTH-015); once.</summary>
    TokenExpiry,
}

/// <summary>One scheduled deadline; <see cref="Owner"/> is cleared when it is cancelled (or, if one-shot, has fired).</summary>
internal sealed class Deadline(SwitchboardConnection owner, DeadlineKind kind, long periodTicks)
{
    internal SwitchboardConnection? Owner = owner;

    public DeadlineKind Kind { get; } = kind;

    public long PeriodTicks { get; } = periodTicks;
}
