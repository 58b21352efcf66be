using System.Globalization;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Keepalive, idle timeout, size and rate limits, slow consumers.</summary>
internal static class LimitCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("ka.ping", Profiles.Core, "The server sends PING every ping_interval_ms",
            "Within ping_interval_ms (+ margin) the server sends PING {at} without cid or seq; answering PONG produces no reply.",
            ["SB-KA-001", "SB-KA-002", "SB-ENV-016"], async ctx =>
            {
                // The interval advertised in this connection's own CONNECT (SB-LIM-006: the limits it enforces here).
                var s = await ctx.ConnectAsync("alice");
                var wait = ctx.DerivedWait(s.Connect!.Int("ping_interval_ms"), "ping_interval_ms", TimeSpan.FromSeconds(2));
                if (wait is null)
                {
                    return;
                }

                var ping = await s.ExpectAsync(Wire.Ping, null, "a PING", wait);
                RequireTimestamp(ctx, ping, "at");
                ctx.Require(ping.Cid is null && ping.Seq is null, "PING has no cid and no seq", ping.Text);
                await s.SendCommandAsync(Wire.Pong, new JsonObject(), withCid: false);
                await s.ExpectNoEventAsync(null, f => f.Event != Wire.Ping, "a reply to PONG");
            }, snapshot: SnapshotMode.None);

        yield return Define("ka.idle-timeout", Profiles.Core, "A silent connection is closed with 4408",
            "A connection that sends nothing for idle_timeout_ms gets CLOSE 4408 (retryable) and the close code 4408.",
            ["SB-KA-003", "SB-CLOSE-001"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var wait = ctx.DerivedWait(s.Connect!.Int("idle_timeout_ms"), "idle_timeout_ms", TimeSpan.FromSeconds(3));
                if (wait is null)
                {
                    return;
                }

                var close = await s.ExpectServerCloseAsync(CloseCodes.IdleTimeout, wait);
                ctx.RequireEqual(true, close.Bool("retryable"), "CLOSE retryable", close.Text);
            }, snapshot: SnapshotMode.None);

        yield return Define("ka.activity-keeps-alive", Profiles.Core, "PONGs keep a connection alive past idle_timeout_ms",
            "A client that sends PONG every idle_timeout_ms/3 is not closed during 1.25 x idle_timeout_ms.",
            ["SB-KA-003", "SB-KA-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var idle = s.Connect!.Int("idle_timeout_ms");
                var wait = ctx.DerivedWait(idle * 5 / 4, "1.25 x idle_timeout_ms", TimeSpan.Zero);
                if (wait is null)
                {
                    return;
                }

                var step = TimeSpan.FromMilliseconds(idle!.Value / 3.0);
                var until = ctx.Elapsed + wait.Value;
                while (ctx.Elapsed < until)
                {
                    await s.SendCommandAsync(Wire.Pong, new JsonObject(), withCid: false);
                    await s.ExpectNoEventAsync(Wire.Close, window: step);
                }

                await AssertStillOpenAsync(ctx, s);
            }, snapshot: SnapshotMode.None);

        yield return Define("lim.oversized-frame", Profiles.Core, "A frame over max_message_bytes -> CLOSE 4413",
            "A text frame of max_message_bytes + 1 bytes gets ERROR 1006, CLOSE 4413 (not retryable) and close code 4413; other users are unaffected.",
            ["SB-CODEC-011", "SB-CLOSE-001", "SB-LIM-006"], async ctx =>
            {
                var max = ctx.Server.MaxMessageBytes ?? 0;
                ctx.Require(max > 0, "CONNECT advertises max_message_bytes", "absent");
                if (max > 64 * 1024 * 1024)
                {
                    ctx.Informational($"max_message_bytes = {max}: too large to exercise.");
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var prefix = "{\"command\":\"ECHO\",\"request\":{\"data\":\"";
                var suffix = "\"}}";
                var text = prefix + new string('x', (int)max + 1 - prefix.Length - suffix.Length) + suffix;
                await s.SendTextAsync(text);
                await s.ExpectErrorAsync(Err.MessageTooLarge);
                var close = await s.ExpectServerCloseAsync(CloseCodes.MessageTooBig);
                ctx.RequireEqual(false, close.Bool("retryable"), "CLOSE retryable", close.Text);
                await AssertStillOpenAsync(ctx, bob);
            }, snapshot: SnapshotMode.None);

        yield return Define("lim.rate-limited", Profiles.Core, "Commands over the rate limit -> ERROR 5001 with cid",
            "Sending burst + rate + 10 ECHOs at once: every cid is answered exactly once, the excess with ERROR 5001 RATE_LIMITED carrying the cid; the connection stays open.",
            ["SB-LIM-002", "SB-LIM-006"], async ctx =>
            {
                var burst = ctx.Server.RateLimitBurst ?? 0;
                var rate = ctx.Server.RateLimitPerSecond ?? 0;
                ctx.Require(burst > 0 && rate > 0, "CONNECT advertises rate_limit_burst and rate_limit_per_second", ctx.Server.Raw?.ToJsonString() ?? "?");
                var n = burst + rate + 10;
                if (n > 20000)
                {
                    ctx.Informational($"burst {burst} + rate {rate} too large to exercise.");
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
                var frames = Enumerable.Range(1, (int)n).Select(i => $"{{\"command\":\"ECHO\",\"cid\":\"r{i.ToString(CultureInfo.InvariantCulture)}\",\"request\":{{\"data\":\"x\"}}}}").ToList();
                await s.SendBurstAsync(frames);
                var limited = 0;
                for (var i = 1; i <= n; i++)
                {
                    var cid = "r" + i.ToString(CultureInfo.InvariantCulture);
                    var reply = await s.ExpectAsync(null, f => f.Cid == cid, $"the reply to {cid}");
                    if (reply.Event == Wire.Error && reply.Int("code") == Err.RateLimited)
                    {
                        limited++;
                    }
                    else
                    {
                        ctx.Require(reply.Event == Wire.Echo, "each reply is ECHO or ERROR 5001", reply.Text);
                    }
                }

                ctx.Require(limited > 0, "at least one ERROR 5001 RATE_LIMITED", $"{limited} of {n} rate limited");
                ctx.Note($"{limited} of {n} commands were rate limited.");
            }, snapshot: SnapshotMode.None);

        yield return Define("lim.flood-close", Profiles.Core, "A sustained flood -> CLOSE 4429",
            "More than 3 x burst rejected commands within 10 s close the connection with CLOSE 4429 (retryable).",
            ["SB-LIM-003", "SB-CLOSE-001"], async ctx =>
            {
                var burst = ctx.Server.RateLimitBurst ?? 0;
                var rate = ctx.Server.RateLimitPerSecond ?? 0;
                ctx.Require(burst > 0 && rate > 0, "CONNECT advertises rate_limit_burst and rate_limit_per_second", ctx.Server.Raw?.ToJsonString() ?? "?");
                var n = (5 * burst) + rate + 10;
                if (n > 50000)
                {
                    ctx.Informational($"burst {burst} too large to exercise.");
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
                var frames = Enumerable.Range(1, (int)n).Select(i => "{\"command\":\"ECHO\",\"request\":{\"data\":\"x\"}}");
                await s.SendBurstAsync(frames);
                var close = await s.ExpectServerCloseAsync(CloseCodes.RateLimited, ctx.Timeout * 2);
                ctx.RequireEqual(true, close.Bool("retryable"), "CLOSE retryable", close.Text);
            }, snapshot: SnapshotMode.None);

        // Core variant of lim.slow-consumer: fills the send queue with ECHO replies (no HTTP API needed). The durable
        // half of SB-LIM-004 (resume recovers stored events) needs durable events, hence lim.slow-consumer.
        yield return Define("lim.slow-consumer-echo", Profiles.Core, "A consumer that stops reading is closed with 4499; others are not slowed",
            "While alice does not read, ECHO replies of max_message_bytes pile up in the server's send queue (commands paced under the rate limit): alice is closed with 4499 (or dropped) and bob's ECHOs are answered meanwhile.",
            ["SB-LIM-004", "SB-LIM-005"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var max = alice.Connect!.Int("max_message_bytes") ?? 65536;
                var rate = Math.Max(1, alice.Connect.Int("rate_limit_per_second") ?? 100);
                var burst = Math.Max(1, alice.Connect.Int("rate_limit_burst") ?? rate);
                var data = new string('z', (int)Math.Max(1, max - 128));
                var frames = (int)Math.Max(1, ctx.Options.SlowConsumerBudgetBytes / data.Length);
                alice.PauseReading();

                // Half the burst at once, then 80 % of the refill rate: never a RATE_LIMITED, never SB-LIM-003.
                var sent = 0;
                var started = ctx.Elapsed;
                var nextProbe = started;
                while (sent < frames && alice.IsOpen)
                {
                    var allowed = (burst / 2) + (long)((ctx.Elapsed - started).TotalSeconds * rate * 0.8);
                    if (sent < allowed)
                    {
                        await alice.SendBurstAsync([$"{{\"command\":\"ECHO\",\"cid\":\"e{S(sent)}\",\"request\":{{\"data\":\"{data}\"}}}}"]);
                        sent++;
                        continue;
                    }

                    if (ctx.Elapsed >= nextProbe)
                    {
                        // SB-LIM-005: the stalled connection does not hold up another connection's replies.
                        await AssertStillOpenAsync(ctx, bob);
                        nextProbe = ctx.Elapsed + TimeSpan.FromSeconds(1);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(20), ctx.Options.Time);
                }

                ctx.Note($"{sent} ECHO commands of {data.Length} bytes sent to the non-reading connection.");
                alice.ResumeReading();
                CloseInfo closed;
                try
                {
                    closed = await alice.ExpectCloseAsync(null, ctx.Timeout * 2);
                }
                catch (ConformanceFailureException)
                {
                    ctx.Informational($"{sent} ECHO replies ({ctx.Options.SlowConsumerBudgetBytes / (1024 * 1024)} MiB) did not overflow the server's send queue plus socket buffers; not exercised (raise --slow-consumer-mib).");
                    return;
                }

                ctx.Require(closed.Code is null or CloseCodes.SlowConsumer, "the overflowing connection is closed with 4499 (or dropped)", $"code {closed.Code}");
                await AssertStillOpenAsync(ctx, bob);
            }, snapshot: SnapshotMode.None);

        yield return Define("lim.slow-consumer", Profiles.Core, "A consumer that stops reading is closed with 4499 and recovers by resume",
            "While bob does not read, pushes to him overflow the server's send queue: the connection is closed (CLOSE 4499) and a resume with since recovers every durable event.",
            ["SB-LIM-004", "SB-LIM-005"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                bob.PauseReading();
                var payload = new string('z', 1024 * 1024);
                var budget = ctx.Options.SlowConsumerBudgetBytes;
                var pushes = (int)Math.Max(1, budget / payload.Length);
                long lastSeq = 0;
                for (var i = 0; i < pushes; i++)
                {
                    var r = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/namespaces/web/users/{ctx.User("bob")}/push", Obj(("topic", "bulk"), ("data", payload)));
                    ctx.Require((int)r.Status == 202, "push accepted with 202", $"{(int)r.Status} {r.Text}");
                    lastSeq = r.Int("seq") ?? lastSeq;
                    if (r.Int("delivered") == 0)
                    {
                        // The server no longer counts bob's connection: it gave up on the slow consumer.
                        break;
                    }
                }

                ctx.Note($"{lastSeq} pushes of 1 MiB sent to the non-reading connection.");

                bob.ResumeReading();
                CloseInfo closed;
                try
                {
                    closed = await bob.ExpectCloseAsync(null, ctx.Timeout * 2);
                }
                catch (ConformanceFailureException)
                {
                    ctx.Informational($"{pushes} pushes of 1 MiB ({budget / (1024 * 1024)} MiB) did not overflow the server's send queue plus socket buffers; not exercised (raise --slow-consumer-mib).");
                    return;
                }

                // SB-LIM-004: the close frame may not fit into a blocked socket, so a dropped connection is acceptable;
                // a close frame, when one arrives, must carry 4499.
                ctx.Require(closed.Code is null or CloseCodes.SlowConsumer, "the overflowing connection is closed with 4499 (or dropped)", $"code {closed.Code}");
                ctx.Note(closed.Code is null ? "The connection was dropped without a close frame (allowed by SB-LIM-004)." : "Closed with 4499.");
                var back = await ctx.ConnectAsync("bob", configure: o => { o.Since = 0; o.Epoch = epoch; });
                ctx.RequireEqual(true, back.Connect!.Bool("recovered"), "CONNECT recovered after the slow-consumer close", back.Connect.Text);
                ctx.RequireEqual(lastSeq, back.Connect.Int("seq"), "CONNECT seq = last pushed seq", back.Connect.Text);
                for (var seq = 1L; seq <= lastSeq; seq++)
                {
                    var s = seq;
                    await back.ExpectAsync(Wire.Push, f => f.Seq == s, $"replayed PUSH seq {s}");
                }
            }, snapshot: SnapshotMode.None, uses: [Capabilities.BackendApi]);
    }
}
