using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Durable delivery: seq, resume, offline delivery, epochs.</summary>
internal static class DeliveryCases
{
    private static Task<Frame> Pm(WsSession from, CaseContext ctx, string to, string data) =>
        from.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User(to)), ("data", data)), Wire.SendMessageSuccess);

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("dlv.seq-increasing", Profiles.Core, "Durable events carry consecutive seq per recipient stream",
            "Three private messages to bob arrive with seq 1, 2, 3 in order; a new connection's CONNECT reports seq 3.",
            ["SB-DLV-001", "SB-DLV-003", "SB-DLV-005"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                for (var i = 1; i <= 3; i++)
                {
                    await Pm(alice, ctx, "bob", "m" + S(i));
                }

                for (var i = 1; i <= 3; i++)
                {
                    var m = await bob.ExpectAsync(Wire.PrivateMessage);
                    ctx.RequireEqual((long)i, m.Seq, "seq of the next PRIVATE_MESSAGE", m.Text);
                    ctx.RequireEqual("m" + S(i), m.Str("data"), "data in order", m.Text);
                }

                var bob2 = await ctx.ConnectAsync("bob", configure: o => { o.Since = 3; o.Epoch = bob.Connect!.Str("epoch"); });
                ctx.RequireEqual(3L, bob2.Connect!.Int("seq"), "CONNECT seq (last seq of the stream)", bob2.Connect.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.resume-no-loss-no-dup", Profiles.Core, "Resume after a dropped connection: no loss, no duplicates",
            "bob received seq 1-2, his connection drops, seq 3-4 are acknowledged to the sender meanwhile; reconnecting with since=2&epoch replays exactly 3 and 4 in order right after CONNECT {recovered: true, missed: 2}, then live events continue with 5.",
            ["SB-DLV-006", "SB-DLV-002", "SB-DLV-004", "SB-DLV-015"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await Pm(alice, ctx, "bob", "m1");
                await Pm(alice, ctx, "bob", "m2");
                await bob.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 1);
                await bob.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 2);
                bob.Abort();
                await Pm(alice, ctx, "bob", "m3");
                await Pm(alice, ctx, "bob", "m4");
                var back = await ctx.OpenAsync(new ConnectOptions { Token = ctx.TokenFor("bob"), Since = 2, Epoch = epoch, Label = "bob" }, ctx.User("bob"));
                var connect = await back.ExpectAsync(null, null, "the first frame (CONNECT)");
                ctx.RequireEqual(Wire.Connect, connect.Event, "first frame", connect.Text);
                ctx.RequireEqual(true, connect.Bool("recovered"), "CONNECT recovered", connect.Text);
                ctx.RequireEqual(2L, connect.Int("missed"), "CONNECT missed", connect.Text);
                ctx.RequireEqual(epoch, connect.Str("epoch"), "CONNECT epoch (unchanged)", connect.Text);
                ctx.RequireEqual(4L, connect.Int("seq"), "CONNECT seq", connect.Text);
                var r3 = await back.ExpectAsync(null, null, "the first replayed event");
                var r4 = await back.ExpectAsync(null, f => f.Event != Wire.Ping, "the second replayed event");
                ctx.Require(r3.Event == Wire.PrivateMessage && r3.Seq == 3 && r3.Str("data") == "m3", "the frame right after CONNECT is PRIVATE_MESSAGE seq 3 \"m3\"", r3.Text);
                ctx.Require(r4.Event == Wire.PrivateMessage && r4.Seq == 4 && r4.Str("data") == "m4", "then PRIVATE_MESSAGE seq 4 \"m4\"", r4.Text);
                await Pm(alice, ctx, "bob", "m5");
                var live = await back.ExpectAsync(Wire.PrivateMessage);
                ctx.RequireEqual(5L, live.Seq, "seq of the next live event", live.Text);
                await back.ExpectNoEventAsync(Wire.PrivateMessage, null, "a duplicate PRIVATE_MESSAGE");
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.offline-delivery", Profiles.Core, "Events for an offline user are delivered on the next connect",
            "Messages acknowledged while bob is offline are replayed after CONNECT (missed = 2) on a connect without since; after RECEIVED {seq} they are not replayed again.",
            ["SB-DLV-007", "SB-DLV-009", "SB-DLV-002", "SB-CHAT-007"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                await Pm(alice, ctx, "bob", "while you were out 1");
                await Pm(alice, ctx, "bob", "while you were out 2");
                var back = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(2L, back.Connect!.Int("missed"), "CONNECT missed", back.Connect.Text);
                var m1 = await back.ExpectAsync(Wire.PrivateMessage);
                var m2 = await back.ExpectAsync(Wire.PrivateMessage);
                ctx.Require(m1.Seq == 1 && m2.Seq == 2, "replayed seq 1 then 2", m1.Text + " " + m2.Text);
                var ack = await back.CallAsync(Wire.Received, Obj(("seq", 2)), Wire.Ack);
                ctx.RequireEqual(Wire.Received, ack.Str("command"), "ACK command", ack.Text);
                await back.CloseAsync();
                var again = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(0L, again.Connect!.Int("missed"), "CONNECT missed after RECEIVED", again.Connect.Text);
                await again.ExpectNoEventAsync(Wire.PrivateMessage);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.wrong-epoch", Profiles.Core, "A foreign epoch -> recovered false",
            "Connecting with since and an epoch that is not the stream's gets CONNECT {recovered: false} with the real epoch.",
            ["SB-DLV-010"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var back = await ctx.ConnectAsync("bob", configure: o => { o.Since = 0; o.Epoch = "not-the-epoch-" + ctx.Nonce; });
                ctx.RequireEqual(false, back.Connect!.Bool("recovered"), "CONNECT recovered", back.Connect.Text);
                ctx.RequireEqual(epoch, back.Connect.Str("epoch"), "CONNECT epoch (the stream's)", back.Connect.Text);
            });

        yield return Define("dlv.since-without-epoch", Profiles.Core, "since without epoch -> recovered false",
            "Connecting with since but no epoch replays like a connect without since and gets CONNECT {recovered: false}: the server cannot tell which stream the position belongs to.",
            ["SB-DLV-007", "SB-DLV-010"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                await bob.CloseAsync();
                var back = await ctx.ConnectAsync("bob", configure: o => o.Since = 0);
                ctx.RequireEqual(false, back.Connect!.Bool("recovered"), "CONNECT recovered", back.Connect.Text);
                ctx.RequireEqual(0L, back.Connect.Int("missed"), "CONNECT missed", back.Connect.Text);
            });

        yield return Define("dlv.since-beyond-end-keeps-ack", Profiles.Core, "since beyond the stream's end leaves acked_seq unchanged",
            "A connect with the right epoch and since greater than the last seq replays from acked_seq with recovered false, and does not acknowledge anything: the next plain connect replays the same events.",
            ["SB-DLV-008", "SB-DLV-010"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                await Pm(alice, ctx, "bob", "b1");
                await Pm(alice, ctx, "bob", "b2");
                var beyond = await ctx.ConnectAsync("bob", configure: o => { o.Since = 50; o.Epoch = epoch; });
                ctx.RequireEqual(false, beyond.Connect!.Bool("recovered"), "CONNECT recovered", beyond.Connect.Text);
                ctx.RequireEqual(2L, beyond.Connect.Int("missed"), "CONNECT missed (replay from acked_seq 0)", beyond.Connect.Text);
                await beyond.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 1);
                await beyond.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 2);
                await beyond.CloseAsync();
                var plain = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(2L, plain.Connect!.Int("missed"), "CONNECT missed of the next plain connect (acked_seq still 0)", plain.Connect.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.resume-recovered-true", Profiles.Core, "A resume with the right epoch and nothing missed is recovered",
            "Connecting with since = last seq and the stream's epoch gets CONNECT {recovered: true, missed: 0}.",
            ["SB-DLV-010", "SB-DLV-004"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var back = await ctx.ConnectAsync("bob", configure: o => { o.Since = 0; o.Epoch = bob.Connect!.Str("epoch"); });
                ctx.RequireEqual(true, back.Connect!.Bool("recovered"), "CONNECT recovered", back.Connect.Text);
                ctx.RequireEqual(0L, back.Connect.Int("missed"), "CONNECT missed", back.Connect.Text);
            });
    }
}
