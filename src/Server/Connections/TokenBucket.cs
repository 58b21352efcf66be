namespace Switchboard.Server.Connections;

/// <summary>
/// Per-connection token bucket (rate per second, burst) plus abuse detection: more than <c>abuseLimit</c> rejected
/// commands within <c>abuseWindow</c> means the connection must be closed (4429). Not thread-safe: one receive loop
/// per connection uses it. Time comes from <see cref="TimeProvider.GetTimestamp"/>.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private readonly long _abuseLimit;
    private readonly long _abuseWindowTicks;
    private double _tokens;
    private long _last;
    private long _windowStart;
    private long _rejectedInWindow;

    public TokenBucket(TimeProvider time, int ratePerSecond, int burst, long abuseLimit, TimeSpan abuseWindow)
    {
        _time = time;
        _ratePerTick = ratePerSecond / (double)time.TimestampFrequency;
        _burst = burst;
        _tokens = burst;
        _abuseLimit = abuseLimit;
        _abuseWindowTicks = (long)(abuseWindow.TotalSeconds * time.TimestampFrequency);
        _last = time.GetTimestamp();
    }

    /// <summary>Takes one token. <paramref name="abusive"/> is set when the rejection count crossed the abuse limit.</summary>
    public bool TryTake(out bool abusive)
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + ((now - _last) * _ratePerTick));
        _last = now;
        abusive = false;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }

        if (_rejectedInWindow == 0 || now - _windowStart > _abuseWindowTicks)
        {
            _windowStart = now;
            _rejectedInWindow = 0;
        }

        _rejectedInWindow++;
        abusive = _rejectedInWindow > _abuseLimit;
        return false;
    }
}
