using Microsoft.Data.Sqlite;
using Switchboard.Server.Storage;

namespace Switchboard.Server.ServiceDesk.Persistence;

/// <summary>The desk's tables (all prefixed <c>desk_</c>), applied once through the core's migration runner.</summary>
internal sealed class ServiceDeskSchema : ISqliteMigration
{
    /// <inheritdoc />
    public string Id => "desk-0001-initial";

    /// <inheritdoc />
    public void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Ddl;
        command.ExecuteNonQuery();
    }

    /// <summary>Creates every table and index if missing.</summary>
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS desk_conversations (
            seqno INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('waiting','active','closed')),
            visitor_id TEXT NOT NULL,
            visitor_name TEXT NOT NULL,
            visitor_role TEXT NOT NULL,
            visitor_ns TEXT NOT NULL,
            agent_id TEXT NULL,
            agent_name TEXT NULL,
            agent_role TEXT NULL,
            agent_ns TEXT NULL,
            topic TEXT NULL,
            queued_at INTEGER NOT NULL,
            activated_at INTEGER NULL,
            closed_at INTEGER NULL,
            close_reason TEXT NULL,
            last_activity_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_conversations_state ON desk_conversations (state, seqno);
        CREATE INDEX IF NOT EXISTS desk_conversations_agent ON desk_conversations (agent_id, state);
        CREATE UNIQUE INDEX IF NOT EXISTS desk_conversations_one_open_per_visitor
            ON desk_conversations (visitor_id) WHERE state IN ('waiting','active');

        CREATE TABLE IF NOT EXISTS desk_messages (
            seqno INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            sender_role TEXT NOT NULL,
            data TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_messages_conversation ON desk_messages (conversation_id, seqno);

        CREATE TABLE IF NOT EXISTS desk_transfers (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            from_id TEXT NOT NULL,
            from_name TEXT NOT NULL,
            from_role TEXT NOT NULL,
            from_ns TEXT NOT NULL,
            to_id TEXT NOT NULL,
            to_name TEXT NOT NULL,
            to_role TEXT NOT NULL,
            visitor_id TEXT NOT NULL,
            visitor_name TEXT NOT NULL,
            visitor_role TEXT NOT NULL,
            note TEXT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending','accepted','refused','expired','failed')),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            resolved_at INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS desk_transfers_pending ON desk_transfers (state, conversation_id);
        CREATE INDEX IF NOT EXISTS desk_transfers_target ON desk_transfers (to_id, state);

        CREATE TABLE IF NOT EXISTS desk_work_orders (
            seqno INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open','in_progress','resolved','closed')),
            assignee_id TEXT NULL,
            assignee_name TEXT NULL,
            assignee_role TEXT NULL,
            created_by_id TEXT NOT NULL,
            created_by_name TEXT NOT NULL,
            created_by_role TEXT NOT NULL,
            conversation_id TEXT NULL,
            comment TEXT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_work_orders_assignee ON desk_work_orders (assignee_id, status);

        CREATE TABLE IF NOT EXISTS desk_work_order_history (
            seqno INTEGER PRIMARY KEY AUTOINCREMENT,
            work_order_id TEXT NOT NULL,
            status TEXT NOT NULL,
            comment TEXT NULL,
            by_id TEXT NOT NULL,
            at INTEGER NOT NULL
        );

        -- One row per (UTC day, agent, visitor): an agent's count is the number of distinct visitors it took
        -- that day (SB-CS-025), the day's total the number of rows.
        CREATE TABLE IF NOT EXISTS desk_day_access (
            day TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            visitor_id TEXT NOT NULL,
            agent_name TEXT NOT NULL,
            agent_role TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (day, agent_id, visitor_id)
        );

        -- Identity (name, role) and namespace of agents/admins as of their most recent connection.
        CREATE TABLE IF NOT EXISTS desk_agents (
            agent_id TEXT PRIMARY KEY,
            agent_name TEXT NOT NULL,
            agent_role TEXT NOT NULL,
            last_ns TEXT NOT NULL,
            last_seen_at INTEGER NOT NULL
        );
        """;
}

/// <summary>
/// Cluster-ready desk state: the agent's open conversation is persisted (it survives restarts), deadlines live in a
/// persisted due-set (<c>desk_deadlines</c>, claimed by the transition that applies them), and the idle warning is
/// a flag of the conversation (warned once per idle period). Deadlines of state from before this migration are
/// backfilled: pending transfers at their expiry, active conversations due now (the claim re-arms them).
/// </summary>
internal sealed class ServiceDeskClusterSchema : ISqliteMigration
{
    /// <inheritdoc />
    public string Id => "desk-0002-persisted-state";

    /// <inheritdoc />
    public void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Ddl;
        command.ExecuteNonQuery();
    }

    /// <summary>The tables, the new column and the backfill.</summary>
    public const string Ddl = """
        ALTER TABLE desk_conversations ADD COLUMN idle_warned INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE IF NOT EXISTS desk_open_conversations (
            agent_id TEXT NOT NULL,
            ns TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            PRIMARY KEY (agent_id, ns)
        );

        CREATE TABLE IF NOT EXISTS desk_deadlines (
            key TEXT PRIMARY KEY,
            due_at INTEGER NOT NULL,
            token TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_deadlines_due ON desk_deadlines (due_at);

        INSERT OR IGNORE INTO desk_deadlines (key, due_at, token)
            SELECT 'xfer:' || id, expires_at, 'migrated' FROM desk_transfers WHERE state = 'pending';
        INSERT OR IGNORE INTO desk_deadlines (key, due_at, token)
            SELECT 'idle:' || id, last_activity_at, 'migrated' FROM desk_conversations WHERE state = 'active';
        """;
}
