using System.Globalization;
using Microsoft.Data.Sqlite;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.Storage;

namespace Switchboard.Server.ServiceDesk.Persistence;

/// <summary>
/// SQLite persistence of the desk: conversations (queue), their messages, transfers, work orders, daily
/// access counts and last-seen agents. Timestamps are stored as Unix milliseconds. State transitions are
/// compare-and-set updates (<c>WHERE state = ...</c>) whose affected-row count tells whether they won.
/// </summary>
internal sealed class ServiceDeskStore
{
    private const string ConversationColumns =
        "id, state, visitor_id, visitor_name, visitor_role, visitor_ns, agent_id, agent_name, agent_role, agent_ns, topic, queued_at, activated_at, closed_at, close_reason, last_activity_at";

    private const string TransferColumns =
        "id, conversation_id, from_id, from_name, from_role, from_ns, to_id, to_name, to_role, visitor_id, visitor_name, visitor_role, note, state, created_at, expires_at, resolved_at";

    private const string WorkOrderColumns =
        "id, title, body, status, assignee_id, assignee_name, assignee_role, created_by_id, created_by_name, created_by_role, conversation_id, comment, created_at, updated_at";

    private readonly SqliteDatabase _db;

    /// <summary>Creates the store over the server's shared database (tables from <see cref="ServiceDeskSchema"/>).</summary>
    public ServiceDeskStore(SqliteDatabase db) => _db = db;

    // ---------------------------------------------------------------- conversations

    /// <summary>Inserts a waiting conversation; false when the visitor already has a waiting/active one.</summary>
    public async Task<bool> TryInsertConversationAsync(DeskConversation conversation, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO desk_conversations (id, state, visitor_id, visitor_name, visitor_role, visitor_ns, topic, queued_at, last_activity_at)
                    VALUES ($id, $state, $vid, $vname, $vrole, $vns, $topic, $queued, $queued)
                    """;
                command.Parameters.AddWithValue("$id", conversation.Id);
                command.Parameters.AddWithValue("$state", StateName(conversation.State));
                AddParty(command, "$v", conversation.Visitor);
                command.Parameters.AddWithValue("$vns", conversation.Visitor.Namespace);
                command.Parameters.AddWithValue("$topic", (object?)conversation.Topic ?? DBNull.Value);
                command.Parameters.AddWithValue("$queued", conversation.QueuedAt.ToUnixTimeMilliseconds());
                try
                {
                    command.ExecuteNonQuery();
                    return true;
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
                {
                    return false;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one conversation (null when unknown); waiting ones carry their queue position.</summary>
    public async Task<DeskConversation?> GetConversationAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {ConversationColumns},
                   CASE WHEN c.state = 'waiting'
                        THEN (SELECT COUNT(*) FROM desk_conversations w WHERE w.state = 'waiting' AND w.seqno <= c.seqno)
                   END
            FROM desk_conversations c WHERE id = $id
            """;
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadConversation(reader, positionOrdinal: 16) : null;
    }

