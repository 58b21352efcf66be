using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Server.Messaging;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Redis.Routing;

/// <summary>
/// <see cref="IDurableFanout"/> for cluster mode. A node subscribes to the sharded channel of a user
/// (<c>{u:ns:user}:ch</c>) while it holds a connection of that user (reference counted), before the connection's replay
/// reads the stream; each registered connection is then followed by a <see cref="SequencedFollower"/> fed by this
/// node's commits and by the other nodes' publishes, so live delivery continues the replay without gap or duplicate
/// (SB-DLV-003/006) wherever the event was appended. The channel also carries live frames for the user (kind <c>l</c>).
/// </summary>
internal sealed partial class RedisStreamFanout : IDurableFanout
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisNode _node;
    private readonly IMessageStore _store;
    private readonly RedisAvailability _availability;
    private readonly Presence.RedisPresenceService _presence;
    private readonly ILogger<RedisStreamFanout> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Ns, string User), UserEntry> _users = [];
    private readonly Dictionary<IConnection, UserEntry> _members = new(ReferenceEqualityComparer.Instance);

    public RedisStreamFanout(IConnectionMultiplexer redis, RedisNode node, IMessageStore store, IConnectionRegistry registry, RedisAvailability availability, Presence.RedisPresenceService presence, ILogger<RedisStreamFanout> logger)
    {
        _presence = presence;
        _redis = redis;
        _node = node;
        _store = store;
        _availability = availability;
        _logger = logger;
        registry.ConnectionClosed += change => Closed(change.Connection);
    }

    public async ValueTask OpeningAsync(IConnection connection, CancellationToken cancellationToken)
    {
        _availability.ThrowIfUnavailable();
        UserEntry entry;
        lock (_gate)
        {
            var key = (connection.Namespace, connection.User.Id);
            if (!_users.TryGetValue(key, out entry!))
            {
                _users[key] = entry = new UserEntry(key.Namespace, key.Id);
                var channel = _node.Keys.UserChannel(key.Namespace, key.Id);
                entry.Channel = channel;
                entry.Handler = (_, value) => OnMessage(entry, (byte[]?)value);
                entry.Subscribed = _redis.GetSubscriber().SubscribeAsync(channel, entry.Handler);
            }

            entry.Count++;
            _members[connection] = entry;
        }

        await entry.Subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask OpenedAsync(IConnection connection, long replayedThrough, CancellationToken cancellationToken)
    {
        // In the cluster's online list before its CONNECT is written: whatever the client does after CONNECT (or
        // tells others to do) sees it online, as on the single node (presence failures are logged, never thrown).
        await _presence.EnsureRegisteredAsync(connection).ConfigureAwait(false);
        StartFollowing(connection, replayedThrough);
    }

    private void StartFollowing(IConnection connection, long replayedThrough)
    {
        UserEntry? entry;
        SequencedFollower follower;
        lock (_gate)
        {
            if (!_members.TryGetValue(connection, out entry))
            {
                return;
            }

            follower = new SequencedFollower(connection, (after, limit) => ReadAsync(entry.Ns, entry.User, after, limit), _availability.OnConnectionReadFailed);
            entry.Followers = [.. entry.Followers, follower];
        }

        follower.Start(replayedThrough);
    }

    public void Closed(IConnection connection)
    {
        UserEntry? unsubscribe = null;
        lock (_gate)
        {
            if (!_members.Remove(connection, out var entry))
            {
                return;
            }

            entry.Followers = [.. entry.Followers.Where(f => !ReferenceEquals(f.Connection, connection))];
            if (--entry.Count == 0)
            {
                _users.Remove((entry.Ns, entry.User));
                unsubscribe = entry;
            }
        }

        if (unsubscribe is not null)
        {
            _ = UnsubscribeAsync(unsubscribe);
        }
    }

    public void Deliver(string ns, string userId, StoredFrame frame, Func<IConnection, byte[]?>? replyFrame)
    {
        SequencedFollower[] followers;
        lock (_gate)
        {
            followers = _users.TryGetValue((ns, userId), out var entry) ? entry.Followers : [];
        }

        foreach (var follower in followers)
        {
            follower.Offer(frame.Seq, frame.Frame, replyFrame);
        }
    }

    private void OnMessage(UserEntry entry, byte[]? payload)
    {
        if (!BusMessage.TryParse(payload, out var message) || message.Origin == _node.Id)
        {
            return; // this node's own events were delivered from its commit (with the reply's cid where due)
        }

        var followers = entry.Followers;
        switch (message.Kind)
        {
            case 'd':
                var seq = message.ArgAsLong;
                foreach (var follower in followers)
                {
                    follower.Offer(seq, message.Frame);
                }

                break;
            case 'l':
                foreach (var follower in followers)
                {
                    follower.Connection.TrySend(message.Frame);
                }

                break;
        }
    }

    private async Task<IReadOnlyList<StoredFrame>> ReadAsync(string ns, string user, long after, int limit)
        => await _store.ReadAsync(ns, user, after, limit).ConfigureAwait(false);

    private async Task UnsubscribeAsync(UserEntry entry)
    {
        try
        {
            await entry.Subscribed.ConfigureAwait(false);
            await _redis.GetSubscriber().UnsubscribeAsync(entry.Channel, entry.Handler).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogUnsubscribeFailed(_logger, entry.Channel.ToString(), ex);
        }
    }

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Unsubscribing from {Channel} failed.")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string channel, Exception exception);

    private sealed class UserEntry(string ns, string user)
    {
        public string Ns { get; } = ns;

        public string User { get; } = user;

        public int Count { get; set; }

        public RedisChannel Channel { get; set; }

        public Action<RedisChannel, RedisValue> Handler { get; set; } = static (_, _) => { };

        public Task Subscribed { get; set; } = Task.CompletedTask;

        /// <summary>Copy-on-write: readers take the array without the lock.</summary>
        public SequencedFollower[] Followers { get; set; } = [];
    }
}
