using System.Globalization;
using Microsoft.Data.Sqlite;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.Storage;

namespace Switchboard.Server.ServiceDesk.Persistence;

/// <summary>
/// The single-node <see cref="IDeskStateStore"/>: the desk's tables in the server's SQLite database. Every exclusive
/// transition is one write transaction on the core's single writer connection whose compare-and-set updates
/// (<c>WHERE state = ...</c>, affected rows = 1) decide it; reads use pooled connections. Timestamps are Unix ms.
/// </summary>
internal sealed class SqliteDeskStore : IDeskStateStore
{
    private const string ConversationColumns =
        "id, state, visitor_id, visitor_name, visitor_role, visitor_ns, agent_id, agent_name, agent_role, agent_ns, topic, queued_at, activated_at, closed_at, close_reason, last_activity_at";

    private const string PositionColumn =
        "CASE WHEN state = 'waiting' THEN (SELECT COUNT(*) FROM desk_conversations w WHERE w.state = 'waiting' AND w.seqno <= desk_conversations.seqno) END";

    private const string TransferColumns =
        "id, conversation_id, from_id, from_name, from_role, from_ns, to_id, to_name, to_role, visitor_id, visitor_name, visitor_role, note, state, created_at, expires_at, resolved_at";

    private const string WorkOrderColumns =
        "id, title, body, status, assignee_id, assignee_name, assignee_role, created_by_id, created_by_name, created_by_role, conversation_id, comment, created_at, updated_at";

    private readonly SqliteDatabase _db;

    /// <summary>Creates the store over the server's shared database (tables from <see cref="ServiceDeskSchema"/>).</summary>
    public SqliteDeskStore(SqliteDatabase db) => _db = db;

    /// <inheritdoc />
    public bool IsShared => false;

    // ---------------------------------------------------------------- queue and grab

