using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Backend API error model and validation details.</summary>
internal static class ApiSpecCases
{
    private static void Problem(CaseContext ctx, ApiResponse r, HttpStatusCode status, int code, string? path, string what)
    {
        ctx.Require(r.Status == status, $"{what}: HTTP {(int)status}", $"HTTP {(int)r.Status} {r.Text}");
        ctx.RequireEqual("application/problem+json", r.ContentType, $"{what}: Content-Type", r.Text);
        ctx.RequireEqual((long)code, r.Int("code"), $"{what}: code", r.Text);
        ctx.RequireEqual(Err.Names[code], r.Str("error"), $"{what}: error", r.Text);
        ctx.RequireEqual("urn:switchboard:error:" + Err.Names[code], r.Str("type"), $"{what}: type", r.Text);
        ctx.RequireEqual(Err.Names[code], r.Str("title"), $"{what}: title", r.Text);
        ctx.RequireEqual((long)status, r.Int("status"), $"{what}: status", r.Text);
        if (path is not null)
        {
            ctx.RequireEqual(path, r.Str("path"), $"{what}: path", r.Text);
        }
    }

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("api.problem-details", Profiles.BackendApi, "API errors are complete problem+json documents",
            "Errors carry type urn:switchboard:error:<NAME>, title, status, detail, code, error and path for validation errors; 401 carries WWW-Authenticate: Bearer; a token whose ns excludes the path namespace gets 403 2005.",
            ["SB-API-001", "SB-API-002"], async ctx =>
            {
                var r = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/namespaces/web/online", token: string.Empty);
                Problem(ctx, r, HttpStatusCode.Unauthorized, Err.TokenMissing, null, "no token");
                var raw = await ctx.RawHttpHeadersAsync("/api/v1/namespaces/web/online");
                ctx.Require(raw.TryGetValue("www-authenticate", out var wa) && wa.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase), "401 carries WWW-Authenticate: Bearer", wa ?? "(none)");
                var ns = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/namespaces/app/online", token: ctx.Tokens.Mint(ctx.User("admin"), "admin", namespaces: ["web"]));
                Problem(ctx, ns, HttpStatusCode.Forbidden, Err.NamespaceForbidden, null, "ns claim excludes app");
                var bad = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/namespaces/web/users/{ctx.User("bob")}/push", Obj(("topic", 1)));
                Problem(ctx, bad, HttpStatusCode.BadRequest, Err.InvalidField, "$.topic", "numeric topic");
                ctx.Require(bad.Str("detail") is not null, "problem has detail", bad.Text);
            });

        yield return Define("api.validation", Profiles.BackendApi, "API path and body validation",
            "Unknown namespace -> 404 1005 $.ns; invalid JSON -> 400 1001; non-object JSON -> 400 1008; invalid userId -> 400 1005 $.userId; invalid room -> 400 3003; invalid date -> 400 1005 $.date; invalid state -> 400 1005 $.state.",
            ["SB-API-014", "SB-API-015", "SB-API-003", "SB-API-004", "SB-API-007", "SB-API-012"], async ctx =>
            {
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Get, "/api/v1/namespaces/ftp/online"), HttpStatusCode.NotFound, Err.InvalidField, "$.ns", "unknown namespace");
                Problem(ctx, await ctx.HttpRawBodyAsync($"/api/v1/namespaces/web/users/{ctx.User("bob")}/push", "{\"topic\":"), HttpStatusCode.BadRequest, Err.MalformedJson, null, "invalid JSON");
                Problem(ctx, await ctx.HttpRawBodyAsync($"/api/v1/namespaces/web/users/{ctx.User("bob")}/push", "[1]"), HttpStatusCode.BadRequest, Err.InvalidEnvelope, null, "array body");
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Post, "/api/v1/namespaces/web/users/bad%20user/push", Obj(("topic", "t"), ("data", 1))), HttpStatusCode.BadRequest, Err.InvalidField, "$.userId", "invalid userId");
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Post, "/api/v1/namespaces/web/rooms/bad%20room/push", Obj(("topic", "t"), ("data", 1))), HttpStatusCode.BadRequest, Err.InvalidRoom, null, "invalid room");
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Get, "/api/v1/stats/day-access?date=2026-13-45"), HttpStatusCode.BadRequest, Err.InvalidField, "$.date", "invalid date");
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Get, "/api/v1/conversations?state=sleeping"), HttpStatusCode.BadRequest, Err.InvalidField, "$.state", "invalid state");
            });

        yield return Define("api.work-order-create-details", Profiles.BackendApi, "POST /work-orders answers 201 with Location; unknown conversation -> 404 4001",
            "Creating a work order answers 201 with a Location header; created_by is the API token's identity; a non-existent conversation_id is 404 with 4001.",
            ["SB-API-008"], async ctx =>
            {
                var (status, location, body) = await ctx.HttpWithLocationAsync("/api/v1/work-orders", Obj(("title", "t"), ("body", "b")));
                ctx.RequireEqual(201, status, "status", body);
                ctx.Require(!string.IsNullOrEmpty(location), "a Location header", "(none)");
                ctx.RequireEqual(ctx.User("backend"), Jq.Str(JsonNode.Parse(body), "created_by.id"), "created_by.id", body);
                Problem(ctx, await ctx.HttpAsync(HttpMethod.Post, "/api/v1/work-orders", Obj(("title", "t"), ("body", "b"), ("conversation_id", "nope-" + ctx.Nonce))), HttpStatusCode.NotFound, Err.ConversationNotFound, null, "unknown conversation");
            }, snapshot: SnapshotMode.None);
    }
}
