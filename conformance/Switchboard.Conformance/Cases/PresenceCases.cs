using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Online list and ONLINE notifications.</summary>
internal static class PresenceCases
{
    private static JsonObject? FindUser(Frame f, string id) =>
        (f.R("users") as JsonArray)?.OfType<JsonObject>().FirstOrDefault(u => Jq.Str(u, "id") == id);

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("pres.online-list", Profiles.Presence, "GET_ONLINE_LIST lists online users with connection counts",
            "GET_ONLINE_LIST replies ONLINE_LIST {namespace, users: [{id, name, role, connections}]} including the caller and other online users of the namespace only.",
            ["SB-PRES-001", "SB-PRES-008"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await ctx.ConnectAsync("bob");
                await ctx.ConnectAsync("bob");
                await ctx.ConnectAsync("carol", ns: "app");
                var list = await alice.CallAsync(Wire.GetOnlineList, null, Wire.OnlineList);
                ctx.RequireEqual("web", list.Str("namespace"), "ONLINE_LIST namespace", list.Text);
                var a = FindUser(list, ctx.User("alice"));
                var b = FindUser(list, ctx.User("bob"));
                ctx.Require(a is not null && Jq.Int(a, "connections") == 1, "alice listed with connections 1", list.Text);
                ctx.Require(b is not null && Jq.Int(b, "connections") == 2, "bob listed with connections 2", list.Text);
                ctx.Require(FindUser(list, ctx.User("carol")) is null, "carol (/app) not listed in /web", list.Text);
            });

        yield return Define("pres.online-subscribe", Profiles.Presence, "Subscribers get ONLINE on first connect and last disconnect",
            "After GET_ONLINE_LIST {subscribe: true}, bob's first connection produces ONLINE {online: true, connections: 1}; his second connection none; closing both produces one ONLINE {online: false}.",
            ["SB-PRES-002", "SB-PRES-003", "SB-PRES-004"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true)), Wire.OnlineList);
                var bob1 = await ctx.ConnectAsync("bob");
                var on = await alice.ExpectAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
                ctx.RequireEqual(true, on.Bool("online"), "ONLINE online", on.Text);
                ctx.RequireEqual(1L, on.Int("connections"), "ONLINE connections", on.Text);
                ctx.RequireEqual("web", on.Str("namespace"), "ONLINE namespace", on.Text);
                RequireTimestamp(ctx, on, "at");
                var bob2 = await ctx.ConnectAsync("bob");
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"), "ONLINE for bob's second connection");
                await bob2.CloseAsync();
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"), "ONLINE when bob still has a connection");
                await bob1.CloseAsync();
                var off = await alice.ExpectAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
                ctx.RequireEqual(false, off.Bool("online"), "ONLINE online", off.Text);
                ctx.RequireEqual(0L, off.Int("connections"), "ONLINE connections", off.Text);
            });

        yield return Define("pres.not-subscribed", Profiles.Presence, "Without subscribe no ONLINE deltas",
            "A connection that did not subscribe gets no ONLINE for users of its namespace (role user).",
            ["SB-PRES-002"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await ctx.ConnectAsync("bob");
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
            });

        yield return Define("pres.full-list", Profiles.Presence, "full_list subscribers get ONLINE_LIST on every change",
            "After GET_ONLINE_LIST {subscribe: true, full_list: true}, a new user's connection pushes ONLINE_LIST (no cid) that includes the new user.",
            ["SB-PRES-005"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true), ("full_list", true)), Wire.OnlineList);
                await ctx.ConnectAsync("bob");
                var pushed = await alice.ExpectAsync(Wire.OnlineList, f => f.Cid is null && FindUser(f, ctx.User("bob")) is not null);
                ctx.RequireEqual("web", pushed.Str("namespace"), "ONLINE_LIST namespace", pushed.Text);
            });

        yield return Define("pres.namespace-isolated", Profiles.Presence, "ONLINE does not cross namespaces",
            "A /web subscriber gets no ONLINE when a user connects to /app.",
            ["SB-NS-002"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true)), Wire.OnlineList);
                await ctx.ConnectAsync("bob", ns: "app");
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
            });

        yield return Define("pres.agents-see-visitors", Profiles.Presence, "Agents get ONLINE for visitors in every namespace",
            "An agent connection (no subscription) receives ONLINE when a visitor comes online and goes offline, also across namespaces.",
            ["SB-PRES-006", "SB-NS-006"], async ctx =>
            {
                var agent = await ctx.ConnectAsync("agent", "agent");
                var visitor = await ctx.ConnectAsync("visitor", "visitor", ns: "app");
                var on = await agent.ExpectAsync(Wire.Online, f => f.Str("user.id") == ctx.User("visitor"));
                ctx.RequireEqual(true, on.Bool("online"), "ONLINE online", on.Text);
                ctx.RequireEqual("app", on.Str("namespace"), "ONLINE namespace", on.Text);
                await visitor.CloseAsync();
                var off = await agent.ExpectAsync(Wire.Online, f => f.Str("user.id") == ctx.User("visitor"));
                ctx.RequireEqual(false, off.Bool("online"), "ONLINE online", off.Text);
            });
    }
}
