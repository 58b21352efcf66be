using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.ServiceDesk.Integration;

/// <summary>Service-desk flows over real WebSockets against the real server (core test host).</summary>
public sealed class ServiceDeskFlowTests
{
    private static string Today => DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> RequestServiceAsync(TestSession visitor, string? data = null, string? topic = null)
    {
        var reply = await visitor.Client.RequestAsync("REQUEST_SERVICE", new { topic, data });
        Assert.Equal("CONVERSATION", reply.Event);
        Assert.Equal("waiting", reply.GetString("state"));
        Assert.NotNull(reply.Seq);
        return reply.GetString("conversation_id")!;
    }

    private static async Task GrabAsync(TestSession agent, string conversationId)
    {
        var reply = await agent.Client.RequestAsync("GRAB", new { conversation_id = conversationId });
        Assert.Equal(("CONVERSATION", "active"), (reply.Event, reply.GetString("state")));
    }

    [Fact]
    public async Task Queue_announces_QIANGDAN_to_every_agent_and_late_agents_get_day_access_then_the_snapshot()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var webAgent = await host.AgentAsync("qa-web");
        await using var appAgent = await host.AgentAsync("qa-app", "app");
        var greeting = await webAgent.WaitForAsync("DAY_ACCESS");
        Assert.Equal((Today, 0L, 0L), (greeting.GetString("date"), greeting.GetInt64("count"), greeting.GetInt64("total")));
        Assert.Null(greeting.Cid);

        await using var visitor = await host.VisitorAsync("qv", "app");
        var reply = await visitor.Client.RequestAsync("REQUEST_SERVICE", new { topic = "billing", data = "My invoice is wrong" });
        Assert.Equal(("CONVERSATION", "waiting", 1L, "billing"), (reply.Event, reply.GetString("state"), reply.GetInt64("position"), reply.GetString("topic")));
        Assert.Equal((long?)1, reply.Seq);
        Assert.False(reply.Has("agent"));
        var id = reply.GetString("conversation_id")!;
        var first = await visitor.WaitForAsync("NEW_MESSAGE", e => e.For(id));
        Assert.Equal(("My invoice is wrong", (long?)2), (first.GetString("data"), first.Seq));

        foreach (var agent in new[] { webAgent, appAgent })
        {
            var q = await agent.WaitForAsync("QIANGDAN", e => e.For(id));
            Assert.Equal(("waiting", "qv", "billing"), (q.GetString("state"), q.Nested("visitor", "id"), q.GetString("topic")));
            Assert.True(q.Has("queued_at"));
        }

        // A late agent: DAY_ACCESS first, then the waiting queue (SB-CS-027, SB-CS-006).
        await using var late = await host.AgentAsync("qa-late");
        var day = await late.WaitForAsync("DAY_ACCESS");
        var snapshot = await late.WaitForAsync("QIANGDAN", e => e.For(id));
        Assert.True(late.IndexOf(day) < late.IndexOf(snapshot));

