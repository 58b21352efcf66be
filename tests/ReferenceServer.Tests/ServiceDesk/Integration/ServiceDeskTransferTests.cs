using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.ServiceDesk.Integration;

/// <summary>REQUEST_/ACCEPT_/REFUSE_TRANSFER over real WebSockets.</summary>
public sealed class ServiceDeskTransferTests
{
    private static async Task<string> ActiveConversationAsync(TestSession owner, TestSession visitor)
    {
        var reply = await visitor.Client.RequestAsync("REQUEST_SERVICE", new { data = "hello" });
        var id = reply.GetString("conversation_id")!;
        var grab = await owner.Client.RequestAsync("GRAB", new { conversation_id = id });
        Assert.Equal("CONVERSATION", grab.Event);
        return id;
    }

    [Fact]
    public async Task Accept_moves_the_conversation_to_the_target()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("x-alice");
        await using var bob = await host.AgentAsync("x-bob", "app");
        await using var visitor = await host.VisitorAsync("x-v");
        var id = await ActiveConversationAsync(alice, visitor);

        var pending = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "x-bob", note = "VIP" });
        Assert.Equal(("TRANSFER", "pending", "x-bob", id), (pending.Event, pending.GetString("state"), pending.Nested("to", "id"), pending.GetString("conversation_id")));
        var transferId = pending.GetString("transfer_id")!;
        var rtransfer = await bob.WaitForAsync("RTRANSFER", e => e.GetString("transfer_id") == transferId);
        Assert.Equal((id, "x-alice", "x-v", "VIP"), (rtransfer.GetString("conversation_id"), rtransfer.Nested("from", "id"), rtransfer.Nested("visitor", "id"), rtransfer.GetString("note")));
        Assert.True(DateTimeOffset.Parse(rtransfer.GetString("expires_at")!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddSeconds(20));

        var again = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "x-bob" });
        Assert.Equal(("TRANSFER_ERROR", 4012L, id), (again.Event, again.GetInt64("code"), again.GetString("conversation_id")));
        var notTarget = await alice.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = transferId });
        Assert.Equal(("ERROR", 4006L), (notTarget.Event, notTarget.GetInt64("code")));

        var ack = await bob.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = transferId });
        Assert.Equal(("ACK", "ACCEPT_TRANSFER"), (ack.Event, ack.GetString("command")));
        foreach (var party in new[] { bob, visitor, alice })
        {
            var moved = await party.WaitForAsync("CONVERSATION", e => e.For(id) && e.AgentId() == "x-bob");
            Assert.Equal("active", moved.GetString("state"));
            Assert.NotNull(moved.Seq);
        }

        await bob.WaitForAsync("NEW_MESSAGE_USER", e => e.For(id) && e.GetString("data") == "hello"); // history
        var accepted = await alice.WaitForAsync("TRANSFER", e => e.GetString("state") == "accepted");
        Assert.Equal((transferId, (string?)null), (accepted.GetString("transfer_id"), accepted.Cid));
        var bobDay = await bob.WaitForAsync("DAY_ACCESS", e => e.GetInt64("count") == 1);
        Assert.Equal(2, bobDay.GetInt64("total"));

        var gone = await alice.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 4003L), (gone.Event, gone.GetInt64("code")));
        await visitor.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "hi bob" });
        await bob.WaitForAsync("NEW_MESSAGE_USER", e => e.GetString("data") == "hi bob");
        var twice = await bob.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = transferId });
        Assert.Equal(("ERROR", 4006L), (twice.Event, twice.GetInt64("code")));
    }

    [Fact]
    public async Task Request_errors_carry_the_codes_of_the_spec()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("e-alice");
        await using var bob = await host.AgentAsync("e-bob");
        await using var visitor = await host.VisitorAsync("e-v");
        var id = await ActiveConversationAsync(alice, visitor);

        async Task ExpectAsync(TestSession from, object request, long code)
        {
            var reply = await from.Client.RequestAsync("REQUEST_TRANSFER", request);
            Assert.Equal(("TRANSFER_ERROR", code), (reply.Event, reply.GetInt64("code")));
            Assert.Equal("REQUEST_TRANSFER", reply.GetString("command")); // SB-CODEC-013 via SB-XFER-003
            Assert.Null(reply.GetString("path"));
        }

        // SB-XFER-003 / SB-CODEC-004: a field error in TRANSFER_ERROR names the field and the command.
        var missing = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id });
        Assert.Equal(("TRANSFER_ERROR", 1004L, "$.request.to", "REQUEST_TRANSFER"), (missing.Event, missing.GetInt64("code"), missing.GetString("path"), missing.GetString("command")));
        var wrongType = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = 7 });
        Assert.Equal(("TRANSFER_ERROR", 1005L, "$.request.to", "REQUEST_TRANSFER"), (wrongType.Event, wrongType.GetInt64("code"), wrongType.GetString("path"), wrongType.GetString("command")));

        await ExpectAsync(alice, new { conversation_id = "nope", to = "e-bob" }, 4001);
        await ExpectAsync(bob, new { conversation_id = id, to = "e-alice" }, 4003);
        await ExpectAsync(alice, new { conversation_id = id, to = "e-alice" }, 4010);
        await ExpectAsync(alice, new { conversation_id = id, to = "e-nobody" }, 4004);
        await ExpectAsync(alice, new { conversation_id = id, to = "e-v" }, 4005);
        var unknown = await bob.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = "nope" });
        Assert.Equal(("ERROR", 4006L), (unknown.Event, unknown.GetInt64("code")));
        var refuseUnknown = await bob.Client.RequestAsync("REFUSE_TRANSFER", new { transfer_id = "nope" });
        Assert.Equal(("ERROR", 4006L), (refuseUnknown.Event, refuseUnknown.GetInt64("code")));
        var visitorTries = await visitor.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "e-bob" });
        Assert.Equal((2004L, "REQUEST_TRANSFER"), (visitorTries.GetInt64("code"), visitorTries.GetString("command")));
    }

    [Fact]
    public async Task Refuse_tells_the_requester_and_keeps_the_owner()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("r-alice");
        await using var bob = await host.AgentAsync("r-bob");
        await using var visitor = await host.VisitorAsync("r-v");
        var id = await ActiveConversationAsync(alice, visitor);
        var pending = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "r-bob" });
        var transferId = pending.GetString("transfer_id")!;
        await bob.WaitForAsync("RTRANSFER", e => e.GetString("transfer_id") == transferId);

        var ack = await bob.Client.RequestAsync("REFUSE_TRANSFER", new { transfer_id = transferId, reason = "busy" });
        Assert.Equal(("ACK", "REFUSE_TRANSFER"), (ack.Event, ack.GetString("command")));
        var refused = await alice.WaitForAsync("REFUSE_TRANSFER", e => e.GetString("transfer_id") == transferId);
        Assert.Equal((id, "r-bob", "busy"), (refused.GetString("conversation_id"), refused.Nested("by", "id"), refused.GetString("reason")));
        Assert.Equal("SEND_MESSAGE_SUCCESS", (await alice.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "still me" })).Event);
    }

    [Fact]
    public async Task Target_leaving_fails_the_transfer_with_4004_and_closing_fails_it_with_4009()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("f-alice");
        await using var carol = await host.AgentAsync("f-carol");
        await using var visitor = await host.VisitorAsync("f-v");
        var id = await ActiveConversationAsync(alice, visitor);

        string first;
        await using (var bob = await host.AgentAsync("f-bob"))
        {
            first = (await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "f-bob" })).GetString("transfer_id")!;
            await bob.WaitForAsync("RTRANSFER", e => e.GetString("transfer_id") == first);
        }

        var offline = await alice.WaitForAsync("TRANSFER_ERROR", e => e.GetString("transfer_id") == first);
        Assert.Equal((4004L, id, (string?)null), (offline.GetInt64("code"), offline.GetString("conversation_id"), offline.GetString("command"))); // pushed: answers no command

        var second = (await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "f-carol" })).GetString("transfer_id")!;
        await carol.WaitForAsync("RTRANSFER", e => e.GetString("transfer_id") == second);
        await visitor.Client.RequestAsync("CLOSE_CONVERSATION", new { conversation_id = id });
        foreach (var party in new[] { alice, carol })
        {
            var failed = await party.WaitForAsync("TRANSFER_ERROR", e => e.GetString("transfer_id") == second);
            Assert.Equal((4009L, "CONVERSATION_CLOSED"), (failed.GetInt64("code"), failed.GetString("error")));
        }

        var late = await carol.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = second });
        Assert.Equal(("ERROR", 4006L), (late.Event, late.GetInt64("code")));
    }

    [Fact]
    public async Task Timeout_on_the_server_clock_sends_TRANSFER_ERROR_4007_to_both_and_accept_then_fails()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "3600000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "7200000";
            o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = "30000";
        });
        await using var alice = await host.AgentAsync("t-alice");
        await using var bob = await host.AgentAsync("t-bob");
        await using var visitor = await host.VisitorAsync("t-v");
        var id = await ActiveConversationAsync(alice, visitor);
        var pending = await alice.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "t-bob" });
        var transferId = pending.GetString("transfer_id")!;
        await bob.WaitForAsync("RTRANSFER", e => e.GetString("transfer_id") == transferId);

        time.Advance(TimeSpan.FromSeconds(29));
        await alice.SettleAsync();
        Assert.Empty(alice.Received("TRANSFER_ERROR"));
        time.Advance(TimeSpan.FromSeconds(1));
        foreach (var party in new[] { alice, bob })
        {
            var error = await party.WaitForAsync("TRANSFER_ERROR", e => e.GetString("transfer_id") == transferId);
            Assert.Equal((4007L, "TRANSFER_TIMEOUT", id, (string?)null), (error.GetInt64("code"), error.GetString("error"), error.GetString("conversation_id"), error.Cid));
            Assert.Null(error.GetString("command"));
        }

        var late = await bob.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = transferId });
        Assert.Equal(("ERROR", 4007L), (late.Event, late.GetInt64("code")));
        Assert.Equal("SEND_MESSAGE_SUCCESS", (await alice.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "still mine" })).Event);
    }
}
