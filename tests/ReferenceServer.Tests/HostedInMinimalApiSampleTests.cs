using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Samples.HostedInMinimalApi;
using Switchboard.Server.Auth;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

/// <summary>
/// samples/HostedInMinimalApi: an app with its own endpoint that hosts Switchboard through
/// <c>AddSwitchboard()</c>/<c>MapSwitchboard()</c>, booted exactly as its Program.cs does, on a free loopback port.
/// </summary>
public sealed class HostedInMinimalApiSampleTests
{
    [Fact]
    public async Task The_app_serves_its_own_endpoint_and_Switchboard_on_the_same_port()
    {
        var dataDir = Directory.CreateTempSubdirectory("sb-hosted-").FullName;
        var app = HostedApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--Switchboard:DataDirectory=" + dataDir,
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = address };

            Assert.Equal("hello from my app", await http.GetStringAsync(HostedApp.HelloPath));
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            var token = app.Services.GetRequiredService<TokenService>().Mint("alice", "user", TimeSpan.FromMinutes(5));
            var ws = new UriBuilder(address) { Scheme = "ws", Path = "/web", Query = "access_token=" + token }.Uri;
            await using var alice = await TestWebSocketClient.ConnectAsync(ws);
            var connect = await alice.ReceiveEventAsync("CONNECT");
            Assert.Equal("my-app/1.0", connect.GetString("server")); // the AddSwitchboard(options => ...) callback applies
            var echo = await alice.RequestAsync("ECHO", new { data = "hi" });
            Assert.Equal("ECHO", echo.Event);
            Assert.Equal("hi", echo.GetString("data"));
            Assert.True(File.Exists(Path.Combine(dataDir, "switchboard.db")), "the store lives in the configured data directory");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