    /// <inheritdoc />
    public async Task<EnqueueOutcome> EnqueueAsync(DeskConversation conversation, DeskMessage? firstMessage, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                var existing = QueryConversation(connection, tx, "visitor_id = $p AND state IN ('waiting','active')", conversation.Visitor.User.Id);
                if (existing is not null)
                {
                    return new EnqueueOutcome(null, existing);
                }

                using var command = Command(connection, tx, """
                    INSERT INTO desk_conversations (id, state, visitor_id, visitor_name, visitor_role, visitor_ns, topic, queued_at, last_activity_at)
                    VALUES ($id, 'waiting', $vid, $vname, $vrole, $vns, $topic, $queued, $queued)
                    """);
                command.Parameters.AddWithValue("$id", conversation.Id);
                AddUser(command, "$v", conversation.Visitor.User);
                command.Parameters.AddWithValue("$vns", conversation.Visitor.Namespace);
                command.Parameters.AddWithValue("$topic", (object?)conversation.Topic ?? DBNull.Value);
                command.Parameters.AddWithValue("$queued", conversation.QueuedAt.ToUnixTimeMilliseconds());
                command.ExecuteNonQuery();
                if (firstMessage is not null)
                {
                    InsertMessage(connection, tx, firstMessage);
                }

                return new EnqueueOutcome(QueryConversation(connection, tx, "id = $p", conversation.Id), null);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<GrabOutcome> GrabAsync(string conversationId, DeskParty agent, DateTimeOffset now, DeskDeadline? idle, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                using var command = Command(connection, tx, """
                    UPDATE desk_conversations
                       SET state = 'active', agent_id = $aid, agent_name = $aname, agent_role = $arole, agent_ns = $ans,
                           activated_at = $now, last_activity_at = $now, idle_warned = 0
                     WHERE id = $id AND state = 'waiting'
                    """);
                command.Parameters.AddWithValue("$id", conversationId);
                AddUser(command, "$a", agent.User);
                command.Parameters.AddWithValue("$ans", agent.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                var won = command.ExecuteNonQuery() == 1;
                var current = QueryConversation(connection, tx, "id = $p", conversationId);
                if (!won)
                {
                    return new GrabOutcome(current is null ? GrabResult.NotFound : GrabResult.Lost, current);
                }

                if (idle is not null)
                {
                    UpsertDeadline(connection, tx, idle);
                }

                return new GrabOutcome(GrabResult.Won, current);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        return QueryConversation(connection, null, "id = $p", conversationId);
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> FindOpenConversationOfVisitorAsync(string visitorId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        return QueryConversation(connection, null, "visitor_id = $p AND state IN ('waiting','active')", visitorId);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        if (state == DeskConversationState.Waiting)
        {
            command.CommandText = $"""
                SELECT {ConversationColumns}, ROW_NUMBER() OVER (ORDER BY seqno)
                FROM desk_conversations WHERE state = 'waiting' ORDER BY seqno LIMIT $limit
                """;
        }
        else
        {
            command.CommandText = $"""
                SELECT * FROM (
                    SELECT {ConversationColumns}, NULL, seqno FROM desk_conversations
                    WHERE ($state IS NULL OR state = $state) ORDER BY seqno DESC LIMIT $limit)
                ORDER BY seqno
                """;
            command.Parameters.AddWithValue("$state", state is null ? DBNull.Value : StateName(state.Value));
        }

        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<DeskConversation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(ReadConversation(reader, positionOrdinal: 16));
        }

        return list;
    }

    // ---------------------------------------------------------------- conversations

    /// <inheritdoc />
    public async Task<AppendOutcome> AppendMessageAsync(DeskMessage message, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                var conversation = QueryConversation(connection, tx, "id = $p", message.ConversationId);
                var result = conversation switch
                {
                    null => AppendResult.NotFound,
                    _ when !conversation.IsParticipant(message.Sender.Id) => AppendResult.NotParticipant,
                    { State: DeskConversationState.Closed } => AppendResult.Closed,
                    _ => AppendResult.Stored,
                };
                if (result != AppendResult.Stored)
                {
                    return new AppendOutcome(result, conversation);
                }

                InsertMessage(connection, tx, message);
                using var touch = Command(connection, tx, "UPDATE desk_conversations SET last_activity_at = $now, idle_warned = 0 WHERE id = $id");
                touch.Parameters.AddWithValue("$id", message.ConversationId);
                touch.Parameters.AddWithValue("$now", message.At.ToUnixTimeMilliseconds());
                touch.ExecuteNonQuery();
                return new AppendOutcome(AppendResult.Stored, conversation);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT * FROM (
                SELECT id, conversation_id, sender_id, sender_name, sender_role, data, at, seqno FROM desk_messages
                WHERE conversation_id = $cid ORDER BY seqno DESC LIMIT $limit)
            ORDER BY seqno
            """;
        command.Parameters.AddWithValue("$cid", conversationId);
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<DeskMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DeskMessage(
                reader.GetString(0),
                reader.GetString(1),
                new DeskUser(reader.GetString(2), reader.GetString(3), reader.GetString(4)),
                reader.GetString(5),
                FromMs(reader.GetInt64(6))));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> CloseAsync(string conversationId, string reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        await InTransactionAsync((connection, tx) => Close(connection, tx, conversationId, reason, now), cancellationToken).ConfigureAwait(false);

    private static DeskConversation? Close(SqliteConnection connection, SqliteTransaction tx, string conversationId, string reason, DateTimeOffset now)
    {
        using var command = Command(connection, tx, """
            UPDATE desk_conversations SET state = 'closed', closed_at = $now, close_reason = $reason
             WHERE id = $id AND state IN ('waiting','active')
            """);
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        if (command.ExecuteNonQuery() != 1)
        {
            return null;
        }

        var closed = QueryConversation(connection, tx, "id = $p", conversationId)!;
        DeleteDeadline(connection, tx, DeskDeadline.IdleKey(conversationId));
        DeleteDeadline(connection, tx, DeskDeadline.GraceKey(closed.Visitor.User.Id));
        if (closed.Agent is { } owner)
        {
            ClearOpen(connection, tx, owner, conversationId);
        }

        return closed;
    }

    /// <inheritdoc />
    public async Task<OpenOutcome> SetOpenConversationAsync(string agentId, string ns, string? conversationId, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                if (string.IsNullOrEmpty(conversationId))
                {
                    using var clear = Command(connection, tx, "DELETE FROM desk_open_conversations WHERE agent_id = $a AND ns = $ns");
                    clear.Parameters.AddWithValue("$a", agentId);
                    clear.Parameters.AddWithValue("$ns", ns);
                    clear.ExecuteNonQuery();
                    return OpenOutcome.Set;
                }

                var conversation = QueryConversation(connection, tx, "id = $p", conversationId);
                if (conversation is null)
                {
                    return OpenOutcome.NotFound;
                }

                if (conversation.Agent?.User.Id != agentId)
                {
                    return OpenOutcome.NotOwner;
                }

                if (conversation.State == DeskConversationState.Closed)
                {
                    return OpenOutcome.Closed;
                }

                using var set = Command(connection, tx, """
                    INSERT INTO desk_open_conversations (agent_id, ns, conversation_id) VALUES ($a, $ns, $c)
                    ON CONFLICT (agent_id, ns) DO UPDATE SET conversation_id = excluded.conversation_id
                    """);
                set.Parameters.AddWithValue("$a", agentId);
                set.Parameters.AddWithValue("$ns", ns);
                set.Parameters.AddWithValue("$c", conversationId);
                set.ExecuteNonQuery();
                return OpenOutcome.Set;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> GetOpenConversationAsync(string agentId, string ns, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT conversation_id FROM desk_open_conversations WHERE agent_id = $a AND ns = $ns";
        command.Parameters.AddWithValue("$a", agentId);
        command.Parameters.AddWithValue("$ns", ns);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static void ClearOpen(SqliteConnection connection, SqliteTransaction tx, DeskParty agent, string conversationId)
    {
        using var command = Command(connection, tx, "DELETE FROM desk_open_conversations WHERE agent_id = $a AND ns = $ns AND conversation_id = $c");
        command.Parameters.AddWithValue("$a", agent.User.Id);
        command.Parameters.AddWithValue("$ns", agent.Namespace);
        command.Parameters.AddWithValue("$c", conversationId);
        command.ExecuteNonQuery();
    }

    // ---------------------------------------------------------------- transfers

    /// <inheritdoc />
    public async Task<TransferRequestOutcome> RequestTransferAsync(DeskTransfer transfer, DeskDeadline timeout, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                var conversation = QueryConversation(connection, tx, "id = $p", transfer.ConversationId);
                if (conversation is null)
                {
                    return new TransferRequestOutcome(TransferRequestResult.NotFound, null);
                }

                if (conversation.Agent?.User.Id != transfer.From.User.Id)
                {
                    return new TransferRequestOutcome(TransferRequestResult.NotOwner, null);
                }

                if (conversation.State != DeskConversationState.Active)
                {
                    return new TransferRequestOutcome(TransferRequestResult.Closed, null);
                }

                var pending = QueryTransfers(connection, tx, "state = 'pending' AND conversation_id = $p", transfer.ConversationId);
                if (pending.Count > 0)
                {
                    return new TransferRequestOutcome(TransferRequestResult.AlreadyPending, pending[0]);
                }

                using var command = Command(connection, tx, $"""
                    INSERT INTO desk_transfers ({TransferColumns})
                    VALUES ($id, $cid, $fid, $fname, $frole, $fns, $tid, $tname, $trole, $vid, $vname, $vrole, $note, 'pending', $created, $expires, NULL)
                    """);
                command.Parameters.AddWithValue("$id", transfer.Id);
                command.Parameters.AddWithValue("$cid", transfer.ConversationId);
                AddUser(command, "$f", transfer.From.User);
                command.Parameters.AddWithValue("$fns", transfer.From.Namespace);
                AddUser(command, "$t", transfer.To);
                AddUser(command, "$v", transfer.Visitor);
                command.Parameters.AddWithValue("$note", (object?)transfer.Note ?? DBNull.Value);
                command.Parameters.AddWithValue("$created", transfer.CreatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$expires", transfer.ExpiresAt.ToUnixTimeMilliseconds());
                command.ExecuteNonQuery();
                UpsertDeadline(connection, tx, timeout);
                return new TransferRequestOutcome(TransferRequestResult.Created, null);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<AcceptOutcome> AcceptTransferAsync(string transferId, DeskParty acceptor, DateTimeOffset now, TimeSpan? idleWarnAfter, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                var transfer = QueryTransfers(connection, tx, "id = $p", transferId).FirstOrDefault();
                if (transfer is null || transfer.To.Id != acceptor.User.Id)
                {
                    return new AcceptOutcome(AcceptResult.NotFound, null, null, null);
                }

                if (transfer.State == DeskTransferState.Expired)
                {
                    return new AcceptOutcome(AcceptResult.Expired, transfer, null, null);
                }

                if (transfer.State != DeskTransferState.Pending)
                {
                    return new AcceptOutcome(AcceptResult.NotFound, transfer, null, null);
                }

                if (now >= transfer.ExpiresAt)
                {
                    // The clock passed the deadline but no poller claimed it yet: expire it now, consistently.
                    var expired = Resolve(connection, tx, transfer, DeskTransferState.Expired, now);
                    return new AcceptOutcome(AcceptResult.Expired, expired, null, null, ExpiredNow: true);
                }

                var conversation = QueryConversation(connection, tx, "id = $p", transfer.ConversationId);
                using var command = Command(connection, tx, """
                    UPDATE desk_conversations
                       SET agent_id = $aid, agent_name = $aname, agent_role = $arole, agent_ns = $ans,
                           activated_at = $now, last_activity_at = $now, idle_warned = 0
                     WHERE id = $id AND state = 'active' AND agent_id = $from
                    """);
                command.Parameters.AddWithValue("$id", transfer.ConversationId);
                command.Parameters.AddWithValue("$from", transfer.From.User.Id);
                AddUser(command, "$a", acceptor.User);
                command.Parameters.AddWithValue("$ans", acceptor.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                if (command.ExecuteNonQuery() != 1)
                {
                    // Defensive: closing fails pending transfers, and a pending transfer blocks others.
                    var failed = Resolve(connection, tx, transfer, DeskTransferState.Failed, now);
                    return new AcceptOutcome(AcceptResult.ConversationMoved, failed, conversation, null);
                }

                var accepted = Resolve(connection, tx, transfer, DeskTransferState.Accepted, now);
                var previous = conversation!.Agent!;
                ClearOpen(connection, tx, previous, transfer.ConversationId);
                if (idleWarnAfter is { } warnAfter)
                {
                    UpsertDeadline(connection, tx, new DeskDeadline(DeskDeadline.IdleKey(transfer.ConversationId), now + warnAfter, DeskDeadline.NewToken()));
                }

                return new AcceptOutcome(AcceptResult.Accepted, accepted, QueryConversation(connection, tx, "id = $p", transfer.ConversationId), previous);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskTransfer?> ResolveTransferAsync(string transferId, DeskTransferState to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                var transfer = QueryTransfers(connection, tx, "id = $p", transferId).FirstOrDefault();
                return transfer is { State: DeskTransferState.Pending } ? Resolve(connection, tx, transfer, to, now) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static DeskTransfer? Resolve(SqliteConnection connection, SqliteTransaction tx, DeskTransfer transfer, DeskTransferState to, DateTimeOffset now)
    {
        using var command = Command(connection, tx, "UPDATE desk_transfers SET state = $to, resolved_at = $now WHERE id = $id AND state = 'pending'");
        command.Parameters.AddWithValue("$id", transfer.Id);
        command.Parameters.AddWithValue("$to", TransferStateName(to));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        if (command.ExecuteNonQuery() != 1)
        {
            return null;
        }

        DeleteDeadline(connection, tx, DeskDeadline.TransferKey(transfer.Id));
        return transfer with { State = to, ResolvedAt = now };
    }

    /// <inheritdoc />
    public async Task<DeskTransfer?> GetTransferAsync(string transferId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        return QueryTransfers(connection, null, "id = $p", transferId).FirstOrDefault();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        return QueryTransfers(connection, null, "state = 'pending' AND conversation_id = $p", conversationId);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersToAsync(string targetId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        return QueryTransfers(connection, null, "state = 'pending' AND to_id = $p", targetId);
    }

    private static List<DeskTransfer> QueryTransfers(SqliteConnection connection, SqliteTransaction? tx, string where, string parameter)
    {
        using var command = Command(connection, tx, $"SELECT {TransferColumns} FROM desk_transfers WHERE {where} ORDER BY created_at");
        command.Parameters.AddWithValue("$p", parameter);
        var list = new List<DeskTransfer>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new DeskTransfer
            {
                Id = reader.GetString(0),
                ConversationId = reader.GetString(1),
                From = new DeskParty(reader.GetString(5), new DeskUser(reader.GetString(2), reader.GetString(3), reader.GetString(4))),
                To = new DeskUser(reader.GetString(6), reader.GetString(7), reader.GetString(8)),
                Visitor = new DeskUser(reader.GetString(9), reader.GetString(10), reader.GetString(11)),
                Note = reader.IsDBNull(12) ? null : reader.GetString(12),
                State = ParseTransferState(reader.GetString(13)),
                CreatedAt = FromMs(reader.GetInt64(14)),
                ExpiresAt = FromMs(reader.GetInt64(15)),
                ResolvedAt = reader.IsDBNull(16) ? null : FromMs(reader.GetInt64(16)),
            });
        }

        return list;
    }

    // ---------------------------------------------------------------- day access and agents

    /// <inheritdoc />
    public async Task<bool> TryAddDayAccessAsync(string day, DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = Command(connection, null, """
                    INSERT OR IGNORE INTO desk_day_access (day, agent_id, visitor_id, agent_name, agent_role, at)
                    VALUES ($day, $id, $visitor, $name, $role, $at)
                    """);
                command.Parameters.AddWithValue("$day", day);
                AddUser(command, "$", agent);
                command.Parameters.AddWithValue("$visitor", visitorId);
                command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DayAccessSnapshot> GetDayAccessAsync(string day, string agentId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM desk_day_access WHERE day = $day AND agent_id = $id),
                   (SELECT COUNT(*) FROM desk_day_access WHERE day = $day)
            """;
        command.Parameters.AddWithValue("$day", day);
        command.Parameters.AddWithValue("$id", agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new DayAccessSnapshot(day, reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.agent_id,
                   (SELECT x.agent_name FROM desk_day_access x WHERE x.day = d.day AND x.agent_id = d.agent_id ORDER BY x.at DESC LIMIT 1),
                   (SELECT x.agent_role FROM desk_day_access x WHERE x.day = d.day AND x.agent_id = d.agent_id ORDER BY x.at DESC LIMIT 1),
                   COUNT(*)
            FROM desk_day_access d WHERE d.day = $day GROUP BY d.agent_id ORDER BY d.agent_id
            """;
        command.Parameters.AddWithValue("$day", day);
        var list = new List<DayAccessLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DayAccessLine(new DeskUser(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetInt64(3)));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task UpsertAgentAsync(DeskParty agent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var command = Command(connection, null, """
                    INSERT INTO desk_agents (agent_id, agent_name, agent_role, last_ns, last_seen_at) VALUES ($id, $name, $role, $ns, $now)
                    ON CONFLICT (agent_id) DO UPDATE SET agent_name = excluded.agent_name, agent_role = excluded.agent_role,
                        last_ns = excluded.last_ns, last_seen_at = excluded.last_seen_at
                    """);
                AddUser(command, "$", agent.User);
                command.Parameters.AddWithValue("$ns", agent.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskParty?> GetAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT agent_name, last_ns, agent_role FROM desk_agents WHERE agent_id = $id";
        command.Parameters.AddWithValue("$id", agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new DeskParty(reader.GetString(1), new DeskUser(agentId, reader.GetString(0), reader.GetString(2)))
            : null;
    }

    // ---------------------------------------------------------------- work orders

    /// <inheritdoc />
    public async Task InsertWorkOrderAsync(DeskWorkOrder order, CancellationToken cancellationToken)
    {
        await InTransactionAsync(
            (connection, tx) =>
            {
                using var command = Command(connection, tx, $"""
                    INSERT INTO desk_work_orders ({WorkOrderColumns})
                    VALUES ($id, $title, $body, $status, $aid, $aname, $arole, $cid_, $cname, $crole, $conv, $comment, $created, $updated)
                    """);
                AddWorkOrder(command, order);
                command.ExecuteNonQuery();
                InsertWorkOrderHistory(connection, tx, order, order.CreatedBy);
                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskWorkOrder?> UpdateWorkOrderAsync(DeskWorkOrder updated, DateTimeOffset expectedUpdatedAt, DeskUser by, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                using var command = Command(connection, tx, """
                    UPDATE desk_work_orders SET status = $status, comment = $comment, updated_at = $updated
                     WHERE id = $id AND updated_at = $expected
                    """);
                command.Parameters.AddWithValue("$id", updated.Id);
                command.Parameters.AddWithValue("$status", updated.Status);
                command.Parameters.AddWithValue("$comment", (object?)updated.Comment ?? DBNull.Value);
                command.Parameters.AddWithValue("$updated", updated.UpdatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$expected", expectedUpdatedAt.ToUnixTimeMilliseconds());
                if (command.ExecuteNonQuery() != 1)
                {
                    return null;
                }

                InsertWorkOrderHistory(connection, tx, updated, by);
                return updated;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskWorkOrder?> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken)
    {
        var list = await QueryWorkOrdersAsync("id = $id", c => c.Parameters.AddWithValue("$id", workOrderId), 1, cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken) =>
        QueryWorkOrdersAsync(
            "($a IS NULL OR assignee_id = $a) AND ($s IS NULL OR status = $s)",
            c =>
            {
                c.Parameters.AddWithValue("$a", (object?)assigneeId ?? DBNull.Value);
                c.Parameters.AddWithValue("$s", (object?)status ?? DBNull.Value);
            },
            limit,
            cancellationToken);

    private async Task<IReadOnlyList<DeskWorkOrder>> QueryWorkOrdersAsync(string where, Action<SqliteCommand> bind, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT * FROM (
                SELECT {WorkOrderColumns} FROM desk_work_orders WHERE {where} ORDER BY created_at DESC, id DESC LIMIT $limit)
            ORDER BY created_at, id
            """;
        bind(command);
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<DeskWorkOrder>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DeskWorkOrder
            {
                Id = reader.GetString(0),
                Title = reader.GetString(1),
                Body = reader.GetString(2),
                Status = reader.GetString(3),
                Assignee = reader.IsDBNull(4) ? null : new DeskUser(reader.GetString(4), reader.GetString(5), reader.GetString(6)),
                CreatedBy = new DeskUser(reader.GetString(7), reader.GetString(8), reader.GetString(9)),
                ConversationId = reader.IsDBNull(10) ? null : reader.GetString(10),
                Comment = reader.IsDBNull(11) ? null : reader.GetString(11),
                CreatedAt = FromMs(reader.GetInt64(12)),
                UpdatedAt = FromMs(reader.GetInt64(13)),
            });
        }

        return list;
    }

    private static void InsertWorkOrderHistory(SqliteConnection connection, SqliteTransaction transaction, DeskWorkOrder order, DeskUser by)
    {
        using var command = Command(connection, transaction, "INSERT INTO desk_work_order_history (work_order_id, status, comment, by_id, at) VALUES ($id, $status, $comment, $by, $at)");
        command.Parameters.AddWithValue("$id", order.Id);
        command.Parameters.AddWithValue("$status", order.Status);
        command.Parameters.AddWithValue("$comment", (object?)order.Comment ?? DBNull.Value);
        command.Parameters.AddWithValue("$by", by.Id);
        command.Parameters.AddWithValue("$at", order.UpdatedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    private static void AddWorkOrder(SqliteCommand command, DeskWorkOrder order)
    {
        command.Parameters.AddWithValue("$id", order.Id);
        command.Parameters.AddWithValue("$title", order.Title);
        command.Parameters.AddWithValue("$body", order.Body);
        command.Parameters.AddWithValue("$status", order.Status);
        command.Parameters.AddWithValue("$aid", (object?)order.Assignee?.Id ?? DBNull.Value);
        command.Parameters.AddWithValue("$aname", (object?)order.Assignee?.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$arole", (object?)order.Assignee?.Role ?? DBNull.Value);
        command.Parameters.AddWithValue("$cid_", order.CreatedBy.Id);
        command.Parameters.AddWithValue("$cname", order.CreatedBy.Name);
        command.Parameters.AddWithValue("$crole", order.CreatedBy.Role);
        command.Parameters.AddWithValue("$conv", (object?)order.ConversationId ?? DBNull.Value);
        command.Parameters.AddWithValue("$comment", (object?)order.Comment ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", order.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$updated", order.UpdatedAt.ToUnixTimeMilliseconds());
    }

    // ---------------------------------------------------------------- deadlines

    /// <inheritdoc />
    public async Task ScheduleDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken) =>
        await InTransactionAsync((connection, tx) => { UpsertDeadline(connection, tx, deadline); return 0; }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task CancelDeadlineAsync(string key, CancellationToken cancellationToken) =>
        await InTransactionAsync((connection, tx) => { DeleteDeadline(connection, tx, key); return 0; }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeskDeadline>> ListDueDeadlinesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, due_at, token FROM desk_deadlines WHERE due_at <= $now ORDER BY due_at, key LIMIT $max";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$max", max);
        var list = new List<DeskDeadline>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DeskDeadline(reader.GetString(0), FromMs(reader.GetInt64(1)), reader.GetString(2)));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> NextDeadlineAsync(CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(due_at) FROM desk_deadlines";
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ms ? FromMs(ms) : null;
    }

    /// <inheritdoc />
    public async Task<long> CountDeadlinesAsync(CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM desk_deadlines";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<DeskTransfer?> ClaimTransferTimeoutAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                if (!ClaimDeadline(connection, tx, deadline, now))
                {
                    return null;
                }

                var transfer = QueryTransfers(connection, tx, "id = $p", deadline.EntityId).FirstOrDefault();
                return transfer is { State: DeskTransferState.Pending } ? Resolve(connection, tx, transfer, DeskTransferState.Expired, now) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IdleClaim> ClaimIdleAsync(DeskDeadline deadline, DateTimeOffset now, TimeSpan warnAfter, TimeSpan closeAfter, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                if (!ClaimDeadline(connection, tx, deadline, now))
                {
                    return new IdleClaim(IdleAction.None, null);
                }

                var conversation = QueryConversation(connection, tx, "id = $p", deadline.EntityId);
                if (conversation is not { State: DeskConversationState.Active, Agent: not null })
                {
                    return new IdleClaim(IdleAction.None, conversation);
                }

                var warnAt = conversation.LastActivityAt + warnAfter;
                var closeAt = conversation.LastActivityAt + closeAfter;
                if (now >= closeAt)
                {
                    var closed = Close(connection, tx, conversation.Id, DeskCloseReasons.Idle, now);
                    return new IdleClaim(closed is null ? IdleAction.None : IdleAction.Closed, closed);
                }

                if (now < warnAt)
                {
                    UpsertDeadline(connection, tx, deadline with { DueAt = warnAt, Token = DeskDeadline.NewToken() });
                    return new IdleClaim(IdleAction.None, conversation);
                }

                UpsertDeadline(connection, tx, deadline with { DueAt = closeAt, Token = DeskDeadline.NewToken() });
                using var warned = Command(connection, tx, "UPDATE desk_conversations SET idle_warned = 1 WHERE id = $id AND idle_warned = 0");
                warned.Parameters.AddWithValue("$id", conversation.Id);
                return warned.ExecuteNonQuery() == 1
                    ? new IdleClaim(IdleAction.Warn, conversation, closeAt)
                    : new IdleClaim(IdleAction.None, conversation);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DeskConversation?> ClaimVisitorGraceAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(
            (connection, tx) =>
            {
                if (!ClaimDeadline(connection, tx, deadline, now))
                {
                    return null;
                }

                var waiting = QueryConversation(connection, tx, "visitor_id = $p AND state = 'waiting'", deadline.EntityId);
                return waiting is null ? null : Close(connection, tx, waiting.Id, DeskCloseReasons.Visitor, now);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the deadline if it is still this scheduling (same token) and due: the claim.</summary>
    private static bool ClaimDeadline(SqliteConnection connection, SqliteTransaction tx, DeskDeadline deadline, DateTimeOffset now)
    {
        using var command = Command(connection, tx, "DELETE FROM desk_deadlines WHERE key = $key AND token = $token AND due_at <= $now");
        command.Parameters.AddWithValue("$key", deadline.Key);
        command.Parameters.AddWithValue("$token", deadline.Token);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    private static void UpsertDeadline(SqliteConnection connection, SqliteTransaction tx, DeskDeadline deadline)
    {
        using var command = Command(connection, tx, """
            INSERT INTO desk_deadlines (key, due_at, token) VALUES ($key, $due, $token)
            ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, token = excluded.token
            """);
        command.Parameters.AddWithValue("$key", deadline.Key);
        command.Parameters.AddWithValue("$due", deadline.DueAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$token", deadline.Token);
        command.ExecuteNonQuery();
    }

    private static void DeleteDeadline(SqliteConnection connection, SqliteTransaction tx, string key)
    {
        using var command = Command(connection, tx, "DELETE FROM desk_deadlines WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Runs <paramref name="work"/> in one write transaction on the writer connection (committed on return).</summary>
    private async Task<T> InTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken) =>
        await _db.WriteAsync(
            connection =>
            {
                using var tx = connection.BeginTransaction();
                var result = work(connection, tx);
                tx.Commit();
                return result;
            },
            cancellationToken).ConfigureAwait(false);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static DeskConversation? QueryConversation(SqliteConnection connection, SqliteTransaction? tx, string where, string parameter)
    {
        using var command = Command(connection, tx, $"SELECT {ConversationColumns}, {PositionColumn} FROM desk_conversations WHERE {where}");
        command.Parameters.AddWithValue("$p", parameter);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadConversation(reader, positionOrdinal: 16) : null;
    }

    private static void InsertMessage(SqliteConnection connection, SqliteTransaction tx, DeskMessage message)
    {
        using var command = Command(connection, tx, """
            INSERT INTO desk_messages (id, conversation_id, sender_id, sender_name, sender_role, data, at)
            VALUES ($id, $cid, $sid, $sname, $srole, $data, $at)
            """);
        command.Parameters.AddWithValue("$id", message.Id);
        command.Parameters.AddWithValue("$cid", message.ConversationId);
        AddUser(command, "$s", message.Sender);
        command.Parameters.AddWithValue("$data", message.Data);
        command.Parameters.AddWithValue("$at", message.At.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    private static DeskConversation ReadConversation(SqliteDataReader reader, int? positionOrdinal)
    {
        var agent = reader.IsDBNull(6)
            ? null
            : new DeskParty(reader.GetString(9), new DeskUser(reader.GetString(6), reader.GetString(7), reader.GetString(8)));
        int? position = positionOrdinal is int p && !reader.IsDBNull(p) ? checked((int)reader.GetInt64(p)) : null;
        return new DeskConversation
        {
            Id = reader.GetString(0),
            State = ParseState(reader.GetString(1)),
            Visitor = new DeskParty(reader.GetString(5), new DeskUser(reader.GetString(2), reader.GetString(3), reader.GetString(4))),
            Agent = agent,
            Topic = reader.IsDBNull(10) ? null : reader.GetString(10),
            QueuedAt = FromMs(reader.GetInt64(11)),
            ActivatedAt = reader.IsDBNull(12) ? null : FromMs(reader.GetInt64(12)),
            ClosedAt = reader.IsDBNull(13) ? null : FromMs(reader.GetInt64(13)),
            CloseReason = reader.IsDBNull(14) ? null : reader.GetString(14),
            LastActivityAt = FromMs(reader.GetInt64(15)),
            Position = position,
        };
    }

    private static void AddUser(SqliteCommand command, string prefix, DeskUser user)
    {
        command.Parameters.AddWithValue(prefix + "id", user.Id);
        command.Parameters.AddWithValue(prefix + "name", user.Name);
        command.Parameters.AddWithValue(prefix + "role", user.Role);
    }

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Wire/storage name of a conversation state.</summary>
    public static string StateName(DeskConversationState state) => state switch
    {
        DeskConversationState.Waiting => "waiting",
        DeskConversationState.Active => "active",
        DeskConversationState.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Parses a conversation state name; throws on unknown names.</summary>
    public static DeskConversationState ParseState(string value) => value switch
    {
        "waiting" => DeskConversationState.Waiting,
        "active" => DeskConversationState.Active,
        "closed" => DeskConversationState.Closed,
        _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Unknown conversation state '{value}'.")),
    };

    private static string TransferStateName(DeskTransferState state) => state switch
    {
        DeskTransferState.Pending => "pending",
        DeskTransferState.Accepted => "accepted",
        DeskTransferState.Refused => "refused",
        DeskTransferState.Expired => "expired",
        DeskTransferState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    private static DeskTransferState ParseTransferState(string value) => value switch
    {
        "pending" => DeskTransferState.Pending,
        "accepted" => DeskTransferState.Accepted,
        "refused" => DeskTransferState.Refused,
        "expired" => DeskTransferState.Expired,
        "failed" => DeskTransferState.Failed,
        _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Unknown transfer state '{value}'.")),
    };
}
