using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.Redis.Desk;

/// <summary>
/// The cluster <see cref="IDeskStateStore"/>: the desk's state in Redis under the one hash tag <c>{desk}</c>. Every
/// exclusive transition is one Lua script (<see cref="DeskScripts"/>), so it is decided atomically in Redis whichever
/// node runs it; reads are plain commands. Timestamps are Unix milliseconds.
/// </summary>
internal sealed class RedisDeskStore : IDeskStateStore
{
    /// <summary>Messages kept per conversation (lists return at most 1000; history uses the last 100).</summary>
    private const int MessagesKept = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer _redis;
    private readonly string _p;

    /// <summary>Creates the store on <paramref name="redis"/> with the cluster's key prefix.</summary>
    public RedisDeskStore(IConnectionMultiplexer redis, RedisNode node)
    {
        _redis = redis;
        _p = node.Keys.Prefix + ":{desk}:";
    }

    /// <inheritdoc />
    public bool IsShared => true;

    private IDatabase Db => _redis.GetDatabase();

    private RedisKey K(string name) => _p + name;

    private RedisKey Conv(string id) => K("c:" + id);

    private RedisKey Messages(string id) => K("m:" + id);

    private RedisKey Transfer(string id) => K("t:" + id);

    private RedisKey WorkOrder(string id) => K("wo:" + id);

    private RedisKey VisitorOpen => K("visitor-open");

    private RedisKey Waiting => K("waiting");

    private RedisKey Active => K("active");

    private RedisKey ClosedSet => K("closed");

    private RedisKey All => K("all");

    private RedisKey Open => K("open");

    private RedisKey PendingByConversation => K("t-pending-conv");

    private RedisKey PendingTargets => K("t-pending");

    private RedisKey Due => K("due");

    private RedisKey Tokens => K("due-token");

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset FromMs(RedisValue value) => DateTimeOffset.FromUnixTimeMilliseconds((long)value);

