using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Token validation at the handshake and REFRESH_TOKEN.</summary>
internal static class AuthCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Rejected("auth.missing-token", "No token -> CLOSE 4401", ["SB-AUTH-003", "SB-HS-011", "SB-CLOSE-001", "SB-CLOSE-002"], _ => null, CloseCodes.Unauthorized, CloseReasons.TokenMissing);
        yield return Rejected("auth.garbage-token", "A token that is not a JWT -> CLOSE 4401", ["SB-AUTH-004"], _ => "not-a-jwt", CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.wrong-signature", "A token signed with another key -> CLOSE 4401", ["SB-AUTH-002", "SB-AUTH-004"], ctx => ctx.Tokens.MintWithWrongKey(ctx.User("alice")), CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.alg-none", "An unsigned (alg none) token -> CLOSE 4401", ["SB-AUTH-002", "SB-AUTH-004"],
            ctx => ctx.Tokens.MintRaw(Obj(("sub", ctx.User("alice")), ("exp", ctx.Tokens.UnixTime(TimeSpan.FromHours(1)))), "none"), CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.missing-exp", "A token without exp -> CLOSE 4401", ["SB-AUTH-004"],
            ctx => ctx.Tokens.MintRaw(Obj(("sub", ctx.User("alice")))), CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.bad-sub", "A sub outside [A-Za-z0-9_.@-]{1,64} -> CLOSE 4401", ["SB-AUTH-004", "SB-AUTH-006"],
            ctx => ctx.Tokens.MintRaw(Obj(("sub", "bad user/" + ctx.Nonce), ("exp", ctx.Tokens.UnixTime(TimeSpan.FromHours(1))))), CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.unknown-role", "An unknown role -> CLOSE 4401", ["SB-AUTH-004"],
            ctx => ctx.Tokens.MintRaw(Obj(("sub", ctx.User("alice")), ("role", "superuser"), ("exp", ctx.Tokens.UnixTime(TimeSpan.FromHours(1))))), CloseCodes.Unauthorized, CloseReasons.TokenInvalid);
        yield return Rejected("auth.expired-token", "An expired token -> CLOSE event then close 4419 \"token expired\"", ["SB-AUTH-005"],
            ctx => ctx.TokenFor("alice", lifetime: TimeSpan.FromMinutes(-5)), CloseCodes.TokenExpired, CloseReasons.TokenExpired, retryable: true);
        yield return Rejected("auth.namespace-forbidden", "A token whose ns claim excludes the namespace -> CLOSE 4403", ["SB-AUTH-009"],
            ctx => ctx.TokenFor("alice", namespaces: ["app"]), CloseCodes.Forbidden, CloseReasons.NamespaceForbidden);
        yield return Rejected("auth.namespace-empty-list", "A token with ns [] allows no namespace -> CLOSE 4403", ["SB-AUTH-009"],
            ctx => ctx.TokenFor("alice", namespaces: []), CloseCodes.Forbidden, CloseReasons.NamespaceForbidden);

        yield return Define("auth.namespace-allowed", Profiles.Core, "A token whose ns claim lists the namespace connects",
            "A token with ns [\"app\"] connects to /app.",
            ["SB-AUTH-009"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice", ns: "app", configure: o => o.Token = ctx.TokenFor("alice", namespaces: ["app"]));
                ctx.RequireEqual("app", s.Connect!.Str("namespace"), "CONNECT namespace");
            });

        yield return Define("auth.refresh-token", Profiles.Core, "REFRESH_TOKEN with a valid token is acknowledged",
            "REFRESH_TOKEN with a new valid token for the same sub gets ACK {command: REFRESH_TOKEN, expires_at}.",
            ["SB-AUTH-011"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var ack = await s.CallAsync(Wire.RefreshToken, Obj(("token", ctx.TokenFor("alice", lifetime: TimeSpan.FromHours(2)))), Wire.Ack);
                ctx.RequireEqual(Wire.RefreshToken, ack.Str("command"), "ACK command", ack.Text);
                RequireTimestamp(ctx, ack, "expires_at");
            });

        yield return Define("auth.refresh-keeps-connection", Profiles.Core, "A refreshed connection outlives its first token",
            "After REFRESH_TOKEN the connection is not closed when the original token's exp passes.",
            ["SB-AUTH-011", "SB-AUTH-015"], async ctx =>
            {
                // The refresh must reach the server before the first token expires, or the case judges nothing but
                // its own slowness: under load a connect alone can take seconds (and exp is whole seconds, so a
                // lifetime L leaves L - 1 to L). So the lifetime is generous and the silence lasts until the first
                // token's exp has passed by a margin, measured from when it was minted.
                var lifetime = TimeSpan.FromSeconds(8);
                var expires = ctx.Options.Time.GetUtcNow() + lifetime;
                var s = await ctx.ConnectAsync("alice", configure: o => o.Token = ctx.TokenFor("alice", lifetime: lifetime));
                await s.CallAsync(Wire.RefreshToken, Obj(("token", ctx.TokenFor("alice"))), Wire.Ack);
                var pastExpiry = expires - ctx.Options.Time.GetUtcNow() + TimeSpan.FromSeconds(2);
                await s.ExpectNoEventAsync(Wire.Close, window: pastExpiry > TimeSpan.FromSeconds(2) ? pastExpiry : TimeSpan.FromSeconds(2));
                await AssertStillOpenAsync(ctx, s);
            }, snapshot: SnapshotMode.Ordered);

        yield return Define("auth.token-expires-while-connected", Profiles.Core, "Token expiry while connected -> CLOSE 4419",
            "A connection whose token expires (and is not refreshed) is closed with CLOSE 4419 \"token expired\".",
            ["SB-AUTH-015"], async ctx =>
            {
                // Long enough that a loaded machine still connects before exp (a token already expired at the upgrade
                // is rejected, which is another rule); the wait for the close counts from the mint.
                var lifetime = TimeSpan.FromSeconds(5);
                var expires = ctx.Options.Time.GetUtcNow() + lifetime;
                var s = await ctx.ConnectAsync("alice", configure: o => o.Token = ctx.TokenFor("alice", lifetime: lifetime));
                var close = await s.ExpectServerCloseAsync(CloseCodes.TokenExpired, expires - ctx.Options.Time.GetUtcNow() + ctx.Timeout);
                ctx.RequireEqual(true, close.Bool("retryable"), "CLOSE retryable", close.Text);
            });

        yield return RefreshError("auth.refresh-expired", "REFRESH_TOKEN with an expired token -> ERROR 2003", ctx => ctx.TokenFor("alice", lifetime: TimeSpan.FromMinutes(-1)), Err.TokenExpired, "SB-AUTH-013");
        yield return RefreshError("auth.refresh-invalid", "REFRESH_TOKEN with an invalid token -> ERROR 2002", ctx => ctx.Tokens.MintWithWrongKey(ctx.User("alice")), Err.TokenInvalid, "SB-AUTH-012");
        yield return RefreshError("auth.refresh-other-subject", "REFRESH_TOKEN for another sub -> ERROR 2006", ctx => ctx.TokenFor("mallory"), Err.TokenSubjectMismatch, "SB-AUTH-014");
    }

    private static ConformanceCase Rejected(string id, string title, string[] reqs, Func<CaseContext, string?> token, int code, string? reason = null, bool retryable = false) =>
        Define(id, Profiles.Core, title,
            $"The server accepts the upgrade, sends a CLOSE event with code {code} (retryable {retryable.ToString().ToLowerInvariant()}) and closes the WebSocket with {code}; no CONNECT is sent.",
            [.. reqs, "SB-AUTH-010", "SB-HS-006"], async ctx =>
            {
                var s = await ctx.OpenAsync(new ConnectOptions { Token = token(ctx), Label = "client" });
                var close = await s.ExpectServerCloseAsync(code);
                if (reason is not null)
                {
                    ctx.RequireEqual(reason, close.Str("reason"), "CLOSE reason", close.Text);
                }

                ctx.RequireEqual(retryable, close.Bool("retryable"), "CLOSE retryable", close.Text);
                ctx.Require(s.Unconsumed().All(f => f.Event != Wire.Connect), "no CONNECT before the CLOSE", string.Join(" ", s.Unconsumed().Select(f => f.Text)));
            });

    private static ConformanceCase RefreshError(string id, string title, Func<CaseContext, string> token, int code, string req) =>
        Define(id, Profiles.Core, title, $"REFRESH_TOKEN is answered with ERROR {code}; the connection stays open with its current identity.",
            [req], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var cid = await s.SendCommandAsync(Wire.RefreshToken, Obj(("token", token(ctx))));
                await s.ExpectErrorAsync(code, cid);
                await AssertStillOpenAsync(ctx, s);
            });
}
