using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class ResumeConcurrencyTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Reconnecting_with_since_while_messages_flow_loses_and_duplicates_nothing(TestStore store)
    {
        const int total = 150;
        await using var host = await TestServerHost.StartAsync(store);
        string epoch;
        await using (var first = await host.ConnectAsync("flowBob"))
        {
            epoch = first.Epoch;
        }

        await using var sender = await host.ConnectAsync("flowSender");
        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= total; i++)
            {
                var ok = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "flowBob", data = "n" + i });
                Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
            }
        });

        var seen = new List<long>();
        long last = 0;
        var reconnects = 0;
        while (last < total)
        {
            await using var bob = await host.ConnectAsync("flowBob", since: last, epoch: epoch);
            reconnects++;
            Assert.True(bob.Connect.GetBoolean("recovered"));
            var take = Math.Min(17, total - (int)last);
            for (var i = 0; i < take; i++)
            {
                var e = await bob.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
                Assert.Equal(last + 1, e.Seq); // no gap, no duplicate, across replay and live
                Assert.Equal("n" + e.Seq, e.GetString("data"));
                last = e.Seq!.Value;
                seen.Add(last);
            }
        }

        await sending;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), seen);
        Assert.True(reconnects >= total / 17);
    }
}
