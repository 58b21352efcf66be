using System.Text.Json;
using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>Every command/reply pair of the contract, against the real reference server over real WebSockets.</summary>
[Collection(ServerCollection.Name)]
public sealed class CommandTests(ServerFixture fixture)
{
    [Fact]
    public async Task Connect_exposes_the_greeting_and_state()
    {
        var user = fixture.NewUser("conn");
        var states = new List<SwitchboardConnectionState>();
        var options = fixture.Options(user);
        await using var client = new SwitchboardClient(options);
        client.StateChanged += (_, e) => { lock (states) { states.Add(e.State); } };
        await client.ConnectAsync();

        Assert.Equal(SwitchboardConnectionState.Connected, client.State);
        Assert.Equal(user, client.ConnectInfo!.User.Id);
        Assert.Equal(Namespace.Web, client.ConnectInfo.Namespace);
        Assert.Equal("switchboard.v1.json", client.ConnectInfo.Protocol);
        Assert.Equal(client.ConnectInfo.Epoch, client.StreamPosition.Epoch);
        // SB-HS-013: the reference server's desk defaults, as advertised in CONNECT.
        Assert.Equal(
            new SwitchboardDeskDeadlines(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)),
            client.DeskDeadlines);
        Assert.Equal([SwitchboardConnectionState.Connecting, SwitchboardConnectionState.Connected], states);

