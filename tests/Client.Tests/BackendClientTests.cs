using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>Both clients resolved from DI (the backend one through IHttpClientFactory) against the real server.</summary>
[Collection(ServerCollection.Name)]
public sealed class BackendClientTests(ServerFixture fixture)
{
    [Fact]
    public async Task DI_registered_clients_talk_to_the_real_server()
    {
        var user = fixture.NewUser("di");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSwitchboardClient(o =>
        {
            o.Url = fixture.Server.BaseUri;
            o.AccessTokenProvider = _ => ValueTask.FromResult(fixture.Server.MintToken(user));
        });
        services.AddSwitchboardBackendClient(o =>
        {
            o.BaseAddress = fixture.Server.BaseUri;
            o.TokenProvider = _ => ValueTask.FromResult(fixture.Server.MintToken("backend", "admin"));
        });
        await using var provider = services.BuildServiceProvider();
        var realtime = provider.GetRequiredService<SwitchboardClient>();
        var backend = provider.GetRequiredService<SwitchboardBackendClient>();

        await using var pushes = realtime.Events<PushEvent>();
        await realtime.ConnectAsync();
        var result = await backend.PushToNamespaceAsync("web", "announcement", JsonSerializer.SerializeToElement(new { text = "maintenance at 6" }));
        Assert.True(result.Delivered >= 1);
        var push = await pushes.NextAsync(p => p.MessageId == result.MessageId);
        Assert.Equal("maintenance at 6", push.Data.GetProperty("text").GetString());

        var room = "bk-" + user;
        await realtime.JoinRoomAsync(room);
        var roomPush = await backend.PushToRoomAsync("web", room, "room-topic", JsonSerializer.SerializeToElement("hello room"));
        Assert.Equal(1, roomPush.Delivered);
        Assert.Equal(room, (await pushes.NextAsync(p => p.MessageId == roomPush.MessageId)).Room);

        var online = await backend.GetOnlineUsersAsync("web");
        Assert.Equal(Namespace.Web, online.Namespace);
        Assert.Contains(online.Users, u => u.Id == user && u.Connections == 1 && u.Role == Role.User);

        var unknownNs = await Assert.ThrowsAsync<SwitchboardException>(() => backend.GetOnlineUsersAsync("nope"));
        Assert.Equal(ErrorCode.InvalidField, unknownNs.Code);
        Assert.Equal("$.ns", unknownNs.Path);
    }

    [Fact]
    public async Task Work_orders_conversations_and_day_access_over_http()
    {
        var agentId = fixture.NewUser("hagent");
        await using var agent = await fixture.ConnectAsync(agentId, "agent");
        await using var womsgs = agent.Events<WomsgEvent>();
        await using var dayAccess = agent.Events<DayAccessEvent>();
        using var http = fixture.Server.CreateHttpClient();
        var backend = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions
        {
            BaseAddress = fixture.Server.BaseUri,
            Token = fixture.Server.MintToken("backend", "admin"),
        });

        var created = await backend.CreateWorkOrderAsync("Refund", "Order 42", assignee: agentId);
        Assert.Equal(WorkOrderStatus.Open, created.Status);
        Assert.Equal(agentId, created.Assignee!.Id);
        Assert.Equal("backend", created.CreatedBy.Id);
        Assert.Equal(Role.Admin, created.CreatedBy.Role);
        Assert.Equal(created.CreatedAt, created.UpdatedAt);
        Assert.Equal(TimeSpan.Zero, created.CreatedAt.Offset);
        Assert.Equal(created.WorkOrderId, (await womsgs.NextAsync(w => w.WorkOrderId == created.WorkOrderId)).WorkOrderId);

        var fetched = await backend.GetWorkOrderAsync(created.WorkOrderId);
        Assert.Equal("Refund", fetched.Title);
        Assert.Equal("Order 42", fetched.Body);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt);
        var updated = await backend.UpdateWorkOrderAsync(created.WorkOrderId, WorkOrderStatus.InProgress, "on it");
        Assert.Equal(WorkOrderStatus.InProgress, updated.Status);
        Assert.True(updated.UpdatedAt >= created.UpdatedAt);
        var mine = await backend.ListWorkOrdersAsync(assignee: agentId, status: WorkOrderStatus.InProgress);
        Assert.Contains(mine.WorkOrders, w => w.WorkOrderId == created.WorkOrderId);
        Assert.All(mine.WorkOrders, w => Assert.Equal(agentId, w.Assignee?.Id));
        var noneOpen = await backend.ListWorkOrdersAsync(assignee: agentId, status: WorkOrderStatus.Open);
        Assert.DoesNotContain(noneOpen.WorkOrders, w => w.WorkOrderId == created.WorkOrderId);
        var missing = await Assert.ThrowsAsync<SwitchboardException>(() => backend.GetWorkOrderAsync("missing-order"));
        Assert.Equal(ErrorCode.WorkOrderNotFound, missing.Code);

        await using var visitor = await fixture.ConnectAsync(fixture.NewUser("hvisitor"), "visitor");
        var waiting = await visitor.RequestServiceAsync("http test");
        var listed = await backend.ListConversationsAsync(ConversationState.Waiting);
        var summary = Assert.Single(listed.Conversations, c => c.ConversationId == waiting.ConversationId);
        Assert.Equal(ConversationState.Waiting, summary.State);
        Assert.Equal("http test", summary.Topic);
        Assert.Null(summary.Agent);
        Assert.True((await backend.ListConversationsAsync(ConversationState.Waiting, limit: 1)).Conversations.Count <= 1);
        await agent.GrabAsync(waiting.ConversationId);

        // The grab is counted after its reply; the pushed DAY_ACCESS (count >= 1) says the count is stored.
        var counted = await dayAccess.NextAsync(d => d.Count >= 1);
        var stats = await backend.GetDayAccessStatsAsync();
        Assert.Contains(stats.Agents, a => a.Agent.Id == agentId && a.Count >= 1);
        Assert.True(stats.Total >= 1);
        Assert.Equal(counted.Date, stats.Date);
        Assert.Equal(stats.Total, (await backend.GetDayAccessStatsAsync(DateOnly.ParseExact(stats.Date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).Total);

        var closed = await backend.CloseConversationAsync(waiting.ConversationId);
        Assert.Equal(ConversationState.Closed, closed.State);
        Assert.Equal(ConversationCloseReason.Backend, closed.Reason);
        Assert.Equal(agentId, closed.Agent?.Id);
        Assert.True(closed.ClosedAt >= closed.QueuedAt);
        var again = await Assert.ThrowsAsync<SwitchboardException>(() => backend.CloseConversationAsync(waiting.ConversationId));
        Assert.Equal(ErrorCode.ConversationClosed, again.Code);
        var unknown = await Assert.ThrowsAsync<SwitchboardException>(() => backend.CloseConversationAsync("no-such-conversation"));
        Assert.Equal(ErrorCode.ConversationNotFound, unknown.Code);

        var health = await backend.GetHealthAsync();
        Assert.Equal("ok", health.Status);
    }
}
