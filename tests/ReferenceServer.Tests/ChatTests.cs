using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class ChatTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Group_message_reaches_the_namespace_and_honours_include_self(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var a1 = await host.ConnectAsync("gA");
        await using var a2 = await host.ConnectAsync("gA");
        await using var b = await host.ConnectAsync("gB");
        await using var appUser = await host.ConnectAsync("gC", ns: "app");

        var ok = await a1.Client.RequestAsync("SEND_GROUP_MESSAGE", new { data = "hello all" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        Assert.False(ok.Has("seq"));
        var own = await a1.Client.ReceiveAsync(); // after the reply
        Assert.Equal("GROUP_MESSAGE", own.Event);
        Assert.Equal(ok.GetString("message_id"), own.GetString("message_id"));
        Assert.Equal("hello all", (await a2.Client.ReceiveEventAsync("GROUP_MESSAGE")).GetString("data"));
        var bCopy = await b.Client.ReceiveEventAsync("GROUP_MESSAGE");
        Assert.Equal("gA", bCopy.Response.GetProperty("user").GetProperty("id").GetString());
        Assert.Null(bCopy.Seq);
        Assert.DoesNotContain(await appUser.Client.DrainAsync(), e => e.Event == "GROUP_MESSAGE");

        await a1.Client.RequestAsync("SEND_GROUP_MESSAGE", new { data = "not me", include_self = false });
        Assert.DoesNotContain(await a1.Client.DrainAsync(), e => e.Event == "GROUP_MESSAGE");
        Assert.Equal("not me", (await a2.Client.ReceiveEventAsync("GROUP_MESSAGE")).GetString("data"));
        Assert.Equal("not me", (await b.Client.ReceiveEventAsync("GROUP_MESSAGE")).GetString("data"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Private_message_reaches_all_recipient_connections_and_nobody_else(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var sender = await host.ConnectAsync("pmSender", name: "Sender");
        await using var senderOther = await host.ConnectAsync("pmSender");
        await using var r1 = await host.ConnectAsync("pmTo");
        await using var r2 = await host.ConnectAsync("pmTo");
        await using var third = await host.ConnectAsync("pmThird");

        var ok = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "pmTo", data = "secret" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        var m1 = await r1.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        var m2 = await r2.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        Assert.Equal(1, m1.Seq);
        Assert.Equal(m1.Raw, m2.Raw);
        Assert.Equal(ok.GetString("message_id"), m1.GetString("message_id"));
        Assert.Equal("pmTo", m1.GetString("to"));
        Assert.Equal("web", m1.GetString("namespace"));
        Assert.Equal("Sender", m1.Response.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("secret", m1.GetString("data"));

        Assert.Empty(await sender.Client.DrainAsync());
        Assert.Empty(await senderOther.Client.DrainAsync());
        Assert.Empty(await third.Client.DrainAsync());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Unknown_recipient_gets_3001_and_cross_namespace_needs_explicit_namespace(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var web = await host.ConnectAsync("xWeb");
        await using var app = await host.ConnectAsync("xApp", ns: "app");

        var unknown = await web.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "nobody", data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 3001L, "$.request.to"), (unknown.Event, unknown.GetInt64("code"), unknown.GetString("path")));

        // xApp has a stream in app only: addressing it in web (default) is unknown.
        var wrongNs = await web.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "xApp", data = "x" });
        Assert.Equal(3001, wrongNs.GetInt64("code"));

        var ok = await web.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "xApp", data = "web to app", @namespace = "app" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        var received = await app.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        Assert.Equal("web", received.GetString("namespace")); // the sender's namespace
        Assert.Equal("web to app", received.GetString("data"));

        var self = await app.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "xApp", data = "note to self" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", self.Event);
        // The copy for the sender's own stream is pushed before the reply (stored and pushed, then acknowledged).
        lock (app.Client.History)
        {
            Assert.Contains(app.Client.History, e => e.Event == "PRIVATE_MESSAGE" && e.Seq == 2 && e.GetString("data") == "note to self");
        }
    }
}
