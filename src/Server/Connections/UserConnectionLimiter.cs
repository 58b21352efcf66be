using Microsoft.Extensions.Options;
using Switchboard.Server.Options;

namespace Switchboard.Server.Connections;

/// <summary>
/// SB-LIM-009: counts the open connections of each user (over both namespaces) and refuses one beyond
/// <see cref="LimitsOptions.MaxConnectionsPerUser"/>. A slot is taken atomically before the connection is opened, so
/// concurrent handshakes of the same user cannot overshoot the cap.
/// </summary>
internal sealed class UserConnectionLimiter(IOptions<SwitchboardOptions> options)
{
    private readonly int _max = options.Value.Limits.MaxConnectionsPerUser;
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Takes a slot for <paramref name="userId"/>; false when the user is at the cap.</summary>
    public bool TryAcquire(string userId)
    {
        lock (_open)
        {
            _open.TryGetValue(userId, out var count);
            if (count >= _max)
            {
                return false;
            }

            _open[userId] = count + 1;
            return true;
        }
    }

    /// <summary>Returns a slot taken with <see cref="TryAcquire"/>.</summary>
    public void Release(string userId)
    {
        lock (_open)
        {
            if (_open.TryGetValue(userId, out var count))
            {
                if (count <= 1)
                {
                    _open.Remove(userId);
                }
                else
                {
                    _open[userId] = count - 1;
                }
            }
        }
    }

    /// <summary>The open connections counted for <paramref name="userId"/>.</summary>
    public int OpenConnections(string userId)
    {
        lock (_open)
        {
            return _open.TryGetValue(userId, out var count) ? count : 0;
        }
    }
}