        await client.StopAsync();
        Assert.Equal(SwitchboardConnectionState.Disconnected, client.State);
        Assert.Equal(CloseCode.Normal, client.LastClose!.Code);
        await Assert.ThrowsAsync<SwitchboardConnectionException>(async () => await client.EchoAsync("x"));
    }

    [Fact]
    public async Task Echo_returns_the_data()
    {
        await using var client = await fixture.ConnectAsync(fixture.NewUser("echo"));
        var reply = await client.EchoAsync("héllo 👋");
        Assert.Equal("héllo 👋", reply.Data);
    }

    [Fact]
    public async Task Invalid_token_is_refused_with_4401_and_no_retry()
    {
        var options = fixture.Options("nobody");
        options.AccessTokenProvider = _ => ValueTask.FromResult("not-a-jwt");
        await using var client = new SwitchboardClient(options);
        var failed = 0;
        client.ConnectFailed += (_, e) => Interlocked.Increment(ref failed);
        var ex = await Assert.ThrowsAsync<SwitchboardConnectionException>(() => client.ConnectAsync());
        Assert.Equal(CloseCode.Unauthorized, ex.Close!.Code);
        Assert.False(ex.Close.Retryable);
        Assert.Equal(SwitchboardConnectionState.Disconnected, client.State);
        Assert.Equal(1, failed);
    }

    [Fact]
    public async Task Refresh_token_is_acknowledged_and_errors_carry_spec_codes()
    {
        var user = fixture.NewUser("refresh");
        await using var client = await fixture.ConnectAsync(user);
        var ack = await client.RefreshTokenAsync(fixture.Server.MintToken(user, "user", lifetime: TimeSpan.FromHours(2)));
        Assert.Equal(CommandNames.RefreshToken, ack.Command);
        Assert.NotNull(ack.ExpiresAt);

        var mismatch = await Assert.ThrowsAsync<SwitchboardException>(async () => await client.RefreshTokenAsync(fixture.Server.MintToken("someone-else", "user")));
        Assert.Equal(ErrorCode.TokenSubjectMismatch, mismatch.Code);
        var expired = await Assert.ThrowsAsync<SwitchboardException>(async () => await client.RefreshTokenAsync(fixture.Server.MintToken(user, "user", lifetime: TimeSpan.FromMinutes(-5))));
        Assert.Equal(ErrorCode.TokenExpired, expired.Code);
        Assert.Equal("x", (await client.EchoAsync("x")).Data);
    }

    [Fact]
    public async Task Rooms_join_send_receive_leave()
    {
        var room = "room-" + fixture.NewUser("r");
        var alice = fixture.NewUser("alice");
        var bob = fixture.NewUser("bob");
        await using var a = await fixture.ConnectAsync(alice);
        await using var b = await fixture.ConnectAsync(bob);
        await using var bobMessages = b.Events<RoomMessageEvent>();
        await using var bobEnters = b.Events<RoomEnterEvent>();

        var stateA = await a.JoinRoomAsync(room);
        Assert.Equal(room, stateA.Room);
        Assert.Contains(stateA.Members, m => m.Id == alice);
        var stateB = await b.JoinRoomAsync(room);
        Assert.Contains(stateB.Members, m => m.Id == alice);
        Assert.Contains(stateB.Members, m => m.Id == bob);
        Assert.Equal(bob, (await bobEnters.NextAsync(e => e.Room == room)).User.Id);

        var sent = await a.SendRoomMessageAsync(room, "hi room");
        var received = await bobMessages.NextAsync();
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal("hi room", received.Data);
        Assert.Equal(alice, received.User.Id);

        var left = await b.LeaveRoomAsync(room);
        Assert.Equal(CommandNames.LeaveRoom, left.Command);
        var notInRoom = await Assert.ThrowsAsync<SwitchboardException>(async () => await b.SendRoomMessageAsync(room, "x"));
        Assert.Equal(ErrorCode.NotInRoom, notInRoom.Code);
        var invalid = await Assert.ThrowsAsync<SwitchboardException>(async () => await b.JoinRoomAsync("bad room!"));
        Assert.Equal(ErrorCode.InvalidRoom, invalid.Code);
    }

    [Fact]
    public async Task Group_message_reaches_the_namespace()
    {
        var alice = fixture.NewUser("galice");
        await using var a = await fixture.ConnectAsync(alice);
        await using var b = await fixture.ConnectAsync(fixture.NewUser("gbob"));
        await using var group = b.Events<GroupMessageEvent>();
        var token = "group-" + Guid.NewGuid().ToString("N");
        var sent = await a.SendGroupMessageAsync(token, includeSelf: false);
        var got = await group.NextAsync(g => g.Data == token);
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal(alice, got.User.Id);
    }

    [Fact]
    public async Task Private_messages_arrive_in_order_and_unknown_recipient_fails()
    {
        var alice = fixture.NewUser("palice");
        var bob = fixture.NewUser("pbob");
        await using var a = await fixture.ConnectAsync(alice);
        await using var b = await fixture.ConnectAsync(bob);
        await using var inbox = b.Events<PrivateMessageEvent>();

        const int count = 50;
        for (var i = 0; i < count; i++)
        {
            var ok = await a.SendPrivateMessageAsync(bob, "m" + i);
            Assert.False(string.IsNullOrEmpty(ok.MessageId));
        }

        for (var i = 0; i < count; i++)
        {
            var m = await inbox.NextAsync();
            Assert.Equal("m" + i, m.Data);
            Assert.Equal(alice, m.User.Id);
            Assert.Equal(bob, m.To);
        }

        var unknown = await Assert.ThrowsAsync<SwitchboardException>(async () => await a.SendPrivateMessageAsync("never-seen-" + Guid.NewGuid().ToString("N")[..8], "x"));
        Assert.Equal(ErrorCode.RecipientUnknown, unknown.Code);
    }

    [Fact]
    public async Task Private_message_across_namespaces_and_handler_registration()
    {
        var alice = fixture.NewUser("xalice");
        var bob = fixture.NewUser("xbob");
        await using var a = await fixture.ConnectAsync(alice, ns: "web");
        await using var b = await fixture.ConnectAsync(bob, ns: "app");
        var received = new TaskCompletionSource<PrivateMessageEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (b.On<PrivateMessageEvent>(m => received.TrySetResult(m)))
        {
            await a.SendPrivateMessageAsync(bob, "to app", SwitchboardNamespaces.App);
            var m = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("to app", m.Data);
            Assert.Equal(Namespace.Web, m.Namespace);
        }
    }

    [Fact]
    public async Task A_handler_can_unregister_itself_and_receives_nothing_afterwards()
    {
        await using var a = await fixture.ConnectAsync(fixture.NewUser("selfa"));
        await using var b = await fixture.ConnectAsync(fixture.NewUser("selfb"));
        var calls = 0;
        IAsyncDisposable? registration = null;
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        registration = b.On<GroupMessageEvent>(async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await registration!.DisposeAsync();
            disposed.TrySetResult();
        });
        await using var all = b.Events<GroupMessageEvent>();
        await a.SendGroupMessageAsync("one", includeSelf: false);
        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await a.SendGroupMessageAsync("two", includeSelf: false);
        await all.NextAsync(m => m.Data == "two");
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Online_list_and_presence()
    {
        var alice = fixture.NewUser("oalice");
        await using var a = await fixture.ConnectAsync(alice);
        await using var onlines = a.Events<OnlineEvent>();
        var list = await a.GetOnlineListAsync(subscribe: true);
        Assert.Equal(Namespace.Web, list.Namespace);
        Assert.Contains(list.Users, u => u.Id == alice);

        var bob = fixture.NewUser("obob");
        await using var b = await fixture.ConnectAsync(bob);
        var online = await onlines.NextAsync(o => o.User.Id == bob);
        Assert.True(online.Online);
    }

    [Fact]
    public async Task Service_desk_request_grab_open_message_transfer_close()
    {
        var visitorId = fixture.NewUser("visitor");
        var agent1Id = fixture.NewUser("agent");
        var agent2Id = fixture.NewUser("agent");
        await using var agent1 = await fixture.ConnectAsync(agent1Id, "agent");
        await using var agent2 = await fixture.ConnectAsync(agent2Id, "agent");
        await using var visitor = await fixture.ConnectAsync(visitorId, "visitor");
        await using var queue = agent1.Events<QiangdanEvent>();
        await using var visitorMessages = visitor.Events<NewMessageEvent>();
        await using var agent1Messages = agent1.Events<NewMessageEvent>();
        await using var rtransfers = agent2.Events<RtransferEvent>();
        await using var refusals = agent1.Events<RefuseTransferEvent>();

        var waiting = await visitor.RequestServiceAsync(topic: "billing", data: "hello?");
        Assert.Equal(ConversationState.Waiting, waiting.State);
        Assert.Equal(visitorId, waiting.Visitor.Id);
        var announced = await queue.NextAsync(q => q.ConversationId == waiting.ConversationId && q.State == QueueState.Waiting);
        Assert.Equal(visitorId, announced.Visitor.Id);

        var forbidden = await Assert.ThrowsAsync<SwitchboardException>(async () => await visitor.GrabAsync(waiting.ConversationId));
        Assert.Equal(ErrorCode.Forbidden, forbidden.Code);

        var active = await agent1.GrabAsync(waiting.ConversationId);
        Assert.Equal(ConversationState.Active, active.State);
        Assert.Equal(agent1Id, active.Agent!.Id);
        var lost = await Assert.ThrowsAsync<SwitchboardException>(async () => await agent2.GrabAsync(waiting.ConversationId));
        Assert.Equal(ErrorCode.GrabLost, lost.Code);

        var opened = await agent1.OpenConversationAsync(waiting.ConversationId);
        Assert.Equal(CommandNames.OpenConversation, opened.Command);
        var sent = await agent1.SendMessageAsync(waiting.ConversationId, "how can I help?");
        var atVisitor = await visitorMessages.NextAsync(m => m.MessageId == sent.MessageId);
        Assert.Equal("how can I help?", atVisitor.Data);
        var reply = await visitor.SendMessageAsync(waiting.ConversationId, "my bill");
        Assert.Equal(reply.MessageId, (await agent1Messages.NextAsync(m => m.MessageId == reply.MessageId)).MessageId);

        var self = await Assert.ThrowsAsync<SwitchboardException>(async () => await agent1.RequestTransferAsync(waiting.ConversationId, agent1Id));
        Assert.Equal(ErrorCode.TransferToSelf, self.Code);

        var pending = await agent1.RequestTransferAsync(waiting.ConversationId, agent2Id, note: "billing expert");
        Assert.Equal(TransferState.Pending, pending.State);
        var incoming = await rtransfers.NextAsync(r => r.TransferId == pending.TransferId);
        Assert.Equal(agent1Id, incoming.From.Id);
        var refused = await agent2.RefuseTransferAsync(incoming.TransferId, "busy");
        Assert.Equal(CommandNames.RefuseTransfer, refused.Command);
        Assert.Equal(pending.TransferId, (await refusals.NextAsync()).TransferId);

        var second = await agent1.RequestTransferAsync(waiting.ConversationId, agent2Id);
        var incoming2 = await rtransfers.NextAsync(r => r.TransferId == second.TransferId);
        var accepted = await agent2.AcceptTransferAsync(incoming2.TransferId);
        Assert.Equal(CommandNames.AcceptTransfer, accepted.Command);

        var stats = await agent2.GetDayAccessAsync();
        Assert.True(stats.Total >= 1);

        var closed = await agent2.CloseConversationAsync(waiting.ConversationId);
        Assert.Equal(CommandNames.CloseConversation, closed.Command);
        var afterClose = await Assert.ThrowsAsync<SwitchboardException>(async () => await visitor.SendMessageAsync(waiting.ConversationId, "still there?"));
        Assert.Equal(ErrorCode.ConversationClosed, afterClose.Code);
    }

    [Fact]
    public async Task Work_orders_and_timers()
    {
        var agentId = fixture.NewUser("woagent");
        await using var agent = await fixture.ConnectAsync(agentId, "agent");
        var created = await agent.CreateWorkOrderAsync("Printer", "It is on fire", assignee: agentId);
        Assert.Equal(WorkOrderStatus.Open, created.Status);
        Assert.Equal("Printer", created.Title);
        var updated = await agent.UpdateWorkOrderAsync(created.WorkOrderId, WorkOrderStatus.Resolved, "extinguished");
        Assert.Equal(WorkOrderStatus.Resolved, updated.Status);
        var missing = await Assert.ThrowsAsync<SwitchboardException>(async () => await agent.UpdateWorkOrderAsync("no-such-order", WorkOrderStatus.Closed));
        Assert.Equal(ErrorCode.WorkOrderNotFound, missing.Code);

        await using var timers = agent.Events<TimerEvent>();
        var scheduled = await agent.SetTimerAsync(TimeSpan.FromMilliseconds(100), "tea");
        Assert.Equal(TimerState.Scheduled, scheduled.State);
        var fired = await timers.NextAsync(t => t.TimerId == scheduled.TimerId);
        Assert.Equal(TimerState.Fired, fired.State);
        Assert.Equal("tea", fired.Label);
    }

    [Fact]
    public async Task Cancellation_and_unknown_generic_invocation()
    {
        await using var client = await fixture.ConnectAsync(fixture.NewUser("cancel"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.EchoAsync("x", cts.Token));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.InvokeAsync<AckEvent>(new PongCommand()));

        // The generic path is the same as the typed one.
        var echo = await client.InvokeAsync<EchoEvent>(new EchoCommand { Data = "generic" });
        Assert.Equal("generic", echo.Data);
    }

    [Fact]
    public async Task Fire_and_forget_commands_get_no_reply_but_errors_arrive_as_events()
    {
        var alice = fixture.NewUser("ffalice");
        await using var a = await fixture.ConnectAsync(alice);
        await using var b = await fixture.ConnectAsync(fixture.NewUser("ffbob"));
        await using var errors = a.Events<ErrorEvent>();
        await using var group = b.Events<GroupMessageEvent>();

        await a.SendAsync(new SendGroupMessageCommand { Data = "no cid", IncludeSelf = false });
        Assert.Equal(alice, (await group.NextAsync(g => g.Data == "no cid")).User.Id);

        await a.SendAsync(new LeaveRoomCommand { Room = "never-joined" });
        var error = await errors.NextAsync();
        Assert.Equal((int)ErrorCode.NotInRoom, error.Code);
        Assert.Equal(CommandNames.LeaveRoom, error.Command);
    }

    [Fact]
    public async Task Backend_push_reaches_a_connected_user()
    {
        var bob = fixture.NewUser("pushbob");
        await using var b = await fixture.ConnectAsync(bob);
        await using var pushes = b.Events<PushEvent>();
        using var http = fixture.Server.CreateHttpClient();
        var backend = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions
        {
            BaseAddress = fixture.Server.BaseUri,
            Token = fixture.Server.MintToken("backend", "admin"),
        });

        var result = await backend.PushToUserAsync("web", bob, "invoice", JsonSerializer.SerializeToElement(new[] { 1, 2, 3 }));
        Assert.True(result.Seq >= 1);
        Assert.Equal(1, result.Delivered);
        var push = await pushes.NextAsync();
        Assert.Equal(result.MessageId, push.MessageId);
        Assert.Equal("invoice", push.Topic);
        Assert.Equal("[1,2,3]", push.Data.GetRawText());

        var online = await backend.GetOnlineUsersAsync("web");
        Assert.Contains(online.Users, u => u.Id == bob && u.Connections == 1);

        var bad = await Assert.ThrowsAsync<SwitchboardException>(() => backend.PushToUserAsync("web", "bad user!", "t", JsonSerializer.SerializeToElement(1)));
        Assert.Equal(ErrorCode.InvalidField, bad.Code);

        var unauthorized = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions { BaseAddress = fixture.Server.BaseUri, Token = "garbage" });
        var denied = await Assert.ThrowsAsync<SwitchboardException>(() => unauthorized.GetOnlineUsersAsync("web"));
        Assert.Equal(ErrorCode.TokenInvalid, denied.Code);

        var notAdmin = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions { BaseAddress = fixture.Server.BaseUri, Token = fixture.Server.MintToken("u", "user") });
        var forbidden = await Assert.ThrowsAsync<SwitchboardException>(() => notAdmin.GetOnlineUsersAsync("web"));
        Assert.Equal(ErrorCode.Forbidden, forbidden.Code);
    }
}
