namespace Switchboard.Client;

/// <summary>
/// Decides whether and when a <see cref="SwitchboardClient"/> tries to reconnect after it lost a connection
/// (as SignalR's <c>IRetryPolicy</c>). Set it with <see cref="SwitchboardReconnectOptions.RetryPolicy"/>; the default is
/// <see cref="SwitchboardBackoffRetryPolicy"/> built from the other <see cref="SwitchboardReconnectOptions"/>.
/// </summary>
/// <remarks>
/// Only consulted for retryable losses: a close code the spec marks non-retryable (1000, 4400, 4403, 4413, a repeated
/// 4401) stops reconnecting whatever the policy says, and <see cref="SwitchboardReconnectOptions.Enabled"/> =
/// <see langword="false"/> disables reconnection altogether. Called on the client's reconnect loop, one call at a time.
/// </remarks>
public interface ISwitchboardRetryPolicy
{
    /// <summary>
    /// The delay before the next reconnect attempt, or <see langword="null"/> to stop reconnecting (the client becomes
    /// <see cref="SwitchboardConnectionState.Disconnected"/>). A negative delay counts as zero.
    /// </summary>
    TimeSpan? NextRetryDelay(SwitchboardRetryContext context);
}

/// <summary>What <see cref="ISwitchboardRetryPolicy.NextRetryDelay"/> knows about the current outage.</summary>
public sealed class SwitchboardRetryContext
{
    /// <summary>Creates a context (the client does; public so that a policy can be unit-tested).</summary>
    /// <param name="previousRetryCount">Reconnect attempts already made in this outage.</param>
    /// <param name="elapsedTime">Time since the connection was lost.</param>
    /// <param name="retryReason">Why the last attempt failed; <see langword="null"/> before the first.</param>
    /// <param name="lostConnection">How the connection that started the outage ended.</param>
    public SwitchboardRetryContext(int previousRetryCount, TimeSpan elapsedTime, Exception? retryReason, SwitchboardCloseInfo lostConnection)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(previousRetryCount);
        ArgumentNullException.ThrowIfNull(lostConnection);
        PreviousRetryCount = previousRetryCount;
        ElapsedTime = elapsedTime;
        RetryReason = retryReason;
        LostConnection = lostConnection;
    }

    /// <summary>Reconnect attempts already made in this outage (0 when asked for the first delay).</summary>
    public int PreviousRetryCount { get; }

    /// <summary>Time since the connection was lost (from the client's <see cref="TimeProvider"/>).</summary>
    public TimeSpan ElapsedTime { get; }

    /// <summary>Why the last attempt failed; <see langword="null"/> when asked for the first delay.</summary>
    public Exception? RetryReason { get; }

    /// <summary>How the connection that started this outage ended.</summary>
    public SwitchboardCloseInfo LostConnection { get; }
}

/// <summary>
/// The default retry policy: at most <see cref="SwitchboardReconnectOptions.MaxAttempts"/> attempts, the n-th after
/// <c>InitialDelay · BackoffMultiplier^(n-1)</c>, randomised by ±<see cref="SwitchboardReconnectOptions.JitterFactor"/> and
/// capped at <see cref="SwitchboardReconnectOptions.MaxDelay"/> (socket.io's defaults, seed 001's 10 attempts).
/// </summary>
public sealed class SwitchboardBackoffRetryPolicy : ISwitchboardRetryPolicy
{
    private readonly int _maxAttempts;
    private readonly TimeSpan _initialDelay;
    private readonly TimeSpan _maxDelay;
    private readonly double _multiplier;
    private readonly double _jitter;
    private readonly Func<double> _random;

    /// <summary>A policy with the values of <paramref name="options"/> (copied now; later changes are not seen).</summary>
    public SwitchboardBackoffRetryPolicy(SwitchboardReconnectOptions options)
        : this(options, Random.Shared.NextDouble)
    {
    }

    /// <summary>For tests: <paramref name="random"/> returns the jitter draw in [0, 1).</summary>
    internal SwitchboardBackoffRetryPolicy(SwitchboardReconnectOptions options, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxAttempts = options.MaxAttempts;
        _initialDelay = options.InitialDelay;
        _maxDelay = options.MaxDelay;
        _multiplier = options.BackoffMultiplier;
        _jitter = options.JitterFactor;
        _random = random;
    }

    /// <inheritdoc />
    public TimeSpan? NextRetryDelay(SwitchboardRetryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.PreviousRetryCount >= _maxAttempts ? null : GetDelay(context.PreviousRetryCount + 1);
    }

    /// <summary>The delay before the 1-based <paramref name="attempt"/>, ignoring the attempt limit.</summary>
    public TimeSpan GetDelay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var max = _maxDelay.TotalMilliseconds;
        var baseMs = _initialDelay.TotalMilliseconds * Math.Pow(_multiplier, Math.Min(attempt - 1, 64));
        if (double.IsInfinity(baseMs) || baseMs > max)
        {
            baseMs = max;
        }

        var factor = 1.0 - _jitter + (2.0 * _jitter * _random());
        var ms = Math.Min(max, Math.Max(0, baseMs * factor));
        return TimeSpan.FromMilliseconds(ms);
    }
}
