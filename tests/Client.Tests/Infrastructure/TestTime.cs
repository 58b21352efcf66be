using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Switchboard.Client.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also records the due time of every timer created, so a test can wait until the
/// client armed a timer (a reconnect delay, a timeout) before advancing time past it.
/// </summary>
internal sealed class TestTime : FakeTimeProvider
{
    public TestTime()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public ConcurrentQueue<TimeSpan> TimerDueTimes { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        TimerDueTimes.Enqueue(dueTime);
        return timer;
    }

    /// <summary>Waits (without moving time) until a timer with <paramref name="dueTime"/> was created <paramref name="count"/> times.</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime, int count = 1) =>
        Eventually.TrueAsync(() => TimerDueTimes.Count(d => d == dueTime) >= count, $"a {dueTime} timer was armed {count}x");

    /// <summary>Advances time in <paramref name="step"/>s until <paramref name="condition"/> holds (letting the client react in between).</summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, string because)
    {
        var guard = DateTime.UtcNow + InMemoryServer.HangGuard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < guard, $"Timed out advancing time until {because}.");
            Advance(step);
            await Task.Delay(1);
        }
    }

    /// <summary>An unsigned JWT whose <c>exp</c> is <paramref name="lifetime"/> from now (the client only reads <c>exp</c>).</summary>
    public string Jwt(TimeSpan lifetime, string subject = "bob")
    {
        static string B64(string s) => Convert.ToBase64String(global::System.Text.Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = (GetUtcNow() + lifetime).ToUnixTimeSeconds();
        return B64("{\"alg\":\"none\"}") + "." + B64($"{{\"sub\":\"{subject}\",\"exp\":{exp}}}") + ".sig";
    }
}