    /// <summary>The visitor's waiting or active conversation, if any.</summary>
    public async Task<DeskConversation?> FindOpenConversationOfVisitorAsync(string visitorId, CancellationToken cancellationToken = default)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ConversationColumns} FROM desk_conversations WHERE visitor_id = $v AND state IN ('waiting','active')";
        command.Parameters.AddWithValue("$v", visitorId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadConversation(reader, null) : null;
    }

    /// <summary>Atomically moves a waiting conversation to active with <paramref name="agent"/>; false when it
    /// was not waiting any more (someone else won, or it was withdrawn).</summary>
    public async Task<bool> TryActivateAsync(string id, DeskParty agent, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE desk_conversations
                       SET state = 'active', agent_id = $aid, agent_name = $aname, agent_role = $arole, agent_ns = $ans,
                           activated_at = $now, last_activity_at = $now
                     WHERE id = $id AND state = 'waiting'
                    """;
                command.Parameters.AddWithValue("$id", id);
                AddParty(command, "$a", agent);
                command.Parameters.AddWithValue("$ans", agent.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Atomically hands an active conversation from <paramref name="fromAgentId"/> to <paramref name="to"/>.</summary>
    public async Task<bool> TryReassignAsync(string id, string fromAgentId, DeskParty to, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE desk_conversations
                       SET agent_id = $aid, agent_name = $aname, agent_role = $arole, agent_ns = $ans,
                           activated_at = $now, last_activity_at = $now
                     WHERE id = $id AND state = 'active' AND agent_id = $from
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$from", fromAgentId);
                AddParty(command, "$a", to);
                command.Parameters.AddWithValue("$ans", to.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Atomically closes a waiting/active conversation; false when it was already closed.</summary>
    public async Task<bool> TryCloseAsync(string id, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE desk_conversations SET state = 'closed', closed_at = $now, close_reason = $reason
                     WHERE id = $id AND state IN ('waiting','active')
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$reason", reason);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records activity (a message) on a conversation, for the idle rules.</summary>
    public async Task TouchAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE desk_conversations SET last_activity_at = $now WHERE id = $id";
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists conversations in queue order (<c>queued_at</c>): for <c>waiting</c> the head of the queue
    /// (with positions), otherwise the most recent <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken = default)
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

    // ---------------------------------------------------------------- messages

    /// <summary>Stores a conversation message.</summary>
    public async Task InsertMessageAsync(DeskMessage message, CancellationToken cancellationToken = default)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO desk_messages (id, conversation_id, sender_id, sender_name, sender_role, data, at)
                    VALUES ($id, $cid, $sid, $sname, $srole, $data, $at)
                    """;
                command.Parameters.AddWithValue("$id", message.Id);
                command.Parameters.AddWithValue("$cid", message.ConversationId);
                command.Parameters.AddWithValue("$sid", message.Sender.Id);
                command.Parameters.AddWithValue("$sname", message.Sender.Name);
                command.Parameters.AddWithValue("$srole", message.Sender.Role);
                command.Parameters.AddWithValue("$data", message.Data);
                command.Parameters.AddWithValue("$at", message.At.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The most recent <paramref name="limit"/> messages of a conversation, oldest first.</summary>
    public async Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit, CancellationToken cancellationToken = default)
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

    // ---------------------------------------------------------------- transfers

    /// <summary>Stores a new (pending) transfer.</summary>
    public async Task InsertTransferAsync(DeskTransfer transfer, CancellationToken cancellationToken = default)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    INSERT INTO desk_transfers ({TransferColumns})
                    VALUES ($id, $cid, $fid, $fname, $frole, $fns, $tid, $tname, $trole, $vid, $vname, $vrole, $note, $state, $created, $expires, NULL)
                    """;
                command.Parameters.AddWithValue("$id", transfer.Id);
                command.Parameters.AddWithValue("$cid", transfer.ConversationId);
                AddUser(command, "$f", transfer.From.User);
                command.Parameters.AddWithValue("$fns", transfer.From.Namespace);
                AddUser(command, "$t", transfer.To);
                AddUser(command, "$v", transfer.Visitor);
                command.Parameters.AddWithValue("$note", (object?)transfer.Note ?? DBNull.Value);
                command.Parameters.AddWithValue("$state", TransferStateName(transfer.State));
                command.Parameters.AddWithValue("$created", transfer.CreatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$expires", transfer.ExpiresAt.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one transfer (null when unknown).</summary>
    public async Task<DeskTransfer?> GetTransferAsync(string id, CancellationToken cancellationToken = default)
    {
        var list = await QueryTransfersAsync("id = $p", id, cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>Pending transfers of one conversation, or of all when <paramref name="conversationId"/> is null.</summary>
    public Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersAsync(string? conversationId, CancellationToken cancellationToken = default) =>
        conversationId is null
            ? QueryTransfersAsync("state = 'pending'", null, cancellationToken)
            : QueryTransfersAsync("state = 'pending' AND conversation_id = $p", conversationId, cancellationToken);

    /// <summary>Pending transfers addressed to <paramref name="targetId"/>.</summary>
    public Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersToAsync(string targetId, CancellationToken cancellationToken = default) =>
        QueryTransfersAsync("state = 'pending' AND to_id = $p", targetId, cancellationToken);

    /// <summary>Compare-and-set of a transfer's state (only from pending); false when it was not pending.</summary>
    public async Task<bool> TryResolveTransferAsync(string id, DeskTransferState to, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE desk_transfers SET state = $to, resolved_at = $now WHERE id = $id AND state = 'pending'";
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$to", TransferStateName(to));
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<DeskTransfer>> QueryTransfersAsync(string where, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TransferColumns} FROM desk_transfers WHERE {where} ORDER BY created_at";
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("$p", parameter);
        }

        var list = new List<DeskTransfer>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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

    // ---------------------------------------------------------------- day access

    /// <summary>Records that <paramref name="agent"/> took <paramref name="visitorId"/> on <paramref name="day"/>;
    /// false when that pair was already counted for the day (SB-CS-025: distinct visitors).</summary>
    public async Task<bool> TryAddDayAccessAsync(string day, DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT OR IGNORE INTO desk_day_access (day, agent_id, visitor_id, agent_name, agent_role, at)
                    VALUES ($day, $id, $visitor, $name, $role, $at)
                    """;
                command.Parameters.AddWithValue("$day", day);
                command.Parameters.AddWithValue("$id", agent.Id);
                command.Parameters.AddWithValue("$visitor", visitorId);
                command.Parameters.AddWithValue("$name", agent.Name);
                command.Parameters.AddWithValue("$role", agent.Role);
                command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One agent's count and the total of <paramref name="day"/>.</summary>
    public Task<DayAccessSnapshot> GetDayAccessAsync(string day, string agentId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.OpenConnection();
        return Task.FromResult(ReadDayAccess(connection, day, agentId));
    }

    /// <summary>Every agent's count of <paramref name="day"/> (counts &gt; 0), sorted by agent id.</summary>
    public async Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken = default)
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

    private static DayAccessSnapshot ReadDayAccess(SqliteConnection connection, string day, string agentId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM desk_day_access WHERE day = $day AND agent_id = $id),
                   (SELECT COUNT(*) FROM desk_day_access WHERE day = $day)
            """;
        command.Parameters.AddWithValue("$day", day);
        command.Parameters.AddWithValue("$id", agentId);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new DayAccessSnapshot(day, reader.GetInt64(0), reader.GetInt64(1));
    }

    // ---------------------------------------------------------------- agents

    /// <summary>Remembers a user's identity (name, role) and the namespace of its most recent connection.</summary>
    public async Task UpsertAgentAsync(DeskParty agent, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO desk_agents (agent_id, agent_name, agent_role, last_ns, last_seen_at) VALUES ($id, $name, $role, $ns, $now)
                    ON CONFLICT (agent_id) DO UPDATE SET agent_name = excluded.agent_name, agent_role = excluded.agent_role,
                        last_ns = excluded.last_ns, last_seen_at = excluded.last_seen_at
                    """;
                command.Parameters.AddWithValue("$id", agent.User.Id);
                command.Parameters.AddWithValue("$name", agent.User.Name);
                command.Parameters.AddWithValue("$role", agent.User.Role);
                command.Parameters.AddWithValue("$ns", agent.Namespace);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The agent as last seen (name and namespace), or null.</summary>
    public async Task<DeskParty?> GetAgentAsync(string agentId, CancellationToken cancellationToken = default)
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

    /// <summary>Stores a new work order.</summary>
    public async Task InsertWorkOrderAsync(DeskWorkOrder order, CancellationToken cancellationToken = default)
    {
        await _db.WriteAsync(
            connection =>
            {
                using var tx = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = $"""
                    INSERT INTO desk_work_orders ({WorkOrderColumns})
                    VALUES ($id, $title, $body, $status, $aid, $aname, $arole, $cid_, $cname, $crole, $conv, $comment, $created, $updated)
                    """;
                AddWorkOrder(command, order);
                command.ExecuteNonQuery();
                InsertWorkOrderHistory(connection, tx, order, order.CreatedBy);
                tx.Commit();
                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Updates status/comment of a work order and records the change in its history.</summary>
    public async Task<bool> UpdateWorkOrderAsync(DeskWorkOrder order, DeskUser by, CancellationToken cancellationToken = default)
    {
        return await _db.WriteAsync(
            connection =>
            {
                using var tx = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "UPDATE desk_work_orders SET status = $status, comment = $comment, updated_at = $updated WHERE id = $id";
                command.Parameters.AddWithValue("$id", order.Id);
                command.Parameters.AddWithValue("$status", order.Status);
                command.Parameters.AddWithValue("$comment", (object?)order.Comment ?? DBNull.Value);
                command.Parameters.AddWithValue("$updated", order.UpdatedAt.ToUnixTimeMilliseconds());
                var updated = command.ExecuteNonQuery() == 1;
                if (updated)
                {
                    InsertWorkOrderHistory(connection, tx, order, by);
                }

                tx.Commit();
                return updated;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one work order (null when unknown).</summary>
    public async Task<DeskWorkOrder?> GetWorkOrderAsync(string id, CancellationToken cancellationToken = default)
    {
        var list = await QueryWorkOrdersAsync("id = $id", c => c.Parameters.AddWithValue("$id", id), 1, cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>The most recent <paramref name="limit"/> work orders, sorted by <c>created_at</c> then id, optionally
    /// filtered by assignee and status.</summary>
    public Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken = default) =>
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
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO desk_work_order_history (work_order_id, status, comment, by_id, at) VALUES ($id, $status, $comment, $by, $at)";
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

    // ---------------------------------------------------------------- helpers

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

    private static void AddParty(SqliteCommand command, string prefix, DeskParty party) => AddUser(command, prefix, party.User);

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
