using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Handshake, subprotocol, origin and auth cases.</summary>
internal static class HandshakeCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("hs.connect-greeting", Profiles.Core, "CONNECT is the first frame and carries every advertised field",
            "The first frame after the upgrade is CONNECT (no cid, no seq) with client_id, user, namespace, protocol, server, epoch, seq, recovered, missed, the keepalive/limit values and capabilities.",
            ["SB-HS-006", "SB-HS-007", "SB-HS-009", "SB-NS-001", "SB-ENV-002", "SB-DLV-005"], async ctx =>
            {
                var s = await ctx.OpenAsync(new ConnectOptions { Token = ctx.Tokens.Mint(ctx.User("alice"), "agent", "Alice A"), Label = "alice" }, ctx.User("alice"));
                var first = await s.ExpectAsync(null, null, "the first frame");
                ctx.RequireEqual(Wire.Connect, first.Event, "event of the first frame", first.Text);
                ctx.Require(first.Cid is null && first.Json?["seq"] is null, "CONNECT has no cid and no envelope seq", first.Text);
                RequireString(ctx, first, "client_id");
                RequireUser(ctx, first, "user", ctx.User("alice"), "agent");
                ctx.RequireEqual("Alice A", first.Str("user.name"), "response.user.name (from the name claim)", first.Text);
                ctx.RequireEqual("web", first.Str("namespace"), "response.namespace", first.Text);
                ctx.RequireEqual(Wire.Subprotocol, first.Str("protocol"), "response.protocol", first.Text);
                RequireString(ctx, first, "server");
                RequireString(ctx, first, "epoch");
                ctx.RequireEqual(0L, first.Int("seq"), "response.seq of a new stream", first.Text);
                ctx.RequireEqual(0L, first.Int("missed"), "response.missed of a new stream", first.Text);
                ctx.Require(first.Bool("recovered") is not null, "response.recovered is a boolean", first.Text);
                foreach (var field in new[] { "ping_interval_ms", "idle_timeout_ms", "max_message_bytes", "rate_limit_per_second", "rate_limit_burst" })
                {
                    ctx.Require(first.Int(field) is > 0, $"response.{field} is a positive integer", first.Text);
                }

                ctx.Require(first.R("capabilities") is JsonArray caps && caps.All(c => c is JsonValue v && v.TryGetValue<string>(out var n) && n is "chat" or "rooms-history" or "service-desk" or "backend-api" or "presence"), "response.capabilities is an array of known capability names", first.Text);
                ctx.Require(HasWriterOrder(first.Text), "envelope properties in the order event, cid, seq, response", first.Text);
            });

        yield return Define("hs.desk-deadlines", Profiles.ServiceDesk, "CONNECT advertises the service desk's deadlines",
            "A service-desk server's CONNECT carries transfer_timeout_ms (>= 1), conversation_idle_warning_ms, conversation_idle_close_ms and visitor_grace_ms (>= 0; warning below close, both 0 when idle handling is off).",
            ["SB-HS-013"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice", "agent");
                var c = s.Connect!;
                var transfer = c.Int("transfer_timeout_ms");
                var warning = c.Int("conversation_idle_warning_ms");
                var close = c.Int("conversation_idle_close_ms");
                var grace = c.Int("visitor_grace_ms");
                ctx.Require(transfer is >= 1, "response.transfer_timeout_ms is an integer >= 1", c.Text);
                ctx.Require(warning is >= 0 && close is >= 0 && grace is >= 0, "the idle and grace deadlines are integers >= 0", c.Text);
                ctx.Require(close == 0 ? warning == 0 : warning > 0 && warning < close, "0 < conversation_idle_warning_ms < conversation_idle_close_ms (both 0 when off)", c.Text);
            });

        yield return Define("hs.default-name-role", Profiles.Core, "name defaults to sub and role to user",
            "A token without name and role claims connects as {id: sub, name: sub, role: \"user\"}.",
            ["SB-AUTH-007", "SB-AUTH-008"], async ctx =>
            {
                var s = await ctx.OpenAsync(new ConnectOptions { Token = ctx.Tokens.Mint(ctx.User("dora"), role: null), Label = "dora" }, ctx.User("dora"));
                var c = await s.ExpectAsync(Wire.Connect);
                ctx.RequireEqual(ctx.User("dora"), c.Str("user.name"), "response.user.name", c.Text);
                ctx.RequireEqual("user", c.Str("user.role"), "response.user.role", c.Text);
            });

        yield return Define("hs.subprotocol-selected", Profiles.Core, "Offered switchboard.v1.json is selected",
            "When the client offers switchboard.v1.json the upgrade response selects it.",
            ["SB-HS-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                ctx.RequireEqual(Wire.Subprotocol, s.SubProtocol, "selected subprotocol");
            });

        yield return Define("hs.no-subprotocol", Profiles.Core, "No subprotocol offered = v1",
            "A client that offers no subprotocol (a browser, the seeds) is accepted and greeted with CONNECT.",
            ["SB-HS-004"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice", configure: o => o.Subprotocols = []);
                ctx.RequireEqual(Wire.Subprotocol, s.Connect!.Str("protocol"), "CONNECT protocol");
                ctx.Require(string.IsNullOrEmpty(s.SubProtocol), "no Sec-WebSocket-Protocol header in the 101 response", s.SubProtocol ?? string.Empty);
            });

        yield return Define("hs.unsupported-subprotocol", Profiles.Core, "Only unsupported subprotocols -> HTTP 400 problem+json 1010",
            "If the client offers subprotocols and none is supported, the upgrade is rejected with HTTP 400, problem+json, code 1010 UNSUPPORTED_PROTOCOL.",
            ["SB-HS-003"], async ctx =>
            {
                var r = await ctx.RawUpgradeAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Subprotocols = ["switchboard.v9.json", "chat"] });
                ctx.RequireEqual(400, r.Status, "HTTP status of the upgrade response", r.Body);
                ctx.Require(r.Headers.TryGetValue("content-type", out var ct) && ct.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase), "Content-Type application/problem+json", r.Headers.GetValueOrDefault("content-type") ?? "(none)");
                ctx.RequireEqual(1010L, Jq.Int(r.Json, "code"), "problem code", r.Body);
                ctx.RequireEqual("UNSUPPORTED_PROTOCOL", Jq.Str(r.Json, "error"), "problem error", r.Body);
            });

        yield return Define("hs.unsupported-websocket-version", Profiles.Core, "Sec-WebSocket-Version other than 13 -> HTTP 426 with Sec-WebSocket-Version: 13",
            "An upgrade with Sec-WebSocket-Version 8 is not upgraded: HTTP 426, header Sec-WebSocket-Version: 13 (RFC 6455 section 4.4), problem+json code 1010.",
            ["SB-HS-014"], async ctx =>
            {
                var r = await ctx.RawUpgradeAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), WebSocketVersion = "8" });
                ctx.RequireEqual(426, r.Status, "HTTP status of the upgrade response", r.Body);
                ctx.RequireEqual("13", r.Headers.GetValueOrDefault("sec-websocket-version"), "Sec-WebSocket-Version header of the 426", string.Join("; ", r.Headers.Select(h => $"{h.Key}: {h.Value}")));
                ctx.Require(r.Headers.TryGetValue("content-type", out var ct) && ct.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase), "Content-Type application/problem+json", r.Headers.GetValueOrDefault("content-type") ?? "(none)");
                ctx.RequireEqual(1010L, Jq.Int(r.Json, "code"), "problem code", r.Body);
            });

        yield return Define("hs.http2-websocket", Profiles.Core, "WebSocket over HTTP/2 behaves as over HTTP/1.1",
            "Where the server offers WebSocket over HTTP/2 (RFC 8441), a connection over it gets CONNECT and answers ECHO like one over HTTP/1.1; a server that does not offer it is INFORMATIONAL.",
            ["SB-HS-015"], async ctx =>
            {
                var uri = ctx.Options.NamespaceUri("web", "access_token=" + Uri.EscapeDataString(ctx.TokenFor("alice")));
                using var ws = new System.Net.WebSockets.ClientWebSocket();
                ws.Options.AddSubProtocol(Wire.Subprotocol);
                ws.Options.HttpVersion = System.Net.HttpVersion.Version20;
                ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
                using var timeout = new CancellationTokenSource(ctx.Timeout);
                ctx.Log.Add("h2#1", WireDirection.Open, $"GET {uri.PathAndQuery} over HTTP/2 (extended CONNECT)");
                try
                {
                    await ws.ConnectAsync(uri, invoker, timeout.Token);
                }
                catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or HttpRequestException or OperationCanceledException)
                {
                    ctx.Informational($"The server does not offer WebSocket over HTTP/2 here ({ex.Message}).");
                    return;
                }

                var buffer = new byte[64 * 1024];
                async Task<JsonNode?> NextAsync()
                {
                    while (true)
                    {
                        var r = await ws.ReceiveAsync(buffer, timeout.Token);
                        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, r.Count);
                        ctx.Log.Add("h2#1", WireDirection.ReceiveText, text);
                        var node = JsonNode.Parse(text);
                        if (node?["event"]?.GetValue<string>() != Wire.Ping)
                        {
                            return node;
                        }
                    }
                }

                var connect = await NextAsync();
                ctx.RequireEqual(Wire.Connect, connect?["event"]?.GetValue<string>(), "first event over HTTP/2", connect?.ToJsonString());
                await ws.SendAsync(System.Text.Encoding.UTF8.GetBytes("{\"command\":\"ECHO\",\"cid\":\"h2\",\"request\":{\"data\":\"over h2\"}}"), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
                var echo = await NextAsync();
                ctx.RequireEqual("over h2", echo?["response"]?["data"]?.GetValue<string>(), "ECHO data over HTTP/2", echo?.ToJsonString());
                await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }, snapshot: SnapshotMode.None);

        yield return Define("hs.app-namespace", Profiles.Core, "/app is the second namespace",
            "Connecting to /app greets with CONNECT namespace \"app\".",
            ["SB-HS-001", "SB-NS-001"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice", ns: "app");
                ctx.RequireEqual("app", s.Connect!.Str("namespace"), "CONNECT namespace", s.Connect.Text);
            });

        yield return Define("hs.token-in-header", Profiles.Core, "Authorization: Bearer is accepted",
            "The token may be sent as Authorization: Bearer instead of ?access_token=.",
            ["SB-AUTH-001"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice", configure: o => o.TokenInHeader = true);
                RequireUser(ctx, s.Connect!, "user", ctx.User("alice"));
            });

        yield return Define("hs.origin-absent-allowed", Profiles.Core, "Upgrade without Origin is allowed",
            "A non-browser client sending no Origin header is never rejected for its origin.",
            ["SB-HS-005", "SB-HS-011"], async ctx =>
            {
                var r = await ctx.RawUpgradeAsync(new ConnectOptions { Token = ctx.TokenFor("alice") });
                ctx.RequireEqual(101, r.Status, "HTTP status of the upgrade response", r.Body);
                ctx.RequireEqual(Wire.Subprotocol, r.Headers.GetValueOrDefault("sec-websocket-protocol"), "Sec-WebSocket-Protocol header");
            });

        yield return Define("hs.origin-forbidden", Profiles.Core, "Origin outside the allow-list -> HTTP 403",
            "When an allow-list is configured, an Origin not in it gets HTTP 403 on the upgrade.",
            ["SB-HS-005"], async ctx =>
            {
                if (!ctx.Options.OriginAllowListConfigured || ctx.Options.ForbiddenOrigin is null)
                {
                    ctx.Informational("The server under test was declared without an origin allow-list (--forbidden-origin not given); not exercised.");
                    return;
                }

                var r = await ctx.RawUpgradeAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Origin = ctx.Options.ForbiddenOrigin });
                ctx.RequireEqual(403, r.Status, "HTTP status of the upgrade response", r.Body);
                ctx.RequireEqual(2004L, Jq.Int(r.Json, "code"), "problem code", r.Body);
            });
    }
}
