using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Storage;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

/// <summary>
/// SB-ROOM-012/014 at the retention boundary: a room with more messages than History:MaxPerStream. JOIN_ROOM with
/// since replays up to the room's last room_seq with no gap, before and after the pruning job ran, and
/// recovered/missed tell the truth (false when messages after since fell out of retention).
/// </summary>
public sealed class RoomReplayRetentionTests
{
    private const int Retained = 100;
    private const int Backlog = 130;

    private static async Task<(List<long> Replayed, TestEnvelope State)> JoinAsync(TestServerHost host, string user, string room, long since)
    {
        await using var joiner = await host.ConnectAsync(user);
        await joiner.Client.SendCommandAsync("JOIN_ROOM", new { room, since }, "join");
        var replayed = new List<long>();
        while (true)
        {
            var envelope = await joiner.Client.ReceiveAsync();
            if (envelope.Event == "ROOM_MESSAGE")
            {
                replayed.Add(envelope.GetInt64("room_seq"));
                continue;
            }

            Assert.Equal(("ROOM_STATE", "join"), (envelope.Event, envelope.Cid));
            return (replayed, envelope);
        }
    }

    private static void AssertReplay(List<long> replayed, TestEnvelope state, long from, bool recovered)
    {
        Assert.Equal(Enumerable.Range((int)from, Backlog - (int)from + 1).Select(i => (long)i), replayed);
        Assert.Equal((Backlog, recovered, replayed.Count), (state.GetInt64("seq"), state.GetBoolean("recovered"), (int)state.GetInt64("missed")));
    }

    [Fact]
    public async Task Replay_reaches_the_last_room_seq_and_tells_the_truth_before_and_after_pruning()
    {
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:History:MaxPerStream"] = Retained.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Settings["Switchboard:History:PruneInterval"] = "1.00:00:00"; // the test decides when pruning runs
        });
        const string room = "retention";
        await using var speaker = await host.ConnectAsync("rrSpeaker");
        await speaker.Client.RequestAsync("JOIN_ROOM", new { room });
        for (var i = 1; i <= Backlog; i++)
        {
            Assert.Equal(i, (await speaker.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "m" + i })).GetInt64("seq"));
        }

        // Before pruning: 6..30 are beyond the retention guarantee; the replay is the retained 31..130, not 6..105.
        var (replayed, state) = await JoinAsync(host, "rrBefore", room, since: 5);
        AssertReplay(replayed, state, from: Backlog - Retained + 1, recovered: false);

        // Exactly at the boundary nothing is missing.
        (replayed, state) = await JoinAsync(host, "rrBoundary", room, since: Backlog - Retained);
        AssertReplay(replayed, state, from: Backlog - Retained + 1, recovered: true);

        // A joiner that stays gets the live messages right after the replay: no gap, no duplicate.
        await using (var stays = await host.ConnectAsync("rrLive"))
        {
            await stays.Client.SendCommandAsync("JOIN_ROOM", new { room, since = 120 }, "join");
            for (var i = 121; i <= Backlog; i++)
            {
                Assert.Equal(i, (await stays.Client.ReceiveEventAsync("ROOM_MESSAGE")).GetInt64("room_seq"));
            }

            Assert.True((await stays.Client.ReceiveEventAsync("ROOM_STATE")).GetBoolean("recovered"));
            await speaker.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "live" });
            var live = await stays.Client.ReceiveEventAsync("ROOM_MESSAGE");
            Assert.Equal(Backlog + 1, live.GetInt64("room_seq"));
        }

        // After pruning (history max smaller than the backlog): the same answers, now from the pruned store.
        var pruned = await host.Services.GetRequiredService<IMessageStore>().PruneAsync(Retained, DateTimeOffset.UtcNow.AddDays(-7));
        Assert.True(pruned >= Backlog + 1 - Retained, $"pruned {pruned}");
        (replayed, state) = await JoinAsync(host, "rrAfter", room, since: 5);
        Assert.Equal(Enumerable.Range(Backlog + 2 - Retained, Retained).Select(i => (long)i), replayed);
        Assert.Equal((Backlog + 1L, false, (long)Retained), (state.GetInt64("seq"), state.GetBoolean("recovered"), state.GetInt64("missed")));

        (replayed, state) = await JoinAsync(host, "rrAfterInside", room, since: 100);
        Assert.Equal(Enumerable.Range(101, Backlog + 1 - 100).Select(i => (long)i), replayed);
        Assert.Equal((Backlog + 1L, true, (long)(Backlog + 1 - 100)), (state.GetInt64("seq"), state.GetBoolean("recovered"), state.GetInt64("missed")));
    }
}
