using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Tests;

public sealed class StoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private (SqliteDatabase Db, SqliteMessageStore Store) Open()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var db = new SqliteDatabase(Path.Combine(_dir, "switchboard.db"));
        db.ApplyMigrations([new CoreSchemaMigration()], time);
        return (db, new SqliteMessageStore(db, time));
    }

    [Fact]
    public async Task Concurrent_appends_are_group_committed_with_gapless_seqs_per_stream()
    {
        var (db, store) = Open();
        using (db)
        using (store)
        {
            var appends = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
            {
                var user = "u" + (i % 10);
                var stored = await store.AppendAsync("web", user, "PUSH", seq => System.Text.Encoding.UTF8.GetBytes($"{user}:{seq}"));
                return (user, stored.Seq);
            })).ToArray();
            var results = await Task.WhenAll(appends);

            foreach (var group in results.GroupBy(r => r.user))
            {
                Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), group.Select(g => g.Seq).Order());
                var frames = await store.ReadAsync("web", group.Key, 0, 100);
                Assert.Equal(20, frames.Count);
                Assert.All(frames, f => Assert.Equal($"{group.Key}:{f.Seq}", System.Text.Encoding.UTF8.GetString(f.Frame)));
                Assert.Equal(20, (await store.GetStreamAsync("web", group.Key))!.LastSeq);
            }
        }

        // Everything is on disk: a fresh store over the same file sees the same heads.
        var (db2, store2) = Open();
        using (db2)
        using (store2)
        {
            Assert.Equal(20, (await store2.GetStreamAsync("web", "u3"))!.LastSeq);
            var room = await store2.AppendRoomAsync("web", "lobby", seq => [(byte)seq]);
            Assert.Equal(1, room.Seq);
            Assert.Equal(1, (await store2.GetRoomAsync("web", "lobby")).LastSeq);
        }
    }
}
