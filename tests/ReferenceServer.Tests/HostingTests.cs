using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Auth;
using Switchboard.ReferenceServer.Cli;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Graceful_shutdown_sends_close_4503_to_every_client()
    {
        var host = await TestServerHost.StartAsync();
        try
        {
            await using var a = await host.ConnectAsync("sdA");
            await using var b = await host.ConnectAsync("sdB", ns: "app");
            await host.StopAsync();
            foreach (var client in new[] { a.Client, b.Client })
            {
                var (closeEvent, status) = await client.WaitForCloseAsync();
                Assert.Equal(4503, closeEvent!.GetInt64("code"));
                Assert.Equal("shutting down", closeEvent.GetString("reason"));
                Assert.True(closeEvent.GetBoolean("retryable"));
                Assert.Equal((WebSocketCloseStatus)4503, status);
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_shutting_down_upgrades_get_503_health_reports_it_and_commands_get_5004()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var session = await host.ConnectAsync("sdEarly");
        host.Services.GetRequiredService<Hosting.ShutdownState>().Begin();

        var error = await session.Client.RequestAsync("ECHO", new { data = "x" });
        Assert.Equal(("ERROR", 5004L, "SHUTTING_DOWN"), (error.Event, error.GetInt64("code"), error.GetString("error")));

        using var late = new ClientWebSocket();
        late.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => late.ConnectAsync(host.WebSocketUri("web", host.MintToken("sdLate")), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, late.HttpStatusCode);

        using var http = host.CreateHttpClient();
        using var health = await http.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("{\"status\":\"shutting_down\"}", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Token_cli_mints_with_the_key_kept_in_the_data_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sb-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await TokenCli.RunAsync(["--user", "alice", "--role", "agent", "--name", "Alice", "--ns", "web", "--ttl", "2h", "--data-dir", dir], stdout, stderr);
            Assert.True(exit == 0, stderr.ToString());
            var token = stdout.ToString().Trim();
            Assert.Equal(3, token.Split('.').Length);

            var keyFile = Path.Combine(dir, SigningKeyProvider.KeyFileName);
            Assert.True(File.Exists(keyFile));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            }

            // A server started on the same data directory without a configured key accepts the token.
            await using var host = await TestServerHost.StartAsync(o =>
            {
                o.DataDirectory = dir;
                o.SigningKey = null!;
            });
            await using var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", token));
            var connect = await client.ReceiveAsync();
            Assert.Equal("CONNECT", connect.Event);
            Assert.Equal("Alice", connect.Response.GetProperty("user").GetProperty("name").GetString());
            Assert.Equal("agent", connect.Response.GetProperty("user").GetProperty("role").GetString());

            Assert.Equal(2, await TokenCli.RunAsync(["--role", "agent"], TextWriter.Null, TextWriter.Null));
            Assert.Equal(2, await TokenCli.RunAsync(["--user", "bob", "--role", "boss"], TextWriter.Null, TextWriter.Null));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("7d", 604800)]
    [InlineData("500ms", 0.5)]
    [InlineData("01:00:00", 3600)]
    public void Ttl_durations_parse(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), TokenCli.ParseDuration(text));

    [Theory]
    [InlineData("Switchboard:KeepAlive:IdleTimeoutMs", "1000")] // not greater than the ping interval (5000)
    [InlineData("Switchboard:Limits:MaxMessageBytes", "10")]
    [InlineData("Switchboard:Auth:SigningKey", "too-short")]
    public async Task Invalid_options_fail_at_startup(string key, string value)
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => TestServerHost.StartAsync(o =>
        {
            o.Settings[key] = value;
            if (key == "Switchboard:Auth:SigningKey")
            {
                o.SigningKey = value;
            }
        }));
    }

    [Fact]
    public void Token_bucket_refills_by_time_provider_and_flags_abuse()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(time, ratePerSecond: 10, burst: 2, abuseLimit: 3, abuseWindow: TimeSpan.FromSeconds(10));
        Assert.True(bucket.TryTake(out _));
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out var abusive));
        Assert.False(abusive);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out abusive));
        Assert.True(abusive); // 4 rejections > 3 within the window
    }

    [Fact]
    public void Message_ids_are_26_chars_sortable_and_unique()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var a = MessageIds.New(time);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var b = MessageIds.New(time);
        Assert.Equal(26, a.Length);
        Assert.True(string.CompareOrdinal(a, b) < 0);
        var many = Enumerable.Range(0, 1000).Select(_ => MessageIds.New(time)).ToHashSet();
        Assert.Equal(1000, many.Count);
    }

    [Fact]
    public async Task Handler_exceptions_become_5003_and_the_connection_stays_open()
    {
        await using var host = await TestServerHost.StartAsync(o => o.ConfigureServices = services =>
        {
            // Replace the room handler with one that throws, to exercise the dispatcher's isolation.
            var descriptor = services.Single(d => d.ServiceType == typeof(ICommandHandler) && d.ImplementationType?.Name == "RoomCommandHandler");
            services.Remove(descriptor);
            services.AddSingleton<ICommandHandler, ThrowingHandler>();
        });
        await using var session = await host.ConnectAsync("thrower");
        var error = await session.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room = "r", data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 5003L, "INTERNAL_ERROR"), (error.Event, error.GetInt64("code"), error.GetString("error")));
        Assert.Equal("ECHO", (await session.Client.RequestAsync("ECHO", new { data = "ok" })).Event);
        Assert.Contains(host.Logs, l => l.Contains("[200]", StringComparison.Ordinal));
    }

    private sealed class ThrowingHandler : ICommandHandler
    {
        public IReadOnlyCollection<string> Commands { get; } = ["JOIN_ROOM", "LEAVE_ROOM", "SEND_ROOM_MESSAGE"];

        public ValueTask HandleAsync(CommandContext context, Protocol.IClientCommand command, CancellationToken cancellationToken)
            => throw new InvalidOperationException("boom");
    }
}
