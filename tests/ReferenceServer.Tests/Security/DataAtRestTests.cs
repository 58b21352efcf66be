using Switchboard.Server.Auth;
using Switchboard.Server.Storage;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Security;

/// <summary>Data at rest: the data directory is created 0700, the database and its -wal/-shm files are 0600 (Unix).</summary>
public sealed class DataAtRestTests
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertDatabaseFilesAreOwnerOnly(string dataDirectory)
    {
        foreach (var name in new[] { "switchboard.db", "switchboard.db-wal", "switchboard.db-shm" })
        {
            var path = Path.Combine(dataDirectory, name);
            Assert.True(File.Exists(path), $"{name} exists (WAL mode, after a write)");
            Assert.True(File.GetUnixFileMode(path) == Owner, $"{name} is {File.GetUnixFileMode(path)}");
        }
    }

    [Fact]
    public void A_new_data_directory_is_0700_and_the_database_files_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var parent = Directory.CreateTempSubdirectory("sb-modes-").FullName;
        try
        {
            var directory = DataDirectory.Resolve("data", parent);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory.Path));
            using (var db = new SqliteDatabase(Path.Combine(directory.Path, "switchboard.db")))
            {
                db.ApplyMigrations([], TimeProvider.System);
                AssertDatabaseFilesAreOwnerOnly(directory.Path);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task The_running_server_keeps_its_database_files_0600_and_tightens_files_of_an_earlier_run()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var directory = Directory.CreateTempSubdirectory("sb-modes-srv-").FullName;
        var world = Owner | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        await using (var host = await TestServerHost.StartAsync(o => o.DataDirectory = directory))
        {
            await using var alice = await host.ConnectAsync("modeAlice");
            await using var bob = await host.ConnectAsync("modeBob");
            Assert.Equal("SEND_MESSAGE_SUCCESS", (await alice.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "modeBob", data = "secret" })).Event);
            AssertDatabaseFilesAreOwnerOnly(directory);
            await host.StopAsync();
        }

        // An earlier version left 0644 files behind: the next start tightens them.
        File.SetUnixFileMode(Path.Combine(directory, "switchboard.db"), world);
        await using (var host = await TestServerHost.StartAsync(o => o.DataDirectory = directory))
        {
            await using var alice = await host.ConnectAsync("modeAlice");
            Assert.True(File.GetUnixFileMode(Path.Combine(directory, "switchboard.db")) == Owner);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
