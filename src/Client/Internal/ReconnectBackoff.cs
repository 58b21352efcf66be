namespace Switchboard.Client.Internal;

/// <summary>Capped exponential backoff with jitter, computed from <see cref="SwitchboardReconnectOptions"/>.</summary>
internal sealed class ReconnectBackoff
{
    private readonly SwitchboardReconnectOptions _options;
    private readonly Func<double> _random;

    public ReconnectBackoff(SwitchboardReconnectOptions options, Func<double>? random = null)
    {
        _options = options;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The delay before the 1-based <paramref name="attempt"/>.</summary>
    public TimeSpan GetDelay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var max = _options.MaxDelay.TotalMilliseconds;
        var baseMs = _options.InitialDelay.TotalMilliseconds * Math.Pow(_options.BackoffMultiplier, Math.Min(attempt - 1, 64));
        if (double.IsInfinity(baseMs) || baseMs > max)
        {
            baseMs = max;
        }

        var jitter = _options.JitterFactor;
        var factor = 1.0 - jitter + (2.0 * jitter * _random());
        var ms = Math.Min(max, Math.Max(0, baseMs * factor));
        return TimeSpan.FromMilliseconds(ms);
    }
}
