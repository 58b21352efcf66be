using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.ServiceDesk;
using Switchboard.Server.ServiceDesk.Domain;
using StackExchange.Redis;
using Switchboard.Server.Redis;
using Switchboard.Server.Redis.Desk;
using Switchboard.Server.ServiceDesk.Persistence;
using Switchboard.Server.Storage;
using Switchboard.Server.Testing.Redis;

namespace Switchboard.Server.Tests.ServiceDesk.Domain;

/// <summary>One notification the engine handed to the outbox.</summary>
internal sealed record Sent(string Kind, string Recipient, object Payload, string? Detail = null, object? ReplyContext = null);

/// <summary>An <see cref="IDeskOutbox"/> that records every call.</summary>
internal sealed class RecordingOutbox : IDeskOutbox
{
    private readonly ConcurrentQueue<Sent> _sent = new();

    public IReadOnlyList<Sent> All => _sent.ToArray();

    public IReadOnlyList<Sent> Of(string kind) => _sent.Where(s => s.Kind == kind).ToArray();

    public IReadOnlyList<Sent> To(string recipient) => _sent.Where(s => s.Recipient == recipient).ToArray();

    public void Clear() => _sent.Clear();

    private ValueTask Add(string kind, string recipient, object payload, string? detail = null, object? replyContext = null)
    {
        _sent.Enqueue(new Sent(kind, recipient, payload, detail, replyContext));
        return ValueTask.CompletedTask;
    }

    public ValueTask QueueChangedAsync(DeskConversation conversation, QueueChange change, DateTimeOffset at, CancellationToken cancellationToken) =>
        Add("QIANGDAN", "*agents", conversation, change.ToString());

    public ValueTask ConversationChangedAsync(DeskParty recipient, DeskConversation conversation, object? replyContext, CancellationToken cancellationToken) =>
        Add("CONVERSATION", Key(recipient), conversation, conversation.State.ToString(), replyContext);

    public ValueTask MessageAsync(DeskParty recipient, DeskMessage message, bool isOpenConversation, CancellationToken cancellationToken) =>
        Add(isOpenConversation ? "NEW_MESSAGE" : "NEW_MESSAGE_USER", Key(recipient), message, message.Data);

    public ValueTask TransferRequestedAsync(DeskTransfer transfer, CancellationToken cancellationToken) =>
        Add("RTRANSFER", transfer.To.Id, transfer);

