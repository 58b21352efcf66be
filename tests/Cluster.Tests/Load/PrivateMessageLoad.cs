using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Switchboard.Server.Testing;
using Switchboard.Server.Testing.Cluster;

namespace Switchboard.Cluster.Tests.Load;

/// <summary>
/// The failure tests' load: <see cref="Senders"/> senders push private messages (one in flight each, with a cid) to
/// receivers spread over every node; a message counts as acknowledged when SEND_MESSAGE_SUCCESS came back. A client
/// whose connection breaks (node killed, Redis gone, CLOSE) moves to the next node that accepts it — a receiver resumes
/// with <c>since</c> = its last seq and its epoch. Everything is bounded: a fixed number of messages per sender,
/// one overall deadline, a bounded number of reconnect attempts, and per-request timeouts.
/// The receivers record every PRIVATE_MESSAGE; <see cref="Verify"/> states loss, duplicates and order.
/// </summary>
internal sealed class PrivateMessageLoad
{
    private readonly SwitchboardClusterFixture _cluster;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..6];
    private readonly ConcurrentDictionary<string, (string Receiver, int Sender, int N)> _acked = new(StringComparer.Ordinal);
    private readonly List<Receiver> _receivers = [];
    private readonly ConcurrentQueue<string> _events = new();
    private int _ackedCount;
    private int _unconfirmed;
    private int _reconnects;

    public PrivateMessageLoad(SwitchboardClusterFixture cluster, int senders = 4, int receiversPerNode = 2, int messagesPerSender = 500)
    {
        _cluster = cluster;
        Senders = senders;
        MessagesPerSender = messagesPerSender;
        for (var node = 0; node < cluster.Nodes.Count; node++)
        {
            for (var k = 0; k < receiversPerNode; k++)
            {
                _receivers.Add(new Receiver(this, $"rcv{_receivers.Count}-{_runId}", node));
            }
        }
    }

    public int Senders { get; }

    public int MessagesPerSender { get; }

    /// <summary>Messages acknowledged so far (SEND_MESSAGE_SUCCESS received).</summary>
    public int Acknowledged => Volatile.Read(ref _ackedCount);

    /// <summary>Sends whose outcome is unknown (the connection broke before the reply): allowed to arrive or not.</summary>
    public int Unconfirmed => Volatile.Read(ref _unconfirmed);

    /// <summary>Reconnects made by senders and receivers.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Close statuses and errors the clients saw (for the test output).</summary>
    public IReadOnlyCollection<string> Events => _events;

    /// <summary>Every connection loss a client saw: the node it was on and the WebSocket close status (null = no close
    /// frame, e.g. TCP reset by a killed node).</summary>
    public ConcurrentQueue<(int Node, int? Status)> Closes { get; } = new();

    /// <summary>Node indexes the clients must not (re)connect to, e.g. a killed node.</summary>
    public ConcurrentDictionary<int, bool> AvoidNodes { get; } = new();

    /// <summary>Connects every receiver (each creates its durable stream) on its home node.</summary>
    public Task ConnectReceiversAsync(CancellationToken cancellationToken) => Task.WhenAll(_receivers.Select(r => r.ConnectFirstAsync(cancellationToken)));

    /// <summary>Runs the senders to the end (each sends <see cref="MessagesPerSender"/> messages, acknowledged or not).</summary>
    public Task RunSendersAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Senders).Select(i => Task.Run(() => SendAllAsync(i, cancellationToken), cancellationToken)));

    /// <summary>Waits until every receiver holds every acknowledged message addressed to it (or the token fires).</summary>
    public async Task WaitUntilDeliveredAsync(CancellationToken cancellationToken)
    {
        foreach (var receiver in _receivers)
        {
            await receiver.WaitForAsync(() => _acked.Values.Where(a => a.Receiver == receiver.User).Select(a => (a.Sender, a.N)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the receivers' connections.</summary>
    public async Task StopAsync()
    {
        foreach (var receiver in _receivers)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Loss (acknowledged, never delivered), duplicates (same message twice) and order violations per receiver.</summary>
    public LoadVerdict Verify()
    {
        var lost = new List<string>();
        var duplicates = new List<string>();
        var disorder = new List<string>();
        foreach (var receiver in _receivers)
        {
            var received = receiver.Received;
            var seen = new HashSet<(int, int)>();
            var lastPerSender = new Dictionary<int, int>();
            long? lastSeq = null;
            foreach (var (seq, sender, n) in received)
            {
                if (!seen.Add((sender, n)))
                {
                    duplicates.Add($"{receiver.User}: s{sender}#{n} (seq {seq})");
                }

                if (lastSeq is not null && seq != lastSeq + 1)
                {
                    disorder.Add($"{receiver.User}: seq {seq} after {lastSeq}");
                }

                if (lastPerSender.TryGetValue(sender, out var before) && n <= before)
                {
                    disorder.Add($"{receiver.User}: s{sender}#{n} after #{before}");
                }

                lastSeq = seq;
                lastPerSender[sender] = n;
            }

            foreach (var a in _acked.Values.Where(a => a.Receiver == receiver.User))
            {
                if (!seen.Contains((a.Sender, a.N)))
                {
                    lost.Add($"{receiver.User}: s{a.Sender}#{a.N}");
                }
            }
        }

        return new LoadVerdict(Acknowledged, _receivers.Sum(r => r.Received.Count), lost, duplicates, disorder);
    }

    private string SenderUser(int i) => $"snd{i}-{_runId}";

    private void Note(string text) => _events.Enqueue(text);

    private async Task SendAllAsync(int index, CancellationToken cancellationToken)
    {
        var home = index % _cluster.Nodes.Count;
        var session = await ConnectAnywhereAsync(home, SenderUser(index), null, null, cancellationToken).ConfigureAwait(false);
        var errors = 0;
        try
        {
            for (var n = 1; n <= MessagesPerSender; n++)
            {
                var receiver = _receivers[(index + n) % _receivers.Count];
                var data = $"{index}:{n}";
                TestEnvelope reply;
                try
                {
                    reply = await session.Session.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = receiver.User, data }, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.Net.WebSockets.WebSocketException or IOException)
                {
                    // The connection broke (or stalled) before the reply: the message may or may not be stored.
                    Interlocked.Increment(ref _unconfirmed);
                    Note($"sender {index} on node {session.Node} at #{n}: {Describe(ex, session.Session)}");
                    RecordClose(session.Node, session.Session);
                    await session.Session.DisposeAsync().ConfigureAwait(false);
                    session = await ConnectAnywhereAsync(session.Node + 1, SenderUser(index), null, null, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _reconnects);
                    continue;
                }

                if (reply.Event == "SEND_MESSAGE_SUCCESS")
                {
                    _acked[data] = (receiver.User, index, n);
                    Interlocked.Increment(ref _ackedCount);
                    errors = 0;
                }
                else if (++errors <= 200)
                {
                    // An ERROR reply (e.g. the node cannot reach Redis) says "not stored": send the same message again
                    // after a short step (a duplicate would then show up at the receiver), at most 200 times in a row.
                    Note($"sender {index} on node {session.Node} at #{n}: {reply.Raw}");
                    n--;
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    throw new InvalidOperationException($"sender {index}: 200 ERROR replies in a row: {reply.Raw}");
                }
            }
        }
        finally
        {
            await session.Session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void RecordClose(int node, TestSession session)
    {
        var closed = session.Client.Closed;
        Closes.Enqueue((node, closed.IsCompletedSuccessfully ? (int?)closed.Result.Status : null));
    }

    private static string Describe(Exception ex, TestSession session) =>
        session.Client.Closed.IsCompleted ? $"closed {session.Client.Closed.Result.Status} {session.Client.Closed.Result.Description}" : ex.GetType().Name + " " + ex.Message;

    /// <summary>
    /// Connects to the first node from <paramref name="start"/> (round-robin) that accepts; bounded to 120 attempts
    /// (about 20 s at the fixed 500 ms step between full rounds of three nodes), which covers a node or Redis coming back.
    /// </summary>
    private async Task<(TestSession Session, int Node)> ConnectAnywhereAsync(int start, string user, long? since, string? epoch, CancellationToken cancellationToken)
    {
        var nodes = _cluster.Nodes.Count;
        Exception? last = null;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var node = (start + attempt) % nodes;
            if (AvoidNodes.ContainsKey(node) || _cluster.Nodes[node].ProcessId is null)
            {
                continue;
            }

            try
            {
                var session = await _cluster.ConnectAsync(node, user, since: since, epoch: epoch, cancellationToken: cancellationToken).ConfigureAwait(false);
                return (session, node);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or InvalidOperationException or TimeoutException or IOException or HttpRequestException)
            {
                last = ex;
            }

            if ((attempt + 1) % nodes == 0)
            {
                // A full round refused: the cluster is recovering (e.g. Redis restarting). Retry at a fixed step.
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"{user} could not connect to any node.", last);
    }

    private sealed class Receiver(PrivateMessageLoad load, string user, int home) : IAsyncDisposable
    {
        private readonly List<(long Seq, int Sender, int N)> _received = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _changed = new(0);
        private Task? _loop;
        private string? _epoch;
        private long _lastSeq;

        public string User { get; } = user;

        public IReadOnlyList<(long Seq, int Sender, int N)> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public async Task ConnectFirstAsync(CancellationToken cancellationToken)
        {
            var (session, node) = await load.ConnectAnywhereAsync(home, User, null, null, cancellationToken).ConfigureAwait(false);
            _epoch = session.Epoch;
            _lastSeq = session.Connect.GetInt64("seq");
            _loop = Task.Run(() => RunAsync(session, node));
        }

        public async Task WaitForAsync(Func<IEnumerable<(int Sender, int N)>> expected, CancellationToken cancellationToken)
        {
            while (true)
            {
                HashSet<(int, int)> have;
                lock (_received)
                {
                    have = [.. _received.Select(r => (r.Sender, r.N))];
                }

                if (expected().All(have.Contains))
                {
                    return;
                }

                // Woken by every received message; the periodic wake-up only re-checks (the condition decides).
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_loop is not null)
            {
                try
                {
                    await _loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
                {
                }
            }

            _stop.Dispose();
        }

        private async Task RunAsync(TestSession session, int node)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    TestEnvelope envelope;
                    try
                    {
                        envelope = await session.Client.ReceiveAsync(TimeSpan.FromMinutes(5), _stop.Token).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        continue; // nothing for a while: keep listening (the test's deadline bounds the run)
                    }
                    catch (InvalidOperationException)
                    {
                        // The connection closed (node killed, Redis lost): resume on another node from the last seq.
                        load.Note($"receiver {User} on node {node}: closed {session.Client.Closed.Result.Status} {session.Client.Closed.Result.Description}");
                        load.RecordClose(node, session);
                        await session.DisposeAsync().ConfigureAwait(false);
                        (session, node) = await load.ConnectAnywhereAsync(node + 1, User, _lastSeq, _epoch, _stop.Token).ConfigureAwait(false);
                        Interlocked.Increment(ref load._reconnects);
                        if (session.Epoch != _epoch || !session.Connect.GetBoolean("recovered"))
                        {
                            load.Note($"receiver {User}: resume on node {node} not recovered (epoch {session.Epoch} vs {_epoch}): {session.Connect.Raw}");
                        }

                        continue;
                    }

                    if (envelope.Event != "PRIVATE_MESSAGE" || envelope.Seq is not { } seq)
                    {
                        continue;
                    }

                    var data = envelope.GetString("data") ?? string.Empty;
                    var colon = data.IndexOf(':', StringComparison.Ordinal);
                    var sender = int.Parse(data.AsSpan(0, colon), CultureInfo.InvariantCulture);
                    var n = int.Parse(data.AsSpan(colon + 1), CultureInfo.InvariantCulture);
                    lock (_received)
                    {
                        _received.Add((seq, sender, n));
                    }

                    _lastSeq = seq;
                    _changed.Release();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            finally
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

/// <summary>What the receivers saw against what was acknowledged.</summary>
internal sealed record LoadVerdict(int Acknowledged, int Received, IReadOnlyList<string> Lost, IReadOnlyList<string> Duplicates, IReadOnlyList<string> Disorder)
{
    public override string ToString() =>
        $"acknowledged {Acknowledged}, received {Received}, lost {Lost.Count} [{string.Join(", ", Lost.Take(10))}], " +
        $"duplicates {Duplicates.Count} [{string.Join(", ", Duplicates.Take(10))}], disorder {Disorder.Count} [{string.Join(", ", Disorder.Take(10))}]";
}

/// <summary>A stopwatch for the test output.</summary>
internal static class Elapsed
{
    public static string Since(long started) => $"{Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s";
}
