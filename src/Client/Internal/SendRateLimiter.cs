namespace Switchboard.Client.Internal;

/// <summary>
/// Client-side token bucket mirroring the server's per-connection limit advertised in CONNECT
/// (<c>rate_limit_per_second</c>, <c>rate_limit_burst</c>; SB-LIM-008): a send that would exceed it waits instead of being
/// dropped by the server with RATE_LIMITED. A small safety margin absorbs frames bunching up on the way.
/// </summary>
internal sealed class SendRateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    public SendRateLimiter(int perSecond, int burst, TimeProvider time)
    {
        _time = time;
        _perSecond = Math.Max(1.0, perSecond * 0.95);
        _capacity = Math.Max(1.0, Math.Floor(burst * 0.9));
        _tokens = _capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes one token, waiting when the bucket is empty.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _perSecond));
            _last = now;
            _tokens -= 1;
            if (_tokens >= 0)
            {
                return ValueTask.CompletedTask;
            }

            wait = TimeSpan.FromSeconds(-_tokens / _perSecond);
        }

        return new ValueTask(Task.Delay(wait, _time, cancellationToken));
    }
}
