using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.ServiceDesk;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.Tests.ServiceDesk.Domain;

public sealed class ServiceDeskRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sb-desk-restart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task State_survives_a_restart_and_timers_are_rearmed()
    {
        var time = new FakeTimeProvider(DeskHarness.Start);
        string conversationId;
        string transferId;
        string orderId;
        using (var before = new DeskHarness(new ServiceDeskOptions(), _directory, time))
        {
            await before.Engine.InitializeAsync();
            var a = await before.ConnectAsync(DeskHarness.Agent("a1"));
            await before.ConnectAsync(DeskHarness.Agent("b1"));
            var v = await before.ConnectAsync(DeskHarness.Visitor("v1"));
            var c = await before.Engine.RequestServiceAsync(v, null, null, null);
            await before.Engine.GrabAsync(a, c.Id, null);
            conversationId = c.Id;
            transferId = (await before.Engine.RequestTransferAsync(a, c.Id, "b1", null, null)).Id;
            orderId = (await before.Engine.CreateWorkOrderAsync(a.User, "web", "t", "b", "a1", c.Id, null, null)).Id;
        }

        using var after = new DeskHarness(new ServiceDeskOptions(), _directory, time);
        await after.Engine.InitializeAsync();
        Assert.Equal(1, (await after.Engine.GetDayAccessAsync("a1")).Count);
        Assert.Equal("a1", (await after.Engine.GetConversationAsync(conversationId))!.Agent!.User.Id);
        Assert.Equal(conversationId, (await after.Engine.GetWorkOrderAsync(orderId))!.ConversationId);

        // The pending transfer's timer was re-armed from the stored deadline.
        await after.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, after.Outbox.Of("TRANSFER_ERROR").Count);
        Assert.Equal(DeskTransferState.Expired, (await after.Engine.GetTransferAsync(transferId))!.State);

        // The idle timer too: the conversation closes 300 s after its last activity.
        await after.AdvanceAsync(TimeSpan.FromSeconds(270));
        Assert.Equal(DeskConversationState.Closed, (await after.Engine.GetConversationAsync(conversationId))!.State);
    }

    [Fact]
    public async Task Open_conversation_survives_a_restart()
    {
        var time = new FakeTimeProvider(DeskHarness.Start);
        string c1;
        string c2;
        using (var before = new DeskHarness(new ServiceDeskOptions(), _directory, time))
        {
            var a = await before.ConnectAsync(DeskHarness.Agent("a1"));
            var v1 = await before.ConnectAsync(DeskHarness.Visitor("v1"));
            var v2 = await before.ConnectAsync(DeskHarness.Visitor("v2"));
            c1 = (await before.Engine.GrabAsync(a, (await before.Engine.RequestServiceAsync(v1, null, null, null)).Id, null)).Id;
            c2 = (await before.Engine.GrabAsync(a, (await before.Engine.RequestServiceAsync(v2, null, null, null)).Id, null)).Id;
            await before.Engine.OpenConversationAsync(a, c1, null);
        }

        using var after = new DeskHarness(new ServiceDeskOptions(), _directory, time);
        Assert.Equal(c1, await after.Engine.GetOpenConversationAsync("a1", "web"));
        await after.Engine.SendMessageAsync(DeskHarness.Visitor("v1"), c1, "open");
        await after.Engine.SendMessageAsync(DeskHarness.Visitor("v2"), c2, "other");
        Assert.Equal([("NEW_MESSAGE", "open"), ("NEW_MESSAGE_USER", "other")], after.Outbox.To("web/a1").Select(s => (s.Kind, s.Detail!)));
    }

    [Fact]
    public async Task Waiting_conversation_of_a_visitor_offline_at_startup_is_withdrawn_after_the_grace()
    {
        var time = new FakeTimeProvider(DeskHarness.Start);
        string conversationId;
        using (var before = new DeskHarness(new ServiceDeskOptions(), _directory, time))
        {
            var v = await before.ConnectAsync(DeskHarness.Visitor("v1"));
            conversationId = (await before.Engine.RequestServiceAsync(v, null, null, null)).Id;
        }

        using var after = new DeskHarness(new ServiceDeskOptions { VisitorGraceMs = 10_000 }, _directory, time);
        await after.Engine.InitializeAsync();
        await after.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DeskConversationState.Closed, (await after.Engine.GetConversationAsync(conversationId))!.State);
    }
}
