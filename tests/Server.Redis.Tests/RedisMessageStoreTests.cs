using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Redis.Tests;

/// <summary>The Redis <see cref="IMessageStore"/> directly: seq/epoch, the frame template, retention (count and age).</summary>
public sealed class RedisMessageStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static byte[] Frame(long seq, string data) => Encoding.UTF8.GetBytes($"{{\"event\":\"PUSH\",\"seq\":{seq},\"response\":{{\"data\":\"{data}\"}}}}");

    [Fact]
    public async Task Appends_number_consecutively_keep_the_epoch_and_put_the_seq_where_the_envelope_has_it()
    {
        await using var node = await ClusterNodes.StartAsync(fixture.Redis, ClusterNodes.NewPrefix());
        var store = node.Services.GetRequiredService<IMessageStore>();
        Assert.Null(await store.GetStreamAsync("web", "s1"));
        var created = await store.EnsureStreamAsync("web", "s1");
        Assert.Equal((0L, 0L, 0L), (created.LastSeq, created.AckedSeq, created.PrunedThrough));

        // The payload contains both sentinels' digits: only the envelope's seq may change.
        var tricky = "1111111111111111111-2222222222222222222";
        for (var i = 1; i <= 3; i++)
        {
            var stored = await store.AppendAsync("web", "s1", "PUSH", seq => Frame(seq, tricky));
            Assert.Equal(i, stored.Seq);
            Assert.Equal(Frame(i, tricky), stored.Frame);
        }

        var frames = await store.ReadAsync("web", "s1", 1, 10);
        Assert.Equal([2L, 3L], frames.Select(f => f.Seq));
        Assert.Equal(Frame(3, tricky), frames[1].Frame);

        await store.AcknowledgeAsync("web", "s1", 2);
        await store.AcknowledgeAsync("web", "s1", 1); // never backwards
        var info = await store.GetStreamAsync("web", "s1");
        Assert.Equal((created.Epoch, 3L, 2L), (info!.Epoch, info.LastSeq, info.AckedSeq));
    }

    [Fact]
    public async Task Retention_keeps_the_last_max_per_stream_and_prunes_by_age_moving_pruned_through()
    {
        await using var node = await ClusterNodes.StartAsync(fixture.Redis, ClusterNodes.NewPrefix(), o => o.Settings["Switchboard:History:MaxPerStream"] = "3");
        var store = node.Services.GetRequiredService<IMessageStore>();
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendAsync("web", "r1", "PUSH", seq => Frame(seq, "x"));
            await store.AppendRoomAsync("web", "lobby", seq => Frame(seq, "room"));
        }

        Assert.Equal([3L, 4L, 5L], (await store.ReadAsync("web", "r1", 0, 10)).Select(f => f.Seq));
        Assert.Equal(2, (await store.GetStreamAsync("web", "r1"))!.PrunedThrough);
        Assert.Equal(new RoomStreamInfo(5, 2), await store.GetRoomAsync("web", "lobby"));

        // Count 2 and everything older than an hour from now: all retained events go, pruned moves to the end.
        var removed = await store.PruneAsync(2, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(6, removed);
        Assert.Empty(await store.ReadAsync("web", "r1", 0, 10));
        Assert.Equal(5, (await store.GetStreamAsync("web", "r1"))!.PrunedThrough);
        Assert.Equal(new RoomStreamInfo(5, 5), await store.GetRoomAsync("web", "lobby"));
    }
}