    public ValueTask TransferAcceptedAsync(DeskTransfer transfer, DeskParty acceptedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        Add("TRANSFER", transfer.From.User.Id, transfer, "accepted");

    public ValueTask TransferRefusedAsync(DeskTransfer transfer, string? reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        Add("REFUSE_TRANSFER", transfer.From.User.Id, transfer, reason);

    public async ValueTask TransferFailedAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken)
    {
        await Add("TRANSFER_ERROR", transfer.From.User.Id, transfer, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (notifyTarget)
        {
            await Add("TRANSFER_ERROR", transfer.To.Id, transfer, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public ValueTask DayAccessChangedAsync(string day, IReadOnlyList<DayAccessLine> counts, CancellationToken cancellationToken) =>
        Add("DAY_ACCESS", "*agents", counts, day);

    public ValueTask ConversationTimerAsync(DeskParty recipient, DeskTimer timer, CancellationToken cancellationToken) =>
        Add("TIMER", Key(recipient), timer, timer.State);

    public ValueTask WorkOrderChangedAsync(DeskParty recipient, DeskWorkOrder order, object? replyContext, CancellationToken cancellationToken) =>
        Add("WOMSG", Key(recipient), order, order.Status, replyContext);

    public ValueTask ReminderFiredAsync(string connectionId, DeskTimer timer, CancellationToken cancellationToken) =>
        Add("TIMER", "conn:" + connectionId, timer, timer.State);

    public static string Key(DeskParty party) => party.Namespace + "/" + party.User.Id;
}

/// <summary>A settable presence view.</summary>
internal sealed class FakePresence : IDeskPresence
{
    private readonly ConcurrentDictionary<(string Ns, string Id), DeskUser> _online = new();

    public void Connect(DeskParty party) => _online[(party.Namespace, party.User.Id)] = party.User;

    public void Disconnect(DeskParty party) => _online.TryRemove((party.Namespace, party.User.Id), out _);

    public ValueTask<IReadOnlyList<DeskParty>> FindOnlineAsync(string userId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FindOnline(userId));

    public IReadOnlyList<DeskParty> FindOnline(string userId) =>
        _online.Where(kv => kv.Key.Id == userId).Select(kv => new DeskParty(kv.Key.Ns, kv.Value)).OrderBy(p => p.Namespace, StringComparer.Ordinal).ToArray();
}

/// <summary>Which <see cref="IDeskStateStore"/> an engine test runs on.</summary>
public enum DeskStoreKind
{
    /// <summary>A real SQLite file (single node).</summary>
    Sqlite,

    /// <summary>A real redis-server (the test process's shared one) with a key prefix of its own.</summary>
    Redis,
}

/// <summary>An engine over a real store (a temporary SQLite file, or Redis under a fresh key prefix), a fake clock,
/// a recording outbox and a fake presence. Several harnesses on the same <c>redisPrefix</c> are several nodes (or a
/// restart) of one desk.</summary>
internal sealed class DeskHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 5, 0, 0, TimeSpan.Zero);

    private readonly string _directory;
    private readonly bool _ownsDirectory;

    private readonly ConnectionMultiplexer? _redis;

    public DeskHarness(ServiceDeskOptions? options = null, string? directory = null, FakeTimeProvider? time = null, DeskStoreKind kind = DeskStoreKind.Sqlite, string? redisPrefix = null, FakePresence? presence = null)
    {
        _ownsDirectory = directory is null;
        _directory = directory ?? Path.Combine(Path.GetTempPath(), "sb-desk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        Time = time ?? new FakeTimeProvider(Start);
        Options = options ?? new ServiceDeskOptions();
        Kind = kind;
        Presence = presence ?? new FakePresence();
        if (kind == DeskStoreKind.Redis)
        {
            var server = SharedRedisServer.GetAsync().GetAwaiter().GetResult();
            _redis = ConnectionMultiplexer.Connect(server.ConnectionString);
            RedisPrefix = redisPrefix ?? "t" + Guid.NewGuid().ToString("N")[..12];
            Store = new RedisDeskStore(_redis, new RedisNode("n" + Guid.NewGuid().ToString("N")[..8], RedisPrefix));
        }
        else
        {
            Database = new SqliteDatabase(Path.Combine(_directory, "switchboard.db"));
            Database.ApplyMigrations([new ServiceDeskSchema(), new ServiceDeskClusterSchema()], Time);
            Store = new SqliteDeskStore(Database);
        }

        Engine = new ServiceDeskEngine(Store, Outbox, Presence, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<ServiceDeskEngine>.Instance);
        Engine.InitializeAsync().GetAwaiter().GetResult(); // as the hosted initializer does at startup
    }

    public FakeTimeProvider Time { get; }

    public ServiceDeskOptions Options { get; }

    public DeskStoreKind Kind { get; }

    /// <summary>The Redis key prefix (Redis only): pass it to another harness to share the desk.</summary>
    public string? RedisPrefix { get; }

    public SqliteDatabase? Database { get; }

    public IDeskStateStore Store { get; }

    public RecordingOutbox Outbox { get; } = new();

    public FakePresence Presence { get; }

    public ServiceDeskEngine Engine { get; }

    public static DeskActor Visitor(string id, string ns = "web") => new(new DeskUser(id, "Visitor " + id, DeskRoles.Visitor), ns, "c-" + ns + "-" + id);

    public static DeskActor Agent(string id, string ns = "web") => new(new DeskUser(id, "Agent " + id, DeskRoles.Agent), ns, "c-" + ns + "-" + id);

    public static DeskActor Admin(string id) => new(new DeskUser(id, "Admin " + id, DeskRoles.Admin), "web", "c-admin-" + id);

    /// <summary>Marks the actor online (presence) and runs the engine's connect hook.</summary>
    public async Task<DeskActor> ConnectAsync(DeskActor actor)
    {
        Presence.Connect(actor.Party);
        await Engine.OnConnectedAsync(actor, null);
        return actor;
    }

    /// <summary>Advances the fake clock and waits for the timer callbacks it triggered to finish.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await WaitUntilAsync(() => Engine.Scheduler.Running == 0);
    }

    public static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(5);
        }
    }

    public void Dispose()
    {
        Engine.Dispose();
        Database?.Dispose();
        _redis?.Dispose();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
