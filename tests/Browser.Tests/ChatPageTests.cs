using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Switchboard.Browser.Tests;

/// <summary>The chat page (seeds 002/003/004) in headless Chromium against the real reference server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task The_landing_page_shows_the_connection_url_and_leads_to_a_working_chat()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(Server.BaseUri.ToString());
        await Expect(page.Locator("#ws-url")).ToHaveTextAsync($"ws://127.0.0.1:{Server.BaseUri.Port}/web");
        await page.Locator("#link-chat").ClickAsync();
        await page.Locator("#name").FillAsync("Newcomer");
        await page.Locator("#signin-form button").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#online li[data-user='newcomer']")).ToContainTextAsync("(you)");
        await ScreenshotAsync(page, "chat-first-visit");
    }

    [Fact]
    public async Task Two_pages_chat_privately_and_in_a_room()
    {
        var alice = await SignInAsync("/chat.html", "Alice");
        var bob = await SignInAsync("/chat.html", "Bob");
        await Expect(alice.Locator("#online li[data-user='bob']")).ToBeVisibleAsync();

        // private: pick Bob in the online list, then send
        await alice.Locator("#online li[data-user='bob']").ClickAsync();
        await Expect(alice.Locator("#target")).ToHaveValueAsync("user:bob");
        await alice.Locator("#text").FillAsync("hi bob, privately");
        await alice.Locator("#send-form button").ClickAsync();
        await Expect(bob.Locator("#log .line.private")).ToContainTextAsync("Alice (alice) → you: hi bob, privately");
        await Expect(alice.Locator("#log .line.private")).ToContainTextAsync("you → bob: hi bob, privately");

        // room: both enter "lobby"; Bob sees Alice enter after him, then her message
        await bob.Locator("#room-form button").ClickAsync();
        await Expect(bob.Locator("#rooms li[data-room='lobby']")).ToBeVisibleAsync();
        await alice.Locator("#room-form button").ClickAsync();
        await Expect(bob.Locator("#log")).ToContainTextAsync("[lobby] Alice (alice) entered");
        await Expect(alice.Locator("#target")).ToHaveValueAsync("room:lobby");
        await alice.Locator("#text").FillAsync("hello lobby");
        await alice.Locator("#send-form button").ClickAsync();
        await Expect(bob.Locator("#log .line.room")).ToContainTextAsync("[lobby] Alice (alice): hello lobby");
        await Expect(alice.Locator("#log .line.room")).ToContainTextAsync("[lobby] Alice (alice): hello lobby");

        // leaving shows a leave line to the others
        await alice.Locator("#rooms button[data-leave='lobby']").ClickAsync();
        await Expect(bob.Locator("#log")).ToContainTextAsync("[lobby] Alice (alice) left");
        await ScreenshotAsync(bob, "chat-private-and-room");
    }

    [Fact]
    public async Task Private_messages_sent_while_offline_are_shown_when_the_page_signs_in()
    {
        // Erin has a durable stream (she connected once) and is offline when Dave writes to her.
        await using (await Server.ConnectAsync("erin", name: "Erin"))
        {
        }

        await using (var sender = await Server.ConnectAsync("dave", name: "Dave"))
        {
            for (var i = 1; i <= 3; i++)
            {
                var reply = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "erin", data = $"offline {i}" });
                Assert.Equal("SEND_MESSAGE_SUCCESS", reply.Event);
            }
        }

        // The replay comes right behind CONNECT: the page's handlers must already be listening (SB-DEL replay).
        var erin = await SignInAsync("/chat.html", "Erin");
        var lines = erin.Locator("#log .line.private");
        await Expect(lines).ToHaveCountAsync(3);
        await Expect(lines.Nth(0)).ToContainTextAsync("Dave (dave) → you: offline 1");
        await Expect(lines.Nth(2)).ToContainTextAsync("Dave (dave) → you: offline 3");
    }

    [Fact]
    public async Task The_online_list_updates_when_a_page_closes()
    {
        var alice = await SignInAsync("/chat.html", "Alice");
        var carol = await SignInAsync("/chat.html", "Carol");
        await Expect(alice.Locator("#online li[data-user='carol']")).ToBeVisibleAsync();
        await Expect(alice.Locator("#online-count")).ToHaveTextAsync("2");

        await carol.CloseAsync();
        await Expect(alice.Locator("#online li[data-user='carol']")).ToHaveCountAsync(0);
        await Expect(alice.Locator("#online-count")).ToHaveTextAsync("1");
        await Expect(alice.Locator("#log")).ToContainTextAsync("Carol (carol) is offline");
        await ScreenshotAsync(alice, "chat-online-list-after-close");
    }

    [Fact]
    public async Task A_page_survives_a_server_restart_and_loses_nothing()
    {
        var alice = await SignInAsync("/chat.html", "Alice");
        var bob = await SignInAsync("/chat.html", "Bob");
        await alice.Locator("#online li[data-user='bob']").ClickAsync();
        await alice.Locator("#text").FillAsync("before restart");
        await alice.Locator("#send-form button").ClickAsync();
        await Expect(bob.Locator("#log .line.private")).ToContainTextAsync("before restart");

        // Graceful restart on the same port and data: the pages see CLOSE 4503 (retryable) and reconnect with since/epoch.
        var port = Server.BaseUri.Port;
        await Server.DisposeAsync();
        await Expect(bob.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "connected");
        Server = await StartServerAsyncOnPort(port);

        // Sent as soon as the server is back, possibly before Bob's page reconnected: stored and delivered either way.
        await using (var sender = await Server.ConnectAsync("dave", name: "Dave"))
        {
            var reply = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "bob", data = "while you were away" });
            Assert.Equal("SEND_MESSAGE_SUCCESS", reply.Event);
        }

        // reconnect backoff (1 s doubling, jittered) may take a few attempts while the server starts
        var reconnected = new LocatorAssertionsToHaveAttributeOptions { Timeout = 60_000 };
        await Expect(bob.Locator("#status")).ToHaveAttributeAsync("data-state", "connected", reconnected);
        await Expect(alice.Locator("#status")).ToHaveAttributeAsync("data-state", "connected", reconnected);
        await Expect(bob.Locator("#log .line.private", new() { HasTextString = "while you were away" })).ToHaveCountAsync(1);

        // and the connection works after the restart, without replaying what was already shown
        await alice.Locator("#online li[data-user='bob']").ClickAsync();
        await alice.Locator("#text").FillAsync("after restart");
        await alice.Locator("#send-form button").ClickAsync();
        await Expect(bob.Locator("#log .line.private", new() { HasTextString = "after restart" })).ToHaveCountAsync(1);
        await Expect(bob.Locator("#log .line.private", new() { HasTextString = "before restart" })).ToHaveCountAsync(1);
        await ScreenshotAsync(bob, "chat-after-server-restart");
    }

    private Task<Server.Testing.TestServerHost> StartServerAsyncOnPort(int port) => StartServerAsync(port);
}
