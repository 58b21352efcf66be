using System.Collections.Concurrent;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// SET_TIMER reminders (SB-TIMER-001..006). They belong to their connection and are discarded when it closes
/// (SB-TIMER-004), so they are node-local on purpose: a reminder cannot outlive the node that holds its connection.
/// </summary>
internal sealed class DeskReminders(DeskContext desk, DeskScheduler scheduler)
{
    /// <summary>Pending reminders allowed per connection (SB-TIMER-006).</summary>
    public const int MaxPerConnection = 100;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byConnection = new(StringComparer.Ordinal);

    /// <summary>Arms a reminder that fires (TIMER state fired) to the connection that set it; 5001 beyond the limit.</summary>
    public DeskTimer Set(DeskActor actor, long delayMs, string? label)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentOutOfRangeException.ThrowIfLessThan(delayMs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayMs, 86_400_000);
        var connectionId = actor.ConnectionId;
        var set = _byConnection.GetOrAdd(connectionId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (set.Count >= MaxPerConnection)
        {
            throw new DeskException(DeskErrorCode.RateLimited, $"At most {MaxPerConnection} pending timers per connection.");
        }

        var firesAt = desk.Time.GetUtcNow() + TimeSpan.FromMilliseconds(delayMs);
        var timer = new DeskTimer(MessageIds.New(desk.Time), DeskTimerKinds.Reminder, DeskTimerKinds.Scheduled, string.IsNullOrEmpty(label) ? null : label, null, firesAt, delayMs);
        set[timer.Id] = 0;
        scheduler.Schedule(Key(timer.Id), firesAt, async ct =>
        {
            if (_byConnection.TryGetValue(connectionId, out var pending) && pending.TryRemove(timer.Id, out _))
            {
                await desk.Outbox.ReminderFiredAsync(connectionId, timer with { State = DeskTimerKinds.Fired, RemainingMs = 0 }, ct).ConfigureAwait(false);
            }
        });
        return timer;
    }

    /// <summary>Drops the reminders of a closed connection.</summary>
    public void Drop(string connectionId)
    {
        if (_byConnection.TryRemove(connectionId, out var reminders))
        {
            foreach (var id in reminders.Keys)
            {
                scheduler.Cancel(Key(id));
            }
        }
    }

    private static string Key(string id) => "timer:" + id;
}
