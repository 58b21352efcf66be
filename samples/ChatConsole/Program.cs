// Switchboard chat console: what the seeds' HTML chat pages do (rooms, private messages, group chat, online list),
// as an interactive console over the typed client.
//
//   dotnet run --project samples/ChatConsole -- --url http://127.0.0.1:8080 --token <jwt>
//   dotnet run --project samples/ChatConsole -- --user alice --signing-key <server key> [--ns app]
//   dotnet run --project samples/ChatConsole -- --quickstart --token <jwt>
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
    token = settings.Token("user");
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (settings.Has("quickstart"))
{
    await Quickstart.RunAsync(token, cts.Token);
    return 0;
}

var options = new SwitchboardClientOptions
{
    Url = settings.Url,
    Namespace = settings.Namespace,
    AccessTokenProvider = _ => ValueTask.FromResult(token),
};
await using var client = new SwitchboardClient(options);

client.StateChanged += (_, e) => Console.WriteLine(e.Close is { } close
    ? $"* {e.State} ({(int)close.Code} {close.Reason})"
    : $"* {e.State}");
client.ConnectFailed += (_, e) => Console.WriteLine(e.IsTimeout ? "* connect timeout" : $"* connect failed: {e.Error.Message}");
client.StreamReset += (_, _) => Console.WriteLine("* the server could not replay what you missed; reload history from your backend");

await using var handlers = new HandlerSet
{
    client.On<PrivateMessageEvent>(m => Console.WriteLine($"[pm {m.User.Name}] {m.Data}")),
    client.On<GroupMessageEvent>(m => Console.WriteLine($"[all {m.User.Name}] {m.Data}")),
    client.On<RoomMessageEvent>(m => Console.WriteLine($"[{m.Room} {m.User.Name} {m.At:HH:mm:ss}] {m.Data}")),
    client.On<RoomEnterEvent>(e => Console.WriteLine($"[{e.Room}] {e.User.Name} entered")),
    client.On<RoomLeaveEvent>(e => Console.WriteLine($"[{e.Room}] {e.User.Name} left ({e.Reason.ToWireString()})")),
    client.On<OnlineEvent>(e => Console.WriteLine($"* {e.User.Name} is {(e.Online ? "online" : "offline")}")),
    client.On<PushEvent>(p => Console.WriteLine($"[push {p.Topic}] {p.Data.GetRawText()}")),

    // Visitor side of the service desk (connect with --role visitor): /service, then /say.
    client.On<ConversationEvent>(c =>
    {
        Visitor.ConversationId = c.State == ConversationState.Closed ? null : c.ConversationId;
        Console.WriteLine($"[service] {c.State.ToWireString()}" + (c.Agent is { } a ? $" with {a.Name}" : string.Empty) + (c.Position is { } p ? $", position {p}" : string.Empty));
    }),
    client.On<NewMessageEvent>(m => Console.WriteLine($"[service {m.User.Name}] {m.Data}")),
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

Console.WriteLine($"Connected as {client.ConnectInfo!.User.Name} to /{options.Namespace}. Type /help.");
await client.GetOnlineListAsync(subscribe: true, cancellationToken: cts.Token);

while (!cts.IsCancellationRequested)
{
    var line = await Console.In.ReadLineAsync(cts.Token);
    if (line is null || line == "/quit")
    {
        break;
    }

    try
    {
        await HandleAsync(client, line.Trim(), cts.Token);
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

static async Task HandleAsync(SwitchboardClient client, string line, CancellationToken ct)
{
    var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
    switch (parts.FirstOrDefault())
    {
        case null:
            return;
        case "/help":
            Console.WriteLine("/online | /join <room> | /leave <room> | /room <room> <text> | /pm <user> <text> | /pmapp <user> <text> | /echo <text> | /service [topic] | /say <text> | /quit | <text> = to everyone");
            return;
        case "/service":
            var conversation = await client.RequestServiceAsync(topic: parts.Length >= 2 ? line[9..] : null, cancellationToken: ct);
            Visitor.ConversationId = conversation.ConversationId;
            return;
        case "/say" when parts.Length >= 2 && Visitor.ConversationId is { } conversationId:
            await client.SendMessageAsync(conversationId, line[5..], ct);
            return;
        case "/online":
            var list = await client.GetOnlineListAsync(cancellationToken: ct);
            Console.WriteLine("online: " + string.Join(", ", list.Users.Select(u => $"{u.Name} ({u.Role.ToWireString()}, {u.Connections})")));
            return;
        case "/join" when parts.Length >= 2:
            var state = await client.JoinRoomAsync(parts[1], cancellationToken: ct);
            Console.WriteLine($"[{state.Room}] members: {string.Join(", ", state.Members.Select(m => m.Name))}");
            return;
        case "/leave" when parts.Length >= 2:
            await client.LeaveRoomAsync(parts[1], ct);
            return;
        case "/room" when parts.Length == 3:
            await client.SendRoomMessageAsync(parts[1], parts[2], ct);
            return;
        case "/pm" when parts.Length == 3:
            await client.SendPrivateMessageAsync(parts[1], parts[2], cancellationToken: ct);
            return;
        case "/pmapp" when parts.Length == 3:
            await client.SendPrivateMessageAsync(parts[1], parts[2], SwitchboardNamespaces.App, ct);
            return;
        case "/echo" when parts.Length >= 2:
            Console.WriteLine("echo: " + (await client.EchoAsync(line[6..], ct)).Data);
            return;
        default:
            if (line.StartsWith('/'))
            {
                Console.WriteLine("unknown command; /help");
                return;
            }

            await client.SendGroupMessageAsync(line, includeSelf: false, cancellationToken: ct);
            return;
    }
}

/// <summary>The visitor's current conversation (service desk).</summary>
internal static class Visitor
{
    public static volatile string? ConversationId;
}