        // Already in service: 4008; a plain user may not ask: 2004.
        var again = await visitor.Client.RequestAsync("REQUEST_SERVICE", new { });
        Assert.Equal(("ERROR", 4008L, "ALREADY_IN_SERVICE"), (again.Event, again.GetInt64("code"), again.GetString("error")));
        await using var user = await host.ConnectAsync("qu", "user");
        var forbidden = await user.Client.RequestAsync("REQUEST_SERVICE", new { });
        Assert.Equal(("ERROR", 2004L), (forbidden.Event, forbidden.GetInt64("code")));
    }

    [Fact]
    public async Task Grab_race_has_exactly_one_winner_in_every_round()
    {
        const int rounds = 20;
        await using var host = await TestServerHost.StartAsync();
        var agents = new List<TestSession>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                agents.Add(await host.AgentAsync("race-a" + i, i % 2 == 0 ? "web" : "app"));
            }

            var wins = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var round = 0; round < rounds; round++)
            {
                await using var visitor = await host.VisitorAsync("race-v" + round, round % 2 == 0 ? "web" : "app");
                var id = await RequestServiceAsync(visitor, "hello " + round);
                foreach (var agent in agents)
                {
                    await agent.WaitForAsync("QIANGDAN", e => e.For(id) && e.GetString("state") == "waiting");
                }

                var replies = await Task.WhenAll(agents.Select(a => a.Client.RequestAsync("GRAB", new { conversation_id = id })));
                var winners = replies.Select((r, i) => (Reply: r, Agent: agents[i])).Where(x => x.Reply.Event == "CONVERSATION").ToArray();
                var winner = Assert.Single(winners);
                var winnerId = "race-a" + agents.IndexOf(winner.Agent);
                Assert.Equal(("active", winnerId), (winner.Reply.GetString("state"), winner.Reply.AgentId()));
                Assert.All(replies.Where(r => r.Event != "CONVERSATION"), r => Assert.Equal(("ERROR", 4002L, "GRAB_LOST"), (r.Event, r.GetInt64("code"), r.GetString("error"))));
                wins[winnerId] = wins.GetValueOrDefault(winnerId) + 1;

                foreach (var agent in agents)
                {
                    var taken = await agent.WaitForAsync("QIANGDAN", e => e.For(id) && e.GetString("state") == "taken");
                    Assert.Equal(winnerId, taken.AgentId());
                }

                var visitorView = await visitor.WaitForAsync("CONVERSATION", e => e.For(id) && e.GetString("state") == "active");
                Assert.Equal(winnerId, visitorView.AgentId());
                Assert.Null(visitorView.Cid);
            }

            foreach (var agent in agents)
            {
                await agent.SettleAsync();
                Assert.Equal(rounds, agent.Received("QIANGDAN", e => e.GetString("state") == "taken").Count);
                var day = await agent.Client.RequestAsync("GET_DAY_ACCESS");
                var id = agent.Connect.Nested("user", "id");
                Assert.Equal(("DAY_ACCESS", (long)wins.GetValueOrDefault(id), (long)rounds), (day.Event, day.GetInt64("count"), day.GetInt64("total")));
            }
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Messages_are_NEW_MESSAGE_for_the_open_conversation_and_NEW_MESSAGE_USER_otherwise()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("m-alice");
        await using var bob = await host.AgentAsync("m-bob");
        await using var visitor = await host.VisitorAsync("m-v", "app");
        var id = await RequestServiceAsync(visitor, "first");
        await GrabAsync(alice, id);

        // History after the CONVERSATION reply, labelled for a conversation that is not open (SB-CS-011).
        var history = await alice.WaitForAsync("NEW_MESSAGE_USER", e => e.For(id) && e.GetString("data") == "first");
        Assert.Equal(("m-v", (long?)2), (history.Nested("user", "id"), history.Seq));

        Assert.Equal("SEND_MESSAGE_SUCCESS", (await visitor.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "not open yet" })).Event);
        await alice.WaitForAsync("NEW_MESSAGE_USER", e => e.GetString("data") == "not open yet");

        var ack = await alice.Client.RequestAsync("OPEN_CONVERSATION", new { conversation_id = id });
        Assert.Equal(("ACK", "OPEN_CONVERSATION"), (ack.Event, ack.GetString("command")));
        await visitor.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "now open" });
        await alice.WaitForAsync("NEW_MESSAGE", e => e.GetString("data") == "now open");
        Assert.Empty(alice.Received("NEW_MESSAGE_USER", e => e.GetString("data") == "now open"));

        var sent = await alice.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "Hi, I am Alice" });
        Assert.Equal(("SEND_MESSAGE_SUCCESS", id), (sent.Event, sent.GetString("conversation_id")));
        var messageId = sent.GetString("message_id");
        var atVisitor = await visitor.WaitForAsync("NEW_MESSAGE", e => e.GetString("message_id") == messageId);
        Assert.Equal(("m-alice", "Hi, I am Alice"), (atVisitor.Nested("user", "id"), atVisitor.GetString("data")));
        await alice.WaitForAsync("NEW_MESSAGE", e => e.GetString("message_id") == messageId); // own stream too (SB-CS-016)

        await alice.Client.RequestAsync("OPEN_CONVERSATION", new { });
        await visitor.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "closed the pane" });
        await alice.WaitForAsync("NEW_MESSAGE_USER", e => e.GetString("data") == "closed the pane");

        var notMine = await bob.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 4003L), (notMine.Event, notMine.GetInt64("code")));
        var unknown = await alice.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = "nope", data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 4001L), (unknown.Event, unknown.GetInt64("code")));
        var openOther = await bob.Client.RequestAsync("OPEN_CONVERSATION", new { conversation_id = id });
        Assert.Equal(("ERROR", 4003L), (openOther.Event, openOther.GetInt64("code")));
    }

    [Fact]
    public async Task Offline_visitor_receives_the_conversation_and_messages_when_back()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var agent = await host.AgentAsync("o-agent");
        string id;
        await using (var visitor = await host.VisitorAsync("o-v"))
        {
            id = await RequestServiceAsync(visitor, "help");
        }

        await agent.WaitForAsync("QIANGDAN", e => e.For(id) && e.GetString("state") == "waiting");
        await GrabAsync(agent, id);
        await agent.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "are you there?" });
        await agent.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "I can help" });

        await using var back = await host.VisitorAsync("o-v");
        Assert.True(back.Connect.GetInt64("missed") >= 3);
        var active = await back.WaitForAsync("CONVERSATION", e => e.For(id) && e.GetString("state") == "active");
        var m1 = await back.WaitForAsync("NEW_MESSAGE", e => e.GetString("data") == "are you there?");
        var m2 = await back.WaitForAsync("NEW_MESSAGE", e => e.GetString("data") == "I can help");
        Assert.True(active.Seq < m1.Seq && m1.Seq < m2.Seq);
        Assert.Equal("o-agent", active.AgentId());
    }

    [Fact]
    public async Task Close_by_the_visitor_acks_and_notifies_both_and_closing_a_waiting_one_withdraws_it()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var agent = await host.AgentAsync("c-agent");
        await using var visitor = await host.VisitorAsync("c-v");
        var id = await RequestServiceAsync(visitor);
        await GrabAsync(agent, id);

        var ack = await visitor.Client.RequestAsync("CLOSE_CONVERSATION", new { conversation_id = id });
        Assert.Equal(("ACK", "CLOSE_CONVERSATION"), (ack.Event, ack.GetString("command")));
        foreach (var party in new[] { visitor, agent })
        {
            var closed = await party.WaitForAsync("CONVERSATION", e => e.For(id) && e.GetString("state") == "closed");
            Assert.Equal(("visitor", "c-agent"), (closed.GetString("reason"), closed.AgentId()));
        }

        var late = await agent.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 4009L), (late.Event, late.GetInt64("code")));
        var twice = await visitor.Client.RequestAsync("CLOSE_CONVERSATION", new { conversation_id = id });
        Assert.Equal(("ERROR", 4009L), (twice.Event, twice.GetInt64("code")));

        var waiting = await RequestServiceAsync(visitor);
        await visitor.Client.RequestAsync("CLOSE_CONVERSATION", new { conversation_id = waiting });
        await agent.WaitForAsync("QIANGDAN", e => e.For(waiting) && e.GetString("state") == "withdrawn");
        var grab = await agent.Client.RequestAsync("GRAB", new { conversation_id = waiting });
        Assert.Equal(("ERROR", 4002L), (grab.Event, grab.GetInt64("code")));
        var unknown = await agent.Client.RequestAsync("GRAB", new { conversation_id = "nope" });
        Assert.Equal(("ERROR", 4001L), (unknown.Event, unknown.GetInt64("code")));
    }

    [Fact]
    public async Task Waiting_conversation_is_withdrawn_when_the_visitor_stays_away_past_the_grace()
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:ServiceDesk:VisitorGraceMs"] = "200");
        await using var agent = await host.AgentAsync("g-agent");
        string id;
        await using (var visitor = await host.VisitorAsync("g-v"))
        {
            id = await RequestServiceAsync(visitor);
        }

        var withdrawn = await agent.WaitForAsync("QIANGDAN", e => e.For(id) && e.GetString("state") == "withdrawn");
        Assert.Null(withdrawn.AgentId());
        await using var back = await host.VisitorAsync("g-v");
        var closed = await back.WaitForAsync("CONVERSATION", e => e.For(id) && e.GetString("state") == "closed");
        Assert.Equal("visitor", closed.GetString("reason"));
        Assert.Equal("CONVERSATION", (await back.Client.RequestAsync("REQUEST_SERVICE", new { })).Event);
    }

    [Fact]
    public async Task Idle_conversation_gets_a_TIMER_warning_then_closes_with_reason_idle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "3600000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "7200000";
        });
        await using var agent = await host.AgentAsync("i-agent");
        await using var visitor = await host.VisitorAsync("i-v");
        var id = await RequestServiceAsync(visitor);
        await GrabAsync(agent, id);

        time.Advance(TimeSpan.FromSeconds(200));
        await visitor.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = id, data = "still here" }); // restarts both periods
        time.Advance(TimeSpan.FromSeconds(200));
        await agent.SettleAsync();
        Assert.Empty(agent.Received("TIMER"));

        time.Advance(TimeSpan.FromSeconds(40)); // 240 s without activity
        foreach (var party in new[] { agent, visitor })
        {
            var warning = await party.WaitForAsync("TIMER", e => e.For(id));
            Assert.Equal(("conversation_idle", "warning", 60_000L), (warning.GetString("kind"), warning.GetString("state"), warning.GetInt64("remaining_ms")));
        }

        time.Advance(TimeSpan.FromSeconds(60)); // 300 s without activity
        foreach (var party in new[] { agent, visitor })
        {
            var closed = await party.WaitForAsync("CONVERSATION", e => e.For(id) && e.GetString("state") == "closed");
            Assert.Equal("idle", closed.GetString("reason"));
            Assert.True(party.IndexOf(party.Received("TIMER")[0]) < party.IndexOf(closed));
            Assert.Single(party.Received("TIMER"));
        }
    }

    [Fact]
    public async Task Set_timer_replies_scheduled_and_fires_to_the_connection()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var user = await host.ConnectAsync("t-user");
        var scheduled = await user.Client.RequestAsync("SET_TIMER", new { delay_ms = 50, label = "tea" });
        Assert.Equal(("TIMER", "reminder", "scheduled", 50L, "tea"), (scheduled.Event, scheduled.GetString("kind"), scheduled.GetString("state"), scheduled.GetInt64("remaining_ms"), scheduled.GetString("label")));
        var timerId = scheduled.GetString("timer_id");
        var fired = await user.WaitForAsync("TIMER", e => e.GetString("state") == "fired");
        Assert.Equal((timerId, 0L, "tea", scheduled.GetString("fires_at"), (string?)null), (fired.GetString("timer_id"), fired.GetInt64("remaining_ms"), fired.GetString("label"), fired.GetString("fires_at"), fired.Cid));

        var bad = await user.Client.RequestAsync("SET_TIMER", new { delay_ms = 0 });
        Assert.Equal(("ERROR", 1005L, "$.request.delay_ms"), (bad.Event, bad.GetInt64("code"), bad.GetString("path")));
    }

    [Fact]
    public async Task Day_access_is_persisted_across_a_restart()
    {
        var host = await TestServerHost.StartAsync();
        try
        {
            await using (var agent = await host.AgentAsync("d-agent"))
            await using (var visitor = await host.VisitorAsync("d-v"))
            {
                var id = await RequestServiceAsync(visitor);
                await GrabAsync(agent, id);
                var pushed = await agent.WaitForAsync("DAY_ACCESS", e => e.GetInt64("count") == 1);
                Assert.Equal((1L, (string?)null), (pushed.GetInt64("total"), pushed.Cid));
            }

            host = await host.RestartAsync();
            await using var again = await host.AgentAsync("d-agent");
            var greeting = await again.WaitForAsync("DAY_ACCESS");
            Assert.Equal((Today, 1L, 1L), (greeting.GetString("date"), greeting.GetInt64("count"), greeting.GetInt64("total")));
            await using var admin = await host.ConnectAsync("d-admin", "admin");
            var adminView = await admin.Client.RequestAsync("GET_DAY_ACCESS");
            Assert.Equal(("DAY_ACCESS", 0L, 1L), (adminView.Event, adminView.GetInt64("count"), adminView.GetInt64("total")));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}

/// <summary>Startup validation of the desk's options.</summary>
public sealed class ServiceDeskOptionsStartupTests
{
    [Fact]
    public async Task Invalid_desk_options_fail_the_start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sb-desk-options-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => TestServerHost.StartAsync(o =>
            {
                o.DataDirectory = directory;
                o.Settings["Switchboard:ServiceDesk:ConversationIdleWarningMs"] = "5000";
                o.Settings["Switchboard:ServiceDesk:ConversationIdleCloseMs"] = "1000";
            }));
            var validation = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(ex is AggregateException a ? a.InnerException : ex);
            Assert.Contains("ConversationIdleWarningMs", validation.Message, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
