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

        yield return Define("ka.websocket-ping", Profiles.Core, "The server sends WebSocket ping frames every ping_interval_ms",
            "On a raw socket, a WebSocket ping frame (opcode 9) arrives within ping_interval_ms (+ margin); answering it with a pong keeps the connection open.",
            ["SB-KA-003"], async ctx =>
            {
                var wait = ctx.DerivedWait(ctx.Server.PingIntervalMs, "ping_interval_ms", TimeSpan.FromSeconds(2));
                if (wait is null)
                {
                    return;
                }

                await using var raw = await ctx.OpenRawWebSocketAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Label = "alice" });
                var until = ctx.Elapsed + wait.Value;
                while (true)
                {
                    var left = until - ctx.Elapsed;
                    ctx.Require(left > TimeSpan.Zero, $"a WebSocket ping frame within {(int)wait.Value.TotalMilliseconds} ms", "none");
                    RawFrame? frame;
                    try
                    {
                        frame = await raw.ReadFrameAsync(left);
                    }
                    catch (TimeoutException)
                    {
                        frame = null;
                        ctx.Require(false, $"a WebSocket ping frame within {(int)wait.Value.TotalMilliseconds} ms", "none");
                    }

                    ctx.Require(frame is not null, "the connection stays open until the ping", "TCP closed");
                    if (frame!.Opcode == 9)
                    {
                        await raw.SendFrameAsync(10, frame.Payload);
                        break;
                    }
                }
            }, snapshot: SnapshotMode.None);

        yield return Define("ka.unanswered-ping-dropped", Profiles.Core, "A peer that never answers WebSocket pings is dropped",
            "A raw socket that reads but never answers the server's WebSocket pings is disconnected within idle_timeout_ms (+ margin); no CLOSE 4408 is required.",
            ["SB-KA-003"], async ctx =>
            {
                var wait = ctx.DerivedWait(ctx.Server.IdleTimeoutMs, "idle_timeout_ms", TimeSpan.FromSeconds(3));
                if (wait is null)
                {
                    return;
                }

                await using var raw = await ctx.OpenRawWebSocketAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Label = "alice" });
                List<RawFrame> frames = [];
                try
                {
                    frames = await raw.ReadUntilDroppedAsync(wait.Value);
                }
                catch (TimeoutException)
                {
                    ctx.Require(false, $"the server drops a peer that does not answer pings within {(int)wait.Value.TotalMilliseconds} ms", "still connected");
                }

                ctx.Require(frames.Any(f => f.Opcode == 9), "the server sent WebSocket ping frames before dropping the peer", $"{frames.Count} frames, none a ping");
            }, snapshot: SnapshotMode.None);

        yield return Define("ka.activity-keeps-alive", Profiles.Core, "A client that answers WebSocket pings stays connected without sending data",
            "A client whose WebSocket stack answers pings (ClientWebSocket) and that sends no data frame at all is not closed during 1.25 x idle_timeout_ms.",
            ["SB-KA-003", "SB-KA-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var idle = s.Connect!.Int("idle_timeout_ms");
                var wait = ctx.DerivedWait(idle * 5 / 4, "1.25 x idle_timeout_ms", TimeSpan.Zero);
                if (wait is null)
                {
                    return;
                }

                await s.ExpectNoEventAsync(Wire.Close, window: wait.Value);
                await AssertStillOpenAsync(ctx, s);
            }, snapshot: SnapshotMode.None);

        yield return Define("lim.oversized-declared-length", Profiles.Core, "A frame declaring a huge length is answered at the first byte over max_message_bytes",
            "A raw socket writes a text frame header declaring 2^62 bytes, then max_message_bytes + 16 payload bytes and nothing more: the server answers ERROR 1006, CLOSE 4413 and close 4413 and closes TCP without reading on.",
            ["SB-CODEC-011"], async ctx =>
            {
                var max = ctx.Server.MaxMessageBytes ?? 0;
                ctx.Require(max > 0, "CONNECT advertises max_message_bytes", "absent");
                if (max > 64 * 1024 * 1024)
                {
                    ctx.Informational($"max_message_bytes = {max}: too large to exercise.");
                    return;
                }

                await using var raw = await ctx.OpenRawWebSocketAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Label = "alice" });
                var connect = await raw.ReadFrameAsync(ctx.Timeout);
                ctx.Require(connect?.Text.Contains("\"CONNECT\"", StringComparison.Ordinal) == true, "CONNECT first", connect?.Text ?? "TCP closed");
                await raw.SendHeaderAsync(1, 1UL << 62);
                var prefix = "{\"command\":\"ECHO\",\"request\":{\"data\":\"";
                await raw.SendPayloadAsync(System.Text.Encoding.ASCII.GetBytes(prefix + new string('x', (int)max + 16 - prefix.Length)));
                List<RawFrame> frames = [];
                try
                {
                    frames = await raw.ReadUntilDroppedAsync(ctx.Timeout);
                }
                catch (TimeoutException)
                {
                    ctx.Require(false, "the server answers and closes TCP without more bytes from the client", "no close within the timeout");
                }

                var events = frames.Where(f => f.Opcode == 1).Select(f => JsonNode.Parse(f.Text)).Where(n => n?["event"]?.GetValue<string>() != Wire.Ping).ToList();
                ctx.Require(events.Count >= 2 && events[0]?["response"]?["code"]?.GetValue<int>() == Err.MessageTooLarge && events[1]?["response"]?["code"]?.GetValue<int>() == CloseCodes.MessageTooBig,
                    "ERROR 1006 then CLOSE 4413", string.Join(" | ", events.Select(e => e?.ToJsonString())));
                ctx.Require(frames.Any(f => f.Opcode == 8 && f.CloseStatus == CloseCodes.MessageTooBig), "a close frame with status 4413", string.Join(", ", frames.Select(f => f.Opcode)));
            }, snapshot: SnapshotMode.None);

        yield return Define("close.waits-for-client-close", Profiles.Core, "After its close frame the server keeps TCP open until the client's close frame",
            "With an invalid token the server sends CLOSE 4401 and its close frame; TCP stays open while the client has not answered (silence window), ignores a late data frame, and closes once the client's close frame arrives.",
            ["SB-CLOSE-006", "SB-CLOSE-002"], async ctx =>
            {
                await using var raw = await ctx.OpenRawWebSocketAsync(new ConnectOptions { Token = "not-a-token", Label = "anon" });
                var closeEvent = await raw.ReadFrameAsync(ctx.Timeout);
                ctx.Require(closeEvent?.Opcode == 1 && closeEvent.Text.Contains("\"CLOSE\"", StringComparison.Ordinal), "a CLOSE event", closeEvent?.Text ?? "TCP closed");
                var closeFrame = await raw.ReadFrameAsync(ctx.Timeout);
                ctx.Require(closeFrame?.Opcode == 8 && closeFrame.CloseStatus == CloseCodes.Unauthorized, "a close frame 4401", closeFrame is null ? "TCP closed" : $"opcode {closeFrame.Opcode}");
                try
                {
                    var early = await raw.ReadFrameAsync(ctx.Options.SilenceWindow);
                    ctx.Require(false, "TCP stays open (and silent) until the client's close frame", early is null ? "TCP closed before the client answered" : $"a frame with opcode {early.Opcode}");
                }
                catch (TimeoutException)
                {
                    // Still open, as required.
                }

                await raw.SendFrameAsync(1, System.Text.Encoding.UTF8.GetBytes("{\"command\":\"ECHO\",\"cid\":\"late\",\"request\":{\"data\":\"x\"}}"));
                await raw.SendCloseAsync(CloseCodes.Unauthorized);
                List<RawFrame> after = [];
                try
                {
                    after = await raw.ReadUntilDroppedAsync(ctx.Timeout);
                }
                catch (TimeoutException)
                {
                    ctx.Require(false, "the server closes TCP after the client's close frame", "still open");
                }

                ctx.Require(after.Count == 0, "no frame after the close frame", after.Count == 0 ? string.Empty : $"opcode {after[0].Opcode}");
            }, snapshot: SnapshotMode.None);

        yield return Define("close.unanswered-close-dropped", Profiles.Core, "A client that never answers the close frame is dropped",
            "After CLOSE 4401 and the close frame, a raw socket that never answers is disconnected by the server within the close-handshake timeout (bounded by --max-wait-s).",
            ["SB-CLOSE-006"], async ctx =>
            {
                await using var raw = await ctx.OpenRawWebSocketAsync(new ConnectOptions { Token = "not-a-token", Label = "anon" });
                try
                {
                    var frames = await raw.ReadUntilDroppedAsync(ctx.Options.MaxDerivedWait);
                    ctx.Require(frames.Any(f => f.Opcode == 8), "a close frame before the drop", string.Join(", ", frames.Select(f => f.Opcode)));
                }
                catch (TimeoutException)
                {
                    ctx.Require(false, $"the server drops TCP within {ctx.Options.MaxDerivedWait.TotalSeconds} s", "still open");
                }
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
                    // SB-LIM-006: the bucket starts full at the advertised burst, so the first burst commands pass.
                    ctx.Require(i > burst || reply.Event == Wire.Echo, $"the first rate_limit_burst ({burst}) commands are not rate limited (SB-LIM-006)", reply.Text);
                    if (reply.Event == Wire.Error && reply.Int("code") == Err.RateLimited)
                    {
                        ctx.RequireEqual(Wire.CmdEcho, reply.Str("command"), "RATE_LIMITED command (the frame's command, SB-LIM-002)", reply.Text);
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
                    ctx.RequireEqual(CloseReasons.TooManyConnections, first.Str("reason"), "CLOSE reason", first.Text);
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
