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
                var wait = ctx.DerivedWait(ctx.Server.PingIntervalMs, "ping_interval_ms", TimeSpan.FromSeconds(2));
                if (wait is null)
                {
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
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
                var wait = ctx.DerivedWait(ctx.Server.IdleTimeoutMs, "idle_timeout_ms", TimeSpan.FromSeconds(3));
                if (wait is null)
                {
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
                var close = await s.ExpectServerCloseAsync(CloseCodes.IdleTimeout, wait);
                ctx.RequireEqual(true, close.Bool("retryable"), "CLOSE retryable", close.Text);
            }, snapshot: SnapshotMode.None);

        yield return Define("ka.activity-keeps-alive", Profiles.Core, "PONGs keep a connection alive past idle_timeout_ms",
            "A client that sends PONG every idle_timeout_ms/3 is not closed during 1.25 x idle_timeout_ms.",
            ["SB-KA-003", "SB-KA-002"], async ctx =>
            {
                var wait = ctx.DerivedWait(ctx.Server.IdleTimeoutMs * 5 / 4, "1.25 x idle_timeout_ms", TimeSpan.Zero);
                if (wait is null)
                {
                    return;
                }

                var s = await ctx.ConnectAsync("alice");
                var step = TimeSpan.FromMilliseconds(ctx.Server.IdleTimeoutMs!.Value / 3.0);
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

        yield return Define("lim.connection-cap", Profiles.Core, "One connection beyond the per-user cap -> CLOSE 4409",
            "alice opens connections until the server refuses one (probing at most 128): that one gets CLOSE 4409 \"too many connections\" (retryable) instead of CONNECT, her open connections keep working and bob still connects.",
            ["SB-LIM-009", "SB-CLOSE-001"], async ctx =>
            {
                const int probe = 128;
                var open = new List<WsSession>();
                for (var i = 0; i < probe; i++)
                {
                    var s = await ctx.OpenAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Label = "alice" }, ctx.User("alice"));
                    var first = await s.ExpectAsync(null, f => f.Event is Wire.Connect or Wire.Close, "CONNECT or CLOSE");
                    if (first.Event == Wire.Connect)
                    {
                        open.Add(s);
                        continue;
                    }

                    ctx.RequireEqual((long)CloseCodes.TooManyConnections, first.Int("code"), "CLOSE code beyond the cap", first.Text);
                    ctx.RequireEqual("too many connections", first.Str("reason"), "CLOSE reason", first.Text);
                    ctx.RequireEqual(true, first.Bool("retryable"), "CLOSE retryable", first.Text);
                    await s.ExpectCloseAsync(CloseCodes.TooManyConnections);
                    ctx.Require(open.Count > 0, "the cap allows at least one connection", $"refused the first connection");
                    await open[^1].CallAsync(Wire.Echo, Obj(("data", "still here")), Wire.Echo);
                    await ctx.ConnectAsync("bob");
                    ctx.Note($"The cap was reached after {open.Count} connections.");
                    return;
                }

                ctx.Informational($"No cap reached within {probe} connections of one user; SB-LIM-009 not exercised (the server's max_connections_per_user may be larger).");
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
            }, snapshot: SnapshotMode.None, capability: Capabilities.BackendApi);
    }
}
