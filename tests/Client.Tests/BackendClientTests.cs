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

        var unknownNs = await Assert.ThrowsAsync<SwitchboardException>(() => backend.GetOnlineUsersAsync("nope"));
        Assert.Equal(ErrorCode.InvalidField, unknownNs.Code);
    }

    [Fact]
    public async Task Work_orders_conversations_and_day_access_over_http()
    {
        var agentId = fixture.NewUser("hagent");
        await using var agent = await fixture.ConnectAsync(agentId, "agent");
        await using var womsgs = agent.Events<WomsgEvent>();
        using var http = fixture.Server.CreateHttpClient();
        var backend = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions
        {
            BaseAddress = fixture.Server.BaseUri,
            Token = fixture.Server.MintToken("backend", "admin"),
        });

        var created = await backend.CreateWorkOrderAsync("Refund", "Order 42", assignee: agentId);
        Assert.Equal(WorkOrderStatus.Open, created.Status);
        Assert.Equal(agentId, created.Assignee!.Id);
        Assert.Equal(created.WorkOrderId, (await womsgs.NextAsync(w => w.WorkOrderId == created.WorkOrderId)).WorkOrderId);

        var fetched = await backend.GetWorkOrderAsync(created.WorkOrderId);
        Assert.Equal("Refund", fetched.Title);
        var updated = await backend.UpdateWorkOrderAsync(created.WorkOrderId, WorkOrderStatus.InProgress, "on it");
        Assert.Equal(WorkOrderStatus.InProgress, updated.Status);
        var mine = await backend.ListWorkOrdersAsync(assignee: agentId, status: WorkOrderStatus.InProgress);
        Assert.Contains(mine, w => w.WorkOrderId == created.WorkOrderId);
        var missing = await Assert.ThrowsAsync<SwitchboardException>(() => backend.GetWorkOrderAsync("missing-order"));
        Assert.Equal(ErrorCode.WorkOrderNotFound, missing.Code);

        await using var visitor = await fixture.ConnectAsync(fixture.NewUser("hvisitor"), "visitor");
        var waiting = await visitor.RequestServiceAsync("http test");
        var listed = await backend.ListConversationsAsync(ConversationState.Waiting);
        Assert.Contains(listed, c => c.ConversationId == waiting.ConversationId && c.State == ConversationState.Waiting);
        await agent.GrabAsync(waiting.ConversationId);

        var stats = await backend.GetDayAccessStatsAsync();
        Assert.Contains(stats.Agents, a => a.Agent.Id == agentId && a.Count >= 1);
        Assert.True(stats.Total >= 1);
    }
}
