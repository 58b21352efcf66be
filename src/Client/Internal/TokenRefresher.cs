using Microsoft.Extensions.Logging;
using Switchboard.Protocol;

namespace Switchboard.Client.Internal;

/// <summary>
/// Keeps one connection's token fresh: due after <see cref="SwitchboardClientOptions.TokenRefreshRatio"/> of the token's
/// remaining lifetime (SB-AUTH-021), it obtains a new token and sends <c>REFRESH_TOKEN</c>.
/// </summary>
internal sealed class TokenRefresher
{
    private static readonly TimeSpan s_retryAfterFailure = TimeSpan.FromSeconds(5);

    private readonly double _ratio;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private DateTimeOffset? _refreshAt;

    public TokenRefresher(string token, double ratio, TimeProvider time)
    {
        _ratio = ratio;
        _time = time;
        Schedule(token, null);
    }

    /// <summary>When the next refresh is due; <see langword="null"/> = never (disabled, not a JWT, or already expired).</summary>
    public DateTimeOffset? RefreshAt
    {
        get
        {
            lock (_gate)
            {
                return _refreshAt;
            }
        }
    }

    /// <summary>Whether a refresh is due now; claims it (the next call returns false until rescheduled).</summary>
    public bool TryClaimDue()
    {
        lock (_gate)
        {
            if (_refreshAt is { } at && _time.GetUtcNow() >= at)
            {
                _refreshAt = null;
                return true;
            }

            return false;
        }
    }

    /// <summary>Obtains a new token, sends it with <paramref name="send"/> and schedules the next refresh; on failure tries again shortly.</summary>
    public async Task RefreshAsync(
        Func<CancellationToken, ValueTask<string>> tokenProvider,
        Func<string, CancellationToken, ValueTask<AckEvent>> send,
        ILogger logger,
        CancellationToken lifetime)
    {
        try
        {
            var token = await tokenProvider(lifetime).ConfigureAwait(false);
            var ack = await send(token, lifetime).ConfigureAwait(false);
            Schedule(token, null);
            if (RefreshAt is null && ack.ExpiresAt is { } expiresAt)
            {
                Schedule(token, expiresAt);
            }

            SwitchboardClient.Log.TokenRefreshed(logger, RefreshAt);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            SwitchboardClient.Log.TokenRefreshFailed(logger, ex);
            if (!lifetime.IsCancellationRequested)
            {
                // At expiry the server closes with 4419 and the reconnect fetches a new token anyway.
                lock (_gate)
                {
                    _refreshAt = _time.GetUtcNow() + s_retryAfterFailure;
                }
            }
        }
    }

    private void Schedule(string token, DateTimeOffset? serverExpiry)
    {
        DateTimeOffset? at = null;
        if (_ratio > 0 && (serverExpiry is { } expiresAt || JwtExpiry.TryGetExpiry(token, out expiresAt)))
        {
            var now = _time.GetUtcNow();
            var remaining = expiresAt - now;
            at = remaining <= TimeSpan.Zero ? null : now + (remaining * _ratio);
        }

        lock (_gate)
        {
            _refreshAt = at;
        }
    }
}
