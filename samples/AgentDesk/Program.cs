// Switchboard agent desk: an agent's console for the customer-service flows of seed 000 — the QIANGDAN queue
// ("grab order"), grabbing, the open conversation (NEW_MESSAGE vs NEW_MESSAGE_USER), replying, transfers, closing,
// the day's visitor count and timers.
//
//   dotnet run --project samples/AgentDesk -- --token <agent jwt>
//   dotnet run --project samples/AgentDesk -- --user agent1 --signing-key <server key> [--auto-grab]
using System.Collections.Concurrent;
using Switchboard.Client;
using Switchboard.Protocol;
using Switchboard.Samples;

var settings = new SampleArgs(args);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

string token;
try
{
    token = settings.Token("agent");
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var client = new SwitchboardClient(new SwitchboardClientOptions
{
    Url = settings.Url,
    Namespace = settings.Namespace,
    AccessTokenProvider = _ => ValueTask.FromResult(token),
});
var desk = new Desk(client, autoGrab: settings.Has("auto-grab"));
client.StateChanged += (_, e) => Console.WriteLine($"* {e.State}" + (e.Close is { } c ? $" ({(int)c.Code} {c.Reason})" : string.Empty));
client.StreamReset += (_, _) => Console.WriteLine("* missed events could not be replayed; reload conversations from the backend");

await using var handlers = new HandlerSet
{
    client.On<QiangdanEvent>(desk.OnQueueAsync),
    client.On<ConversationEvent>(c =>
        Console.WriteLine($"[conversation {c.ConversationId}] {c.State.ToWireString()}" + (c.Reason is { } r ? $" ({r.ToWireString()})" : string.Empty))),
    client.On<NewMessageEvent>(m => Console.WriteLine($"[{m.ConversationId} {m.User.Name}] {m.Data}")),
    client.On<NewMessageUserEvent>(m => Console.WriteLine($"(other conversation {m.ConversationId}) {m.User.Name}: {m.Data}")),
    client.On<RtransferEvent>(t => Console.WriteLine($"[transfer {t.TransferId}] {t.From.Name} offers {t.Visitor.Name} ({t.Note}); /accept or /refuse {t.TransferId}")),
    client.On<TransferEvent>(t => Console.WriteLine($"[transfer {t.TransferId}] {t.State.ToWireString()} by {t.To.Name}")),
    client.On<RefuseTransferEvent>(t => Console.WriteLine($"[transfer {t.TransferId}] refused by {t.By.Name}: {t.Reason}")),
    client.On<TransferErrorEvent>(t => Console.WriteLine($"[transfer {t.TransferId}] failed: {t.Error}")),
    client.On<DayAccessEvent>(d => Console.WriteLine($"* today ({d.Date}): you {d.Count}, everyone {d.Total}")),
    client.On<TimerEvent>(t => Console.WriteLine($"[timer {t.Kind.ToWireString()} {t.State.ToWireString()}] {t.Label ?? t.ConversationId}")),
    client.On<WomsgEvent>(w => Console.WriteLine($"[work order {w.WorkOrderId}] {w.Title}: {w.Status.ToWireString()}")),
};

try
{
    await client.ConnectAsync(cts.Token);
}
catch (Exception ex) when (ex is SwitchboardConnectionException or TimeoutException or System.Net.WebSockets.WebSocketException)
{
    Console.Error.WriteLine($"Could not connect: {ex.Message}");
    return 1;
}

Console.WriteLine($"Agent {client.ConnectInfo!.User.Name} ready. Type /help.");
while (!cts.IsCancellationRequested)
{
    var line = await Console.In.ReadLineAsync(cts.Token);
    if (line is null || line == "/quit")
    {
        break;
    }

    try
    {
        await desk.HandleAsync(line.Trim(), cts.Token);
    }
    catch (SwitchboardException ex)
    {
        Console.WriteLine($"! {ex.ErrorName}: {ex.Message}");
    }
    catch (Exception ex) when (ex is SwitchboardConnectionException or TimeoutException)
    {
        Console.WriteLine($"! {ex.Message}");
    }
}

await client.StopAsync(CancellationToken.None);
return 0;

/// <summary>The agent's state: the waiting queue and the open conversation.</summary>
internal sealed class Desk(SwitchboardClient client, bool autoGrab)
{
    private readonly ConcurrentDictionary<string, QiangdanEvent> _queue = new();
    private string? _open;

    public async ValueTask OnQueueAsync(QiangdanEvent q, CancellationToken ct)
    {
        if (q.State != QueueState.Waiting)
        {
            _queue.TryRemove(q.ConversationId, out _);
            Console.WriteLine($"[queue] {q.ConversationId} {q.State.ToWireString()}" + (q.Agent is { } a ? $" by {a.Name}" : string.Empty));
            return;
        }

        _queue[q.ConversationId] = q;
        Console.WriteLine($"[queue] {q.Visitor.Name} is waiting ({q.Topic ?? "no topic"}): /grab {q.ConversationId}");
        if (autoGrab)
        {
            await GrabAsync(q.ConversationId, ct);
        }
    }

    public async Task HandleAsync(string line, CancellationToken ct)
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        switch (parts.FirstOrDefault())
        {
            case null:
                return;
            case "/help":
                Console.WriteLine("/queue | /grab <id> | /open <id> | <text> = reply in the open conversation | /transfer <agent> [note] | /accept <transfer> | /refuse <transfer> [reason] | /close | /stats | /remind <seconds> <label> | /quit");
                return;
            case "/queue":
                Console.WriteLine(_queue.IsEmpty ? "queue empty" : string.Join(Environment.NewLine, _queue.Values.Select(q => $"{q.ConversationId}: {q.Visitor.Name} ({q.Topic})")));
                return;
            case "/grab" when parts.Length >= 2:
                await GrabAsync(parts[1], ct);
                return;
            case "/open" when parts.Length >= 2:
                await client.OpenConversationAsync(parts[1], ct);
                _open = parts[1];
                Console.WriteLine($"opened {_open}");
                return;
            case "/transfer" when parts.Length >= 2 && _open is not null:
                var transfer = await client.RequestTransferAsync(_open, parts[1], parts.Length == 3 ? parts[2] : null, ct);
                Console.WriteLine($"transfer {transfer.TransferId} {transfer.State.ToWireString()} to {transfer.To.Name}");
                return;
            case "/accept" when parts.Length >= 2:
                await client.AcceptTransferAsync(parts[1], ct);
                return;
            case "/refuse" when parts.Length >= 2:
                await client.RefuseTransferAsync(parts[1], parts.Length == 3 ? parts[2] : null, ct);
                return;
            case "/close" when _open is not null:
                await client.CloseConversationAsync(_open, ct);
                _open = null;
                return;
            case "/stats":
                var stats = await client.GetDayAccessAsync(ct);
                Console.WriteLine($"today ({stats.Date}): you {stats.Count}, everyone {stats.Total}");
                return;
            case "/remind" when parts.Length >= 2 && int.TryParse(parts[1], out var seconds):
                var timer = await client.SetTimerAsync(TimeSpan.FromSeconds(seconds), parts.Length == 3 ? parts[2] : null, ct);
                Console.WriteLine($"timer {timer.TimerId} fires at {timer.FiresAt:HH:mm:ss}");
                return;
            default:
                if (line.StartsWith('/') || _open is null)
                {
                    Console.WriteLine(_open is null ? "no open conversation: /grab or /open one" : "unknown command; /help");
                    return;
                }

                await client.SendMessageAsync(_open, line, ct);
                return;
        }
    }

    private async Task GrabAsync(string conversationId, CancellationToken ct)
    {
        try
        {
            var conversation = await client.GrabAsync(conversationId, ct);
            await client.OpenConversationAsync(conversation.ConversationId, ct);
            _open = conversation.ConversationId;
            Console.WriteLine($"grabbed {conversation.Visitor.Name}'s conversation {conversation.ConversationId}; it is open, type to reply");
        }
        catch (SwitchboardException ex) when (ex.Code == ErrorCode.GrabLost)
        {
            Console.WriteLine($"{conversationId}: another agent was faster");
        }
    }
}
