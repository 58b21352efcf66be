using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Switchboard.Browser.Tests;

/// <summary>The customer-service pages (seed 000): visitor page and agent desk, in headless Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DeskPageTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task Visitor_asks_for_service_two_agents_race_to_grab_and_the_winner_transfers_to_the_other()
    {
        var ann = await SignInAsync("/agent.html", "Ann");
        var ben = await SignInAsync("/agent.html", "Ben");
        var vera = await SignInAsync("/visitor.html", "Vera");

        await vera.Locator("#topic").FillAsync("my order is late");
        await vera.Locator("#request-form button").ClickAsync();
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync("waiting for an agent");

        // Both desks see the visitor in the QIANGDAN queue and click Grab at the same time.
        var annGrab = ann.Locator("#queue li[data-state='waiting'] button.grab");
        var benGrab = ben.Locator("#queue li[data-state='waiting'] button.grab");
        await Expect(annGrab).ToBeVisibleAsync();
        await Expect(benGrab).ToBeVisibleAsync();
        await Task.WhenAll(annGrab.ClickAsync(), benGrab.ClickAsync());

        // Exactly one wins: it has the conversation; the other sees the visitor taken.
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync("talking with");
        var state = await vera.Locator("#conversation-state").InnerTextAsync();
        var (winner, loser, loserId, loserName) = state.Contains("Ann", StringComparison.Ordinal) ? (ann, ben, "ben", "Ben") : (ben, ann, "ann", "Ann");
        await Expect(winner.Locator("#conversations li[data-state='active']")).ToHaveCountAsync(1);
        await Expect(loser.Locator("#conversations li")).ToHaveCountAsync(0);
        await Expect(loser.Locator("#queue li[data-state='taken']")).ToContainTextAsync("taken by");
        await ScreenshotAsync(loser, "desk-grab-lost");

        // Visitor and winner chat.
        await vera.Locator("#text").FillAsync("hello, anyone?");
        await vera.Locator("#chat-form button").ClickAsync();
        await Expect(winner.Locator("#log")).ToContainTextAsync("Vera (vera): hello, anyone?");
        await winner.Locator("#text").FillAsync("hi Vera, let me get a colleague");
        await winner.Locator("#send-form button").ClickAsync();
        await Expect(vera.Locator("#log")).ToContainTextAsync("hi Vera, let me get a colleague");

        // The winner transfers to the other agent, who accepts.
        await winner.Locator("#transfer-to").FillAsync(loserId);
        await winner.Locator("#transfer-note").FillAsync("shipping question");
        await winner.Locator("#transfer-form button").ClickAsync();
        var offer = loser.Locator("#transfers li[data-transfer]");
        await Expect(offer).ToContainTextAsync("shipping question");
        await offer.Locator("button.accept").ClickAsync();
        await Expect(loser.Locator("#conversations li[data-state='active']")).ToHaveCountAsync(1);
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync($"talking with {loserName}");
        await Expect(winner.Locator("#notices")).ToContainTextAsync("accepted the transfer");

        // The new owner opens it (history came along), replies, and closes it.
        await loser.Locator("#conversations li[data-state='active']").ClickAsync();
        await loser.Locator("#text").FillAsync("hi Vera, I can help");
        await loser.Locator("#send-form button").ClickAsync();
        await Expect(vera.Locator("#log")).ToContainTextAsync("hi Vera, I can help");
        await Expect(loser.Locator("#day-access")).ToContainTextAsync("1 today");
        await ScreenshotAsync(loser, "desk-after-transfer");
        await loser.Locator("#close-button").ClickAsync();
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync("closed (reason: agent)");
        await ScreenshotAsync(vera, "desk-visitor-closed");
    }

    [Fact]
    public async Task An_agent_who_signs_in_after_visitors_asked_sees_the_waiting_queue_in_order()
    {
        // SB-CS-006: the queue arrives as QIANGDAN right behind CONNECT and DAY_ACCESS.
        var vera = await SignInAsync("/visitor.html", "Vera");
        await vera.Locator("#topic").FillAsync("first in line");
        await vera.Locator("#request-form button").ClickAsync();
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync("waiting for an agent");
        var walt = await SignInAsync("/visitor.html", "Walt");
        await walt.Locator("#topic").FillAsync("second in line");
        await walt.Locator("#request-form button").ClickAsync();
        await Expect(walt.Locator("#conversation-state")).ToContainTextAsync("waiting for an agent");

        var ann = await SignInAsync("/agent.html", "Ann");
        var waiting = ann.Locator("#queue li[data-state='waiting']");
        await Expect(waiting).ToHaveCountAsync(2);
        await Expect(waiting.Nth(0)).ToContainTextAsync("Vera");
        await Expect(waiting.Nth(1)).ToContainTextAsync("Walt");
        await ann.Locator("#queue li[data-state='waiting'] button.grab").First.ClickAsync();
        await Expect(vera.Locator("#conversation-state")).ToContainTextAsync("talking with");
    }

    [Fact]
    public async Task Agent_creates_a_work_order_and_refuses_a_transfer_with_a_reason()
    {
        var ann = await SignInAsync("/agent.html", "Ann");
        var ben = await SignInAsync("/agent.html", "Ben");
        var vera = await SignInAsync("/visitor.html", "Vera");
        await vera.Locator("#request-form button").ClickAsync();
        await ann.Locator("#queue li[data-state='waiting'] button.grab").ClickAsync();
        await Expect(ann.Locator("#conversations li[data-state='active']")).ToHaveCountAsync(1);

        await ann.Locator("#order-title").FillAsync("Refund order 42");
        await ann.Locator("#order-body").FillAsync("Visitor asked for a refund");
        await ann.Locator("#order-form button").ClickAsync();
        await Expect(ann.Locator("#orders li")).ToContainTextAsync("Refund order 42 [open]");

        await ann.Locator("#transfer-to").FillAsync("ben");
        await ann.Locator("#transfer-form button").ClickAsync();
        await ben.Locator("#refuse-reason").FillAsync("busy right now");
        await ben.Locator("#transfers li button.refuse").ClickAsync();
        await Expect(ann.Locator("#notices")).ToContainTextAsync("Ben (ben) refused the transfer: busy right now");
        await Expect(ann.Locator("#conversations li[data-state='active']")).ToHaveCountAsync(1);
        await ScreenshotAsync(ann, "desk-work-order-and-refused-transfer");
    }
}
