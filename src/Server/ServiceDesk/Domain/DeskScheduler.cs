using System.Collections.Concurrent;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// Keyed one-shot timers on a <see cref="TimeProvider"/> (so tests drive them with a fake clock).
/// Scheduling a key again replaces its timer. Callbacks run on the timer thread's continuation; the
/// callers re-check state under the desk lock, so a callback that races a cancel is harmless.
/// </summary>
internal sealed class DeskScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<string, Exception> _onError;
    private readonly ConcurrentDictionary<string, ITimer> _timers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private int _running;

    /// <summary>Creates the scheduler.</summary>
    public DeskScheduler(TimeProvider time, Action<string, Exception> onError)
    {
        _time = time;
        _onError = onError;
    }

    /// <summary>Callbacks currently executing (tests wait for 0).</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Number of armed timers.</summary>
    public int Count => _timers.Count;

    /// <summary>True when a timer with <paramref name="key"/> is armed.</summary>
    public bool IsScheduled(string key) => _timers.ContainsKey(key);

    /// <summary>Arms (or re-arms) <paramref name="key"/> to run <paramref name="callback"/> at <paramref name="dueAt"/>.</summary>
    public void Schedule(string key, DateTimeOffset dueAt, Func<CancellationToken, Task> callback)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var delay = dueAt - _time.GetUtcNow();
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        var entry = new Entry(this, key, callback);
        var timer = _time.CreateTimer(static s => ((Entry)s!).Fire(), entry, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        entry.Timer = timer;
        _timers.AddOrUpdate(key, timer, (_, old) =>
        {
            old.Dispose();
            return timer;
        });
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Disarms <paramref name="key"/> if armed.</summary>
    public void Cancel(string key)
    {
        if (_timers.TryRemove(key, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Disarms every timer; later <see cref="Schedule"/> calls are ignored.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var key in _timers.Keys)
        {
            Cancel(key);
        }

        _stopping.Dispose();
    }

    private sealed class Entry(DeskScheduler owner, string key, Func<CancellationToken, Task> callback)
    {
        public ITimer? Timer { get; set; }

        public void Fire()
        {
            // Only the timer still registered under the key may run (a replaced one is stale).
            if (Timer is null || !owner._timers.TryRemove(new KeyValuePair<string, ITimer>(key, Timer)))
            {
                return;
            }

            Timer.Dispose();
            Interlocked.Increment(ref owner._running);
            _ = RunAsync();
        }

        private async Task RunAsync()
        {
            try
            {
                await callback(owner._stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // shutting down
            }
            catch (ObjectDisposedException)
            {
                // shutting down
            }
#pragma warning disable CA1031 // a timer callback must never crash the process; the error is logged
            catch (Exception ex)
#pragma warning restore CA1031
            {
                owner._onError(key, ex);
            }
            finally
            {
                Interlocked.Decrement(ref owner._running);
            }
        }
    }
}