    private async Task<RedisResult[]> RunAsync(string script, RedisKey[] keys, RedisValue[] values) =>
        (RedisResult[])(await Db.ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false))!;

    // ---------------------------------------------------------------- queue and grab

    /// <inheritdoc />
    public async Task<EnqueueOutcome> EnqueueAsync(DeskConversation conversation, DeskMessage? firstMessage, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.Enqueue,
            [Conv(conversation.Id), VisitorOpen, Waiting, All, K("seq"), Messages(conversation.Id)],
            [
                conversation.Id, conversation.Visitor.User.Id, conversation.Visitor.User.Name, conversation.Visitor.User.Role,
                conversation.Visitor.Namespace, conversation.Topic ?? "", Ms(conversation.QueuedAt),
                firstMessage is null ? "" : JsonSerializer.Serialize(StoredMessage.From(firstMessage), Json),
            ]).ConfigureAwait(false);
        if ((int)r[0] == 0)
        {
            return new EnqueueOutcome(null, await GetConversationAsync((string)r[1]!, cancellationToken).ConfigureAwait(false));
        }

        return new EnqueueOutcome(await GetConversationAsync(conversation.Id, cancellationToken).ConfigureAwait(false), null);
    }

    /// <inheritdoc />
    public async Task<GrabOutcome> GrabAsync(string conversationId, DeskParty agent, DateTimeOffset now, DeskDeadline? idle, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.Grab,
            [Conv(conversationId), Waiting, Active, Due, Tokens],
            [
                agent.User.Id, agent.User.Name, agent.User.Role, agent.Namespace, Ms(now),
                idle?.Key ?? "", idle is null ? "" : Ms(idle.DueAt), idle?.Token ?? "",
            ]).ConfigureAwait(false);
        return (int)r[0] switch
        {
            0 => new GrabOutcome(GrabResult.NotFound, null),
            1 => new GrabOutcome(GrabResult.Won, ReadConversation(r, 1, null)),
            _ => new GrabOutcome(GrabResult.Lost, ReadConversation(r, 1, null)),
        };
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var r = await RunAsync(DeskScripts.GetConversation, [Conv(conversationId), Waiting], []).ConfigureAwait(false);
        if (r.Length == 0)
        {
            return null;
        }

        var rank = (long)r[0];
        return ReadConversation(r, 1, rank < 0 ? null : checked((int)rank + 1));
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> FindOpenConversationOfVisitorAsync(string visitorId, CancellationToken cancellationToken)
    {
        var id = await Db.HashGetAsync(VisitorOpen, visitorId).ConfigureAwait(false);
        return id.IsNull ? null : await GetConversationAsync(id!, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken)
    {
        var take = Math.Min(limit, int.MaxValue - 1);
        RedisValue[] ids;
        if (state == DeskConversationState.Waiting)
        {
            ids = await Db.SortedSetRangeByRankAsync(Waiting, 0, take - 1).ConfigureAwait(false);
        }
        else
        {
            var index = state switch
            {
                null => All,
                DeskConversationState.Active => Active,
                _ => ClosedSet,
            };
            ids = await Db.SortedSetRangeByRankAsync(index, 0, take - 1, Order.Descending).ConfigureAwait(false);
            Array.Reverse(ids);
        }

        var batch = Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAllAsync(Conv(id!))).ToArray();
        batch.Execute();
        var list = new List<DeskConversation>(ids.Length);
        for (var i = 0; i < reads.Length; i++)
        {
            var entries = await reads[i].ConfigureAwait(false);
            if (entries.Length > 0)
            {
                var conversation = ReadConversation(entries.ToDictionary(e => (string)e.Name!, e => e.Value), null);
                list.Add(state == DeskConversationState.Waiting ? conversation with { Position = i + 1 } : conversation);
            }
        }

        return list;
    }

    // ---------------------------------------------------------------- conversations

    /// <inheritdoc />
    public async Task<AppendOutcome> AppendMessageAsync(DeskMessage message, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.Append,
            [Conv(message.ConversationId), Messages(message.ConversationId)],
            [message.Sender.Id, JsonSerializer.Serialize(StoredMessage.From(message), Json), Ms(message.At), MessagesKept]).ConfigureAwait(false);
        return (int)r[0] switch
        {
            0 => new AppendOutcome(AppendResult.NotFound, null),
            1 => new AppendOutcome(AppendResult.Stored, ReadConversation(r, 1, null)),
            2 => new AppendOutcome(AppendResult.NotParticipant, ReadConversation(r, 1, null)),
            _ => new AppendOutcome(AppendResult.Closed, ReadConversation(r, 1, null)),
        };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit, CancellationToken cancellationToken)
    {
        var values = await Db.ListRangeAsync(Messages(conversationId), -limit, -1).ConfigureAwait(false);
        return [.. values.Select(v => JsonSerializer.Deserialize<StoredMessage>((string)v!, Json)!.ToMessage(conversationId))];
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> CloseAsync(string conversationId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var r = await RunAsync(DeskScripts.Close, ConversationCloseKeys(conversationId), [Ms(now), reason]).ConfigureAwait(false);
        return (int)r[0] == 1 ? ReadConversation(r, 1, null) : null;
    }

    private RedisKey[] ConversationCloseKeys(string conversationId) =>
        [Conv(conversationId), VisitorOpen, Waiting, Active, ClosedSet, Due, Tokens, Open];

    /// <inheritdoc />
    public async Task<OpenOutcome> SetOpenConversationAsync(string agentId, string ns, string? conversationId, CancellationToken cancellationToken)
    {
        var r = (int)await Db.ScriptEvaluateAsync(
            DeskScripts.SetOpen,
            [Open, Conv(string.IsNullOrEmpty(conversationId) ? "-" : conversationId)],
            [OpenField(agentId, ns), conversationId ?? "", agentId]).ConfigureAwait(false);
        return r switch
        {
            1 => OpenOutcome.Set,
            0 => OpenOutcome.NotFound,
            2 => OpenOutcome.NotOwner,
            _ => OpenOutcome.Closed,
        };
    }

    /// <inheritdoc />
    public async Task<string?> GetOpenConversationAsync(string agentId, string ns, CancellationToken cancellationToken) =>
        await Db.HashGetAsync(Open, OpenField(agentId, ns)).ConfigureAwait(false) is { IsNull: false } id ? (string)id! : null;

    private static string OpenField(string agentId, string ns) => agentId + "\n" + ns;

    // ---------------------------------------------------------------- transfers

    /// <inheritdoc />
    public async Task<TransferRequestOutcome> RequestTransferAsync(DeskTransfer transfer, DeskDeadline timeout, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.RequestTransfer,
            [Conv(transfer.ConversationId), Transfer(transfer.Id), PendingByConversation, PendingTargets, Due, Tokens],
            [
                transfer.Id, transfer.ConversationId, transfer.From.User.Id, transfer.From.User.Name, transfer.From.User.Role, transfer.From.Namespace,
                transfer.To.Id, transfer.To.Name, transfer.To.Role, transfer.Visitor.Id, transfer.Visitor.Name, transfer.Visitor.Role,
                transfer.Note ?? "", Ms(transfer.CreatedAt), Ms(transfer.ExpiresAt), timeout.Token,
            ]).ConfigureAwait(false);
        return (int)r[0] switch
        {
            1 => new TransferRequestOutcome(TransferRequestResult.Created, null),
            0 => new TransferRequestOutcome(TransferRequestResult.NotFound, null),
            2 => new TransferRequestOutcome(TransferRequestResult.NotOwner, null),
            3 => new TransferRequestOutcome(TransferRequestResult.Closed, null),
            _ => new TransferRequestOutcome(TransferRequestResult.AlreadyPending, await GetTransferAsync((string)r[1]!, cancellationToken).ConfigureAwait(false)),
        };
    }

    /// <inheritdoc />
    public async Task<AcceptOutcome> AcceptTransferAsync(string transferId, DeskParty acceptor, DateTimeOffset now, TimeSpan? idleWarnAfter, CancellationToken cancellationToken)
    {
        var before = await GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return new AcceptOutcome(AcceptResult.NotFound, null, null, null);
        }

        var r = await RunAsync(
            DeskScripts.Accept,
            [Transfer(transferId), Conv(before.ConversationId), PendingByConversation, PendingTargets, Due, Tokens, Open],
            [
                acceptor.User.Id, acceptor.User.Name, acceptor.User.Role, acceptor.Namespace, Ms(now),
                idleWarnAfter is { } warn ? ((long)warn.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "", DeskDeadline.NewToken(),
            ]).ConfigureAwait(false);
        var code = (int)r[0];
        var transfer = await GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
        switch (code)
        {
            case 0:
                return new AcceptOutcome(AcceptResult.NotFound, r.Length > 1 ? transfer : null, null, null);
            case 2:
                return new AcceptOutcome(AcceptResult.Expired, transfer, null, null);
            case 5:
                return new AcceptOutcome(AcceptResult.Expired, transfer, null, null, ExpiredNow: true);
            case 3:
                return new AcceptOutcome(AcceptResult.ConversationMoved, transfer, null, null);
        }

        var previous = new DeskParty((string)r[4]!, new DeskUser((string)r[1]!, (string)r[2]!, (string)r[3]!));
        var conversation = await GetConversationAsync(before.ConversationId, cancellationToken).ConfigureAwait(false);
        return new AcceptOutcome(AcceptResult.Accepted, transfer, conversation, previous);
    }

    /// <inheritdoc />
    public async Task<DeskTransfer?> ResolveTransferAsync(string transferId, DeskTransferState to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.Resolve,
            [Transfer(transferId), PendingByConversation, PendingTargets, Due, Tokens],
            [TransferStateName(to), Ms(now)]).ConfigureAwait(false);
        return (int)r[0] == 1 ? ReadTransfer(ToDictionary(r, 1)) : null;
    }

    /// <inheritdoc />
    public async Task<DeskTransfer?> GetTransferAsync(string transferId, CancellationToken cancellationToken)
    {
        var entries = await Db.HashGetAllAsync(Transfer(transferId)).ConfigureAwait(false);
        return entries.Length == 0 ? null : ReadTransfer(entries.ToDictionary(e => (string)e.Name!, e => e.Value));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersAsync(string conversationId, CancellationToken cancellationToken)
    {
        var id = await Db.HashGetAsync(PendingByConversation, conversationId).ConfigureAwait(false);
        if (id.IsNull)
        {
            return [];
        }

        return await GetTransferAsync(id!, cancellationToken).ConfigureAwait(false) is { State: DeskTransferState.Pending } t ? [t] : [];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersToAsync(string targetId, CancellationToken cancellationToken)
    {
        var list = new List<DeskTransfer>();
        foreach (var entry in await Db.HashGetAllAsync(PendingTargets).ConfigureAwait(false))
        {
            if ((string?)entry.Value == targetId
                && await GetTransferAsync(entry.Name!, cancellationToken).ConfigureAwait(false) is { State: DeskTransferState.Pending } t)
            {
                list.Add(t);
            }
        }

        return [.. list.OrderBy(t => t.CreatedAt)];
    }

    // ---------------------------------------------------------------- day access and agents

    private RedisKey DayPairs(string day) => K("day:" + day + ":pairs");

    private RedisKey DayCounts(string day) => K("day:" + day + ":counts");

    private RedisKey DayNames(string day) => K("day:" + day + ":names");

    /// <inheritdoc />
    public async Task<bool> TryAddDayAccessAsync(string day, DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (int)await Db.ScriptEvaluateAsync(DeskScripts.DayAccess, [DayPairs(day), DayCounts(day), DayNames(day)], [agent.Id, visitorId, agent.Name, agent.Role]).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async Task<DayAccessSnapshot> GetDayAccessAsync(string day, string agentId, CancellationToken cancellationToken)
    {
        var count = await Db.HashGetAsync(DayCounts(day), agentId).ConfigureAwait(false);
        var total = await Db.SetLengthAsync(DayPairs(day)).ConfigureAwait(false);
        return new DayAccessSnapshot(day, count.IsNull ? 0 : (long)count, total);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken)
    {
        var counts = await Db.HashGetAllAsync(DayCounts(day)).ConfigureAwait(false);
        var names = (await Db.HashGetAllAsync(DayNames(day)).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => ((string)e.Value!).Split('\n'));
        return
        [
            .. counts.Select(e =>
                {
                    var id = (string)e.Name!;
                    var nameRole = names.GetValueOrDefault(id) ?? [id, DeskRoles.Agent];
                    return new DayAccessLine(new DeskUser(id, nameRole[0], nameRole[^1]), (long)e.Value);
                })
                .Where(l => l.Count > 0)
                .OrderBy(l => l.Agent.Id, StringComparer.Ordinal),
        ];
    }

    /// <inheritdoc />
    public async Task UpsertAgentAsync(DeskParty agent, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Db.HashSetAsync(K("agents"), agent.User.Id, JsonSerializer.Serialize(new StoredAgent(agent.User.Name, agent.User.Role, agent.Namespace), Json)).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DeskParty?> GetAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var value = await Db.HashGetAsync(K("agents"), agentId).ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }

        var stored = JsonSerializer.Deserialize<StoredAgent>((string)value!, Json)!;
        return new DeskParty(stored.Ns, new DeskUser(agentId, stored.Name, stored.Role));
    }

    // ---------------------------------------------------------------- work orders

    /// <inheritdoc />
    public async Task InsertWorkOrderAsync(DeskWorkOrder order, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(WorkOrder(order.Id), [new("j", JsonSerializer.Serialize(order, Json)), new("updated", Ms(order.UpdatedAt))]);
        _ = transaction.SortedSetAddAsync(K("wo"), order.Id, order.CreatedAt.ToUnixTimeMilliseconds());
        _ = transaction.ListRightPushAsync(K("wo:" + order.Id + ":h"), HistoryLine(order, order.CreatedBy));
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskWorkOrder?> UpdateWorkOrderAsync(DeskWorkOrder updated, DateTimeOffset expectedUpdatedAt, DeskUser by, CancellationToken cancellationToken)
    {
        var r = (int)await Db.ScriptEvaluateAsync(
            DeskScripts.UpdateWorkOrder,
            [WorkOrder(updated.Id), K("wo:" + updated.Id + ":h")],
            [Ms(expectedUpdatedAt), JsonSerializer.Serialize(updated, Json), Ms(updated.UpdatedAt), HistoryLine(updated, by)]).ConfigureAwait(false);
        return r == 1 ? updated : null;
    }

    private static string HistoryLine(DeskWorkOrder order, DeskUser by) =>
        JsonSerializer.Serialize(new { status = order.Status, comment = order.Comment, by = by.Id, at = order.UpdatedAt.ToUnixTimeMilliseconds() }, Json);

    /// <inheritdoc />
    public async Task<DeskWorkOrder?> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken)
    {
        var json = await Db.HashGetAsync(WorkOrder(workOrderId), "j").ConfigureAwait(false);
        return json.IsNull ? null : JsonSerializer.Deserialize<DeskWorkOrder>((string)json!, Json);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken)
    {
        // Newest first through the creation index, filtered, until the limit; then creation order.
        const int Page = 500;
        var found = new List<DeskWorkOrder>();
        for (long start = 0; found.Count < limit; start += Page)
        {
            var ids = await Db.SortedSetRangeByRankAsync(K("wo"), start, start + Page - 1, Order.Descending).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                break;
            }

            foreach (var id in ids)
            {
                if (await GetWorkOrderAsync(id!, cancellationToken).ConfigureAwait(false) is { } order
                    && (assigneeId is null || order.Assignee?.Id == assigneeId)
                    && (status is null || order.Status == status))
                {
                    found.Add(order);
                    if (found.Count == limit)
                    {
                        break;
                    }
                }
            }
        }

        found.Reverse();
        return found;
    }

    // ---------------------------------------------------------------- deadlines

    /// <inheritdoc />
    public async Task ScheduleDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.SortedSetAddAsync(Due, deadline.Key, deadline.DueAt.ToUnixTimeMilliseconds());
        _ = transaction.HashSetAsync(Tokens, deadline.Key, deadline.Token);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CancelDeadlineAsync(string key, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(Due, key);
        _ = transaction.HashDeleteAsync(Tokens, key);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskDeadline>> ListDueDeadlinesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var r = await RunAsync(DeskScripts.ListDue, [Due, Tokens], [now.ToUnixTimeMilliseconds(), max]).ConfigureAwait(false);
        var list = new List<DeskDeadline>(r.Length / 3);
        for (var i = 0; i + 2 < r.Length; i += 3)
        {
            list.Add(new DeskDeadline((string)r[i]!, DateTimeOffset.FromUnixTimeMilliseconds((long)(double)r[i + 1]), (string)r[i + 2]!));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> NextDeadlineAsync(CancellationToken cancellationToken)
    {
        var first = await Db.SortedSetRangeByRankWithScoresAsync(Due, 0, 0).ConfigureAwait(false);
        return first.Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)first[0].Score);
    }

    /// <inheritdoc />
    public async Task<long> CountDeadlinesAsync(CancellationToken cancellationToken) =>
        await Db.SortedSetLengthAsync(Due).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DeskTransfer?> ClaimTransferTimeoutAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var r = await RunAsync(
            DeskScripts.ClaimTransferTimeout,
            [Due, Tokens, Transfer(deadline.EntityId), PendingByConversation, PendingTargets],
            [deadline.Key, deadline.Token, Ms(now)]).ConfigureAwait(false);
        return (int)r[0] == 1 ? ReadTransfer(ToDictionary(r, 1)) : null;
    }

    /// <inheritdoc />
    public async Task<IdleClaim> ClaimIdleAsync(DeskDeadline deadline, DateTimeOffset now, TimeSpan warnAfter, TimeSpan closeAfter, CancellationToken cancellationToken)
    {
        var id = deadline.EntityId;
        var r = await RunAsync(
            DeskScripts.ClaimIdle,
            [Due, Tokens, Conv(id), VisitorOpen, Waiting, Active, ClosedSet, Open],
            [deadline.Key, deadline.Token, Ms(now), (long)warnAfter.TotalMilliseconds, (long)closeAfter.TotalMilliseconds, DeskDeadline.NewToken()]).ConfigureAwait(false);
        return (int)r[0] switch
        {
            1 => new IdleClaim(IdleAction.Warn, ReadConversation(r, 2, null), FromMs((long)r[1])),
            2 => new IdleClaim(IdleAction.Closed, ReadConversation(r, 1, null)),
            _ => new IdleClaim(IdleAction.None, null),
        };
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> ClaimVisitorGraceAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var visitorId = deadline.EntityId;
        var conversationId = (string?)await Db.HashGetAsync(VisitorOpen, visitorId).ConfigureAwait(false) ?? "";
        var r = await RunAsync(
            DeskScripts.ClaimGrace,
            [Due, Tokens, Conv(conversationId.Length == 0 ? "-" : conversationId), VisitorOpen, Waiting, Active, ClosedSet, Open],
            [deadline.Key, deadline.Token, Ms(now), visitorId, conversationId]).ConfigureAwait(false);
        return (int)r[0] == 1 ? ReadConversation(r, 1, null) : null;
    }

    // ---------------------------------------------------------------- mapping

    private static Dictionary<string, RedisValue> ToDictionary(RedisResult[] r, int from)
    {
        var map = new Dictionary<string, RedisValue>(StringComparer.Ordinal);
        for (var i = from; i + 1 < r.Length; i += 2)
        {
            map[(string)r[i]!] = (RedisValue)r[i + 1];
        }

        return map;
    }

    private static DeskConversation ReadConversation(RedisResult[] r, int from, int? position) => ReadConversation(ToDictionary(r, from), position);

    private static DeskConversation ReadConversation(Dictionary<string, RedisValue> h, int? position)
    {
        var agent = h.TryGetValue("aid", out var aid)
            ? new DeskParty((string)h["ans"]!, new DeskUser((string)aid!, (string)h["aname"]!, (string)h["arole"]!))
            : null;
        var state = (string)h["state"]! switch
        {
            "waiting" => DeskConversationState.Waiting,
            "active" => DeskConversationState.Active,
            _ => DeskConversationState.Closed,
        };
        return new DeskConversation
        {
            Id = (string)h["id"]!,
            State = state,
            Visitor = new DeskParty((string)h["vns"]!, new DeskUser((string)h["vid"]!, (string)h["vname"]!, (string)h["vrole"]!)),
            Agent = agent,
            Topic = h.TryGetValue("topic", out var topic) ? (string?)topic : null,
            QueuedAt = FromMs(h["queued"]),
            ActivatedAt = h.TryGetValue("activated", out var activated) ? FromMs(activated) : null,
            ClosedAt = h.TryGetValue("closed", out var closed) ? FromMs(closed) : null,
            CloseReason = h.TryGetValue("reason", out var reason) ? (string?)reason : null,
            LastActivityAt = FromMs(h["last"]),
            Position = state == DeskConversationState.Waiting ? position : null,
        };
    }

    private static DeskTransfer ReadTransfer(Dictionary<string, RedisValue> h) => new()
    {
        Id = (string)h["id"]!,
        ConversationId = (string)h["cid"]!,
        From = new DeskParty((string)h["fns"]!, new DeskUser((string)h["fid"]!, (string)h["fname"]!, (string)h["frole"]!)),
        To = new DeskUser((string)h["tid"]!, (string)h["tname"]!, (string)h["trole"]!),
        Visitor = new DeskUser((string)h["vid"]!, (string)h["vname"]!, (string)h["vrole"]!),
        Note = h.TryGetValue("note", out var note) ? (string?)note : null,
        State = (string)h["state"]! switch
        {
            "pending" => DeskTransferState.Pending,
            "accepted" => DeskTransferState.Accepted,
            "refused" => DeskTransferState.Refused,
            "expired" => DeskTransferState.Expired,
            _ => DeskTransferState.Failed,
        },
        CreatedAt = FromMs(h["created"]),
        ExpiresAt = FromMs(h["expires"]),
        ResolvedAt = h.TryGetValue("resolved", out var resolved) ? FromMs(resolved) : null,
    };

    private static string TransferStateName(DeskTransferState state) => state switch
    {
        DeskTransferState.Pending => "pending",
        DeskTransferState.Accepted => "accepted",
        DeskTransferState.Refused => "refused",
        DeskTransferState.Expired => "expired",
        _ => "failed",
    };

    private sealed record StoredMessage(string Id, string SenderId, string SenderName, string SenderRole, string Data, long At)
    {
        public static StoredMessage From(DeskMessage m) => new(m.Id, m.Sender.Id, m.Sender.Name, m.Sender.Role, m.Data, m.At.ToUnixTimeMilliseconds());

        public DeskMessage ToMessage(string conversationId) =>
            new(Id, conversationId, new DeskUser(SenderId, SenderName, SenderRole), Data, DateTimeOffset.FromUnixTimeMilliseconds(At));
    }

    private sealed record StoredAgent(string Name, string Role, string Ns);
}
