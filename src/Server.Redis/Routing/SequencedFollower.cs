using Switchboard.Server.Messaging;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Redis.Routing;

/// <summary>
/// One connection following one stream (a user stream or a room stream) on this node. Events reach a node twice over:
/// from its own commits and over pub/sub from the others, in no guaranteed order, and pub/sub may drop some. The
/// follower sends each seq once and in order: the next seq goes out at once, an older one is dropped, a gap makes it
/// read the missing events from Redis (where every published event already is) before going on.
/// </summary>
internal sealed class SequencedFollower(IConnection connection, Func<long, int, Task<IReadOnlyList<StoredFrame>>> readAfter, Action<IConnection, Exception> onReadFailed)
{
    private const int Page = 256;
    private readonly Lock _gate = new();
    private long _last;
    private bool _active;
    private bool _catchingUp;
    private bool _again;

    public IConnection Connection { get; } = connection;

    /// <summary>Starts following after <paramref name="lastSent"/> (what the replay sent); catches up at once.</summary>
    public void Start(long lastSent)
    {
        lock (_gate)
        {
            _last = lastSent;
            _active = true;
        }

        RequestCatchUp();
    }

    /// <summary>The last seq sent to the connection.</summary>
    public long Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>Offers one committed event.</summary>
    public void Offer(long seq, ReadOnlyMemory<byte> frame, Func<IConnection, byte[]?>? replyFrame = null)
    {
        lock (_gate)
        {
            if (!_active || seq <= _last)
            {
                return;
            }

            if (seq == _last + 1 && !_catchingUp)
            {
                var special = replyFrame?.Invoke(Connection);
                Connection.TrySend(special ?? frame);
                _last = seq;
                return;
            }
        }

        RequestCatchUp();
    }

    private void RequestCatchUp()
    {
        lock (_gate)
        {
            if (_catchingUp)
            {
                _again = true;
                return;
            }

            _catchingUp = true;
            _again = false;
        }

        _ = Task.Run(CatchUpAsync);
    }

    private async Task CatchUpAsync()
    {
        try
        {
            while (!Connection.Closed.IsCancellationRequested)
            {
                long from;
                lock (_gate)
                {
                    from = _last;
                }

                var frames = await readAfter(from, Page).ConfigureAwait(false);
                lock (_gate)
                {
                    foreach (var frame in frames)
                    {
                        // Redis holds every committed event, so a hole at the start of a read is retention (SB-DLV-011).
                        if (frame.Seq > _last)
                        {
                            Connection.TrySend(frame.Frame);
                            _last = frame.Seq;
                        }
                    }

                    if (frames.Count < Page)
                    {
                        if (!_again)
                        {
                            _catchingUp = false;
                            return;
                        }

                        _again = false;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _catchingUp = false;
            }

            onReadFailed(Connection, ex);
        }
        finally
        {
            lock (_gate)
            {
                if (Connection.Closed.IsCancellationRequested)
                {
                    _catchingUp = false;
                }
            }
        }
    }
}
