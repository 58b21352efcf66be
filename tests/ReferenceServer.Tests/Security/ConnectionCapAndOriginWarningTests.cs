using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Hosting;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Security;

/// <summary>SB-LIM-009 (per-user connection cap, CLOSE 4409) and the startup warning about an empty Origin allow-list.</summary>
public sealed class ConnectionCapAndOriginWarningTests
{
    [Fact]
    public async Task The_connection_beyond_the_per_user_cap_gets_4409_and_nothing_else_while_others_are_unaffected()
    {
        const int cap = 3;
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:Limits:MaxConnectionsPerUser"] = cap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var open = new List<TestSession>();
        try
        {
            // The cap counts both namespaces together.
            for (var i = 0; i < cap; i++)
            {
                open.Add(await host.ConnectAsync("capAlice", ns: i % 2 == 0 ? "web" : "app"));
            }

            await using (var extra = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("app", host.MintToken("capAlice"))))
            {
                var (closeEvent, status) = await extra.WaitForCloseAsync();
                Assert.Equal((4409L, "too many connections", true), (closeEvent!.GetInt64("code"), closeEvent.GetString("reason"), closeEvent.GetBoolean("retryable")));
                Assert.Equal((WebSocketCloseStatus)4409, status);
                Assert.Single(extra.History); // no CONNECT, nothing but CLOSE
            }

            // Another user is not affected, and alice's open connections still work.
            await using var bob = await host.ConnectAsync("capBob");
            Assert.Equal("ECHO", (await bob.Client.RequestAsync("ECHO", new { data = "b" })).Event);
            foreach (var session in open)
            {
                Assert.Equal("ECHO", (await session.Client.RequestAsync("ECHO", new { data = "a" })).Event);
            }

            // A closed connection frees its slot.
            await open[0].Client.CloseAsync();
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await WaitUntilAsync(() => host.Services.GetRequiredService<Connections.UserConnectionLimiter>().OpenConnections("capAlice") == cap - 1);
            open.Add(await host.ConnectAsync("capAlice"));
        }
        finally
        {
            foreach (var session in open)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>Waits for a server-side condition (the slot is returned when the server's connection task ends).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:80", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://192.168.1.10:80", false)]
    [InlineData("http://chat.example.com:80", false)]
    public void Listen_addresses_are_classified_as_loopback_or_not(string address, bool loopback)
        => Assert.Equal(loopback, ListenAddress.IsLoopback(address));

    [Fact]
    public async Task Listening_beyond_loopback_with_an_empty_origin_allow_list_logs_a_warning()
    {
        const string warning = "Switchboard:AllowedOrigins";
        await using (var exposed = await TestServerHost.StartAsync(o => o.ListenHost = "0.0.0.0"))
        {
            Assert.Contains(exposed.Logs, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains(warning, StringComparison.Ordinal));
        }

        await using (var configured = await TestServerHost.StartAsync(o =>
        {
            o.ListenHost = "0.0.0.0";
            o.Settings["Switchboard:AllowedOrigins:0"] = "https://app.example.com";
        }))
        {
            Assert.DoesNotContain(configured.Logs, l => l.Contains(warning, StringComparison.Ordinal));
        }

        await using (var loopback = await TestServerHost.StartAsync())
        {
            Assert.DoesNotContain(loopback.Logs, l => l.Contains(warning, StringComparison.Ordinal));
        }
    }
}
