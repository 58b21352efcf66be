using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Envelope rules, bad input (codec) and echo.</summary>
internal static class EnvelopeCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("env.reply-carries-cid", Profiles.Core, "A command with cid gets exactly one reply with that cid",
            "ECHO with cid \"c1\" is answered by one ECHO carrying cid \"c1\" and no seq, properties in writer order.",
            ["SB-ENV-001", "SB-ENV-002", "SB-ENV-003", "SB-ENV-004", "SB-ENV-005", "SB-ENV-012"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var reply = await s.CallAsync(Wire.CmdEcho, Obj(("data", "hello")), Wire.Echo);
                ctx.RequireEqual("hello", reply.Str("data"), "ECHO data", reply.Text);
                ctx.Require(reply.Json?["seq"] is null, "a reply carries no seq", reply.Text);
                ctx.Require(HasWriterOrder(reply.Text), "envelope properties in the order event, cid, seq, response", reply.Text);
                await s.ExpectNoEventAsync(null, f => f.Cid == reply.Cid, "a second reply with the same cid");
            });

        yield return Define("env.no-cid-no-reply", Profiles.Core, "A command without cid gets no success reply",
            "ECHO without cid is fire-and-forget: no ECHO is sent back.",
            ["SB-ENV-013"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendCommandAsync(Wire.CmdEcho, Obj(("data", "x")), withCid: false);
                await s.ExpectNoEventAsync(Wire.Echo);
            });

        yield return Define("env.no-cid-error-sent", Profiles.Core, "Errors are sent even without cid",
            "An unknown command without cid still gets ERROR 1003 (without cid).",
            ["SB-ENV-013"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"command\":\"NO_SUCH_COMMAND\"}");
                var err = await s.ExpectErrorAsync(Err.UnknownCommand);
                ctx.Require(err.Cid is null, "the ERROR has no cid", err.Text);
            });

        yield return Define("env.property-order-free", Profiles.Core, "Readers accept any property order",
            "{\"request\":{...},\"cid\":...,\"command\":\"ECHO\"} is processed like the canonical order.",
            ["SB-ENV-006"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"request\":{\"data\":\"reordered\"},\"cid\":\"r1\",\"command\":\"ECHO\"}");
                var reply = await s.ExpectAsync(Wire.Echo, f => f.Cid == "r1");
                ctx.RequireEqual("reordered", reply.Str("data"), "ECHO data", reply.Text);
            });

        yield return Define("env.unknown-properties-ignored", Profiles.Core, "Unknown properties are ignored",
            "Unknown top-level and request properties do not cause an error.",
            ["SB-ENV-009"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"command\":\"ECHO\",\"cid\":\"u1\",\"x_future\":{\"a\":1},\"request\":{\"data\":\"ok\",\"x_more\":[1,2]}}");
                var reply = await s.ExpectAsync(null, f => f.Cid == "u1");
                ctx.RequireEqual(Wire.Echo, reply.Event, "reply event", reply.Text);
            });

        yield return Define("env.cid-too-long", Profiles.Core, "A cid longer than 64 characters is invalid",
            "A cid of 65 characters or a non-string cid is answered with ERROR 1005 path $.cid and no cid; the command is not executed.",
            ["SB-ENV-007"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var cid = new string('c', 65);
                foreach (var text in new[] { $"{{\"command\":\"ECHO\",\"cid\":\"{cid}\",\"request\":{{\"data\":\"x\"}}}}", "{\"command\":\"ECHO\",\"cid\":7,\"request\":{\"data\":\"x\"}}" })
                {
                    await s.SendTextAsync(text);
                    var err = await s.ExpectAsync(null, null, "ERROR 1005 $.cid");
                    ctx.Require(err.Event == Wire.Error && err.Int("code") == Err.InvalidField && err.Str("path") == "$.cid" && err.Cid is null, "ERROR 1005 with path $.cid and no cid", err.Text);
                    await s.ExpectNoEventAsync(Wire.Echo, null, "an ECHO (the command must not run)");
                }

                await AssertStillOpenAsync(ctx, s);
            });

        // Bad input: every class gets its exact code, the connection stays open, nobody else sees anything.
        yield return Bad("codec.malformed-json", "Malformed JSON -> 1001", "{\"command\":\"ECHO\",", Err.MalformedJson, null, ["SB-CODEC-001"], noCid: true);
        yield return Bad("codec.unknown-command", "Unknown command -> 1003 (cid echoed)", "{\"command\":\"FLY_TO_MOON\",\"cid\":\"k1\"}", Err.UnknownCommand, null, ["SB-CODEC-003", "SB-CODEC-013"], cid: "k1", command: "FLY_TO_MOON");
        yield return Bad("codec.missing-field", "Missing required field -> 1004 with path", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":{}}", Err.MissingField, "$.request.data", ["SB-CODEC-004", "SB-CODEC-014", "SB-ECHO-002"], cid: "k1", command: "ECHO");
        yield return Bad("codec.missing-command", "Missing command -> 1004 $.command", "{\"cid\":\"k1\",\"request\":{}}", Err.MissingField, "$.command", ["SB-CODEC-004"], cid: "k1");
        yield return Bad("codec.wrong-type", "Wrong field type -> 1005 with path", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":{\"data\":42}}", Err.InvalidField, "$.request.data", ["SB-CODEC-005", "SB-ECHO-002"], cid: "k1", command: "ECHO");
        yield return Bad("codec.out-of-range", "Out-of-range value -> 1005 with path", "{\"command\":\"SET_TIMER\",\"cid\":\"k1\",\"request\":{\"delay_ms\":0}}", Err.InvalidField, "$.request.delay_ms", ["SB-CODEC-006", "SB-TIMER-003"], cid: "k1", command: "SET_TIMER");
        yield return Bad("codec.not-an-object", "Envelope not an object -> 1008 $", "[\"ECHO\"]", Err.InvalidEnvelope, "$", ["SB-CODEC-007"], noCid: true);
        yield return Bad("codec.null-envelope", "Envelope null -> 1008 $", "null", Err.InvalidEnvelope, "$", ["SB-CODEC-007"], noCid: true);
        yield return Bad("codec.empty-frame", "Empty text frame -> 1001", string.Empty, Err.MalformedJson, null, ["SB-CODEC-001"], noCid: true);
        yield return Bad("codec.trailing-garbage", "Trailing garbage after the object -> 1001", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":{\"data\":\"x\"}} x", Err.MalformedJson, null, ["SB-CODEC-001"], noCid: true);
        yield return Bad("codec.timer-too-long", "delay_ms above 86400000 -> 1005", "{\"command\":\"SET_TIMER\",\"cid\":\"k1\",\"request\":{\"delay_ms\":86400001}}", Err.InvalidField, "$.request.delay_ms", ["SB-TIMER-003"], cid: "k1");
        yield return Bad("codec.non-integral", "A non-integral number for an integer -> 1005", "{\"command\":\"SET_TIMER\",\"cid\":\"k1\",\"request\":{\"delay_ms\":1.5}}", Err.InvalidField, "$.request.delay_ms", ["SB-CODEC-005"], cid: "k1");
        yield return Bad("codec.command-not-string", "command not a string -> 1008 $.command", "{\"command\":17,\"cid\":\"k1\"}", Err.InvalidEnvelope, "$.command", ["SB-CODEC-008", "SB-CODEC-013"], cid: "k1");
        yield return Bad("codec.request-not-object", "request not an object -> 1008 $.request", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":\"hi\"}", Err.InvalidEnvelope, "$.request", ["SB-CODEC-009"], cid: "k1", command: "ECHO");
        yield return Bad("codec.request-null", "request null = {} -> the missing field's 1004, not 1008", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":null}", Err.MissingField, "$.request.data", ["SB-ENV-008", "SB-CODEC-009"], cid: "k1", command: "ECHO");
        yield return Bad("codec.lone-surrogate", "A lone surrogate escape in a field -> 1005 with its path", "{\"command\":\"ECHO\",\"cid\":\"k1\",\"request\":{\"data\":\"a\\ud800b\"}}", Err.InvalidField, "$.request.data", ["SB-CODEC-018"], cid: "k1", command: "ECHO");
        yield return Bad("codec.lone-surrogate-cid", "A lone surrogate escape in cid -> 1005 $.cid", "{\"command\":\"ECHO\",\"cid\":\"\\udc00\",\"request\":{\"data\":\"x\"}}", Err.InvalidField, "$.cid", ["SB-CODEC-018", "SB-ENV-007"], noCid: true);
        yield return Bad("codec.lone-surrogate-command", "A lone surrogate escape in command -> 1008 $.command", "{\"command\":\"ECHO\\ud800\",\"cid\":\"k1\",\"request\":{\"data\":\"x\"}}", Err.InvalidEnvelope, "$.command", ["SB-CODEC-018", "SB-CODEC-008"], cid: "k1");

        yield return Define("codec.invalid-utf8", Profiles.Core, "Invalid UTF-8 in a text frame -> close 1007",
            "A text frame that is not valid UTF-8 fails the connection with close 1007 (RFC 6455 section 8.1), with no ERROR and no CLOSE event before it; other users see nothing.",
            ["SB-CODEC-002", "SB-CODEC-012", "SB-CLOSE-001"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                await s.SendTextBytesAsync([0x7B, 0x22, 0x63, 0xC3, 0x28, 0xFF, 0x22, 0x7D]);
                var closed = await s.ExpectCloseAsync(null);
                ctx.Should(closed.Code == CloseCodes.InvalidPayload, "the connection is failed with a close frame 1007 (RFC 6455 section 7.1.7: SHOULD)", closed.Code is null ? "dropped without a close frame" : $"close {closed.Code}");
                var events = s.Unconsumed().Where(f => f.Event != Wire.Ping).ToList();
                ctx.Require(events.Count == 0, "no event (no ERROR, no CLOSE) before the close 1007", events.Count == 0 ? string.Empty : events[0].Text);
                await bob.ExpectNoEventAsync(null, x => x.Event != Wire.Ping, "any frame caused by alice's bad input");
            });

        yield return Define("codec.binary-frame", Profiles.Core, "A binary frame -> CLOSE 4400",
            "A binary frame gets ERROR 1007 BINARY_NOT_SUPPORTED, then CLOSE 4400 (not retryable) and the close 4400.",
            ["SB-CODEC-010", "SB-CLOSE-001", "SB-CLOSE-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendBinaryAsync([1, 2, 3, 4]);
                await s.ExpectErrorAsync(Err.BinaryNotSupported);
                var close = await s.ExpectServerCloseAsync(CloseCodes.ProtocolError);
                ctx.RequireEqual(false, close.Bool("retryable"), "CLOSE retryable", close.Text);
            });

        yield return Define("echo.roundtrip", Profiles.Core, "ECHO returns data unchanged",
            "ECHO returns the exact string, including non-ASCII characters, escapes and an empty string.",
            ["SB-ECHO-001", "SB-ECHO-003", "SB-ENV-017"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                foreach (var data in new[] { "hello", "你好，世界 ✓ \"quoted\" \\ \n tab\t \u0001 😀 \u2028", string.Empty })
                {
                    var reply = await s.CallAsync(Wire.CmdEcho, Obj(("data", data)), Wire.Echo);
                    ctx.RequireEqual(data, reply.Str("data"), "ECHO data", reply.Text);
                }
            });

        yield return Define("echo.near-limit", Profiles.Core, "A frame just under max_message_bytes is accepted",
            "An ECHO frame of exactly max_message_bytes bytes is answered.",
            ["SB-LIM-001", "SB-LIM-006"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var max = (int)Math.Min(ctx.Server.MaxMessageBytes ?? 65536, 1_000_000);
                var overhead = Encoding.UTF8.GetByteCount("{\"command\":\"ECHO\",\"cid\":\"c1\",\"request\":{\"data\":\"\"}}");
                var data = new string('x', max - overhead);
                var reply = await s.CallAsync(Wire.CmdEcho, Obj(("data", data)), Wire.Echo);
                ctx.RequireEqual(data.Length, reply.Str("data")?.Length ?? -1, "length of ECHO data");
            }, snapshot: SnapshotMode.None);
    }

    private static ConformanceCase Bad(string id, string title, string input, int code, string? path, string[] reqs, string? cid = null, string? command = null, bool noCid = false) =>
        Define(id, Profiles.Core, title,
            $"The frame {input} gets ERROR {code}{(path is null ? string.Empty : $" with path {path}")}{(cid is null ? string.Empty : $" and cid \"{cid}\"")}; the connection stays open and other users receive nothing.",
            [.. reqs, "SB-CODEC-012", "SB-CODEC-015", "SB-CODEC-016"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                await s.SendTextAsync(input);
                var err = await s.ExpectAsync(Wire.Error, null, $"ERROR {code}");
                ctx.RequireEqual((long)code, err.Int("code"), "ERROR code", err.Text);
                ctx.RequireEqual(Err.Names[code], err.Str("error"), "ERROR error (registry name)", err.Text);
                if (command is not null)
                {
                    ctx.RequireEqual(command, err.Str("command"), "ERROR command", err.Text);
                }

                if (noCid)
                {
                    ctx.Require(err.Cid is null, "the ERROR carries no cid", err.Text);
                }
                if (path is not null)
                {
                    ctx.RequireEqual(path, err.Str("path"), "ERROR path", err.Text);
                }

                if (cid is not null)
                {
                    ctx.RequireEqual(cid, err.Cid, "ERROR cid", err.Text);
                }

                await AssertStillOpenAsync(ctx, s);
                await bob.ExpectNoEventAsync(null, f => f.Event != Wire.Ping, "any frame caused by alice's bad input");
            });
}
