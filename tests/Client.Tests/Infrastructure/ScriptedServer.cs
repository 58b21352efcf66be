using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Tests.Infrastructure;

/// <summary>
/// A minimal WebSocket server on 127.0.0.1 whose frames are scripted by the test (for behaviour a correct server never
/// shows, e.g. duplicate durable events). Each accepted connection runs the next script; query strings are recorded.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<WebSocket, Task>> _scripts = new();

    private ScriptedServer(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Queries { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<ScriptedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedServer(app);
        app.UseWebSockets();
        app.Map("/web", async context =>
        {
            server.Queries.Enqueue(context.Request.QueryString.Value ?? string.Empty);
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = "switchboard.v1.json" });
            if (server._scripts.TryDequeue(out var script))
            {
                await script(socket);
            }

            context.Abort();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Adds the script for the next connection.</summary>
    public void Next(Func<WebSocket, Task> script) => _scripts.Enqueue(script);

    public static Task SendAsync(WebSocket socket, IServerEvent response, long? seq = null, string? cid = null) =>
        socket.SendAsync(EnvelopeWriter.Serialize(response, cid, seq), WebSocketMessageType.Text, true, CancellationToken.None);

    public static ConnectEvent Connect(string epoch, long seq, bool recovered, int missed) => new()
    {
        ClientId = Guid.NewGuid().ToString("N"),
        User = new UserRef { Id = "bob", Name = "bob", Role = Role.User },
        Namespace = Namespace.Web,
        Protocol = "switchboard.v1.json",
        Server = "scripted",
        Epoch = epoch,
        Seq = seq,
        Recovered = recovered,
        Missed = missed,
        PingIntervalMs = 25_000,
        IdleTimeoutMs = 60_000,
        MaxMessageBytes = 65_536,
        RateLimitPerSecond = 100,
        RateLimitBurst = 200,
        Capabilities = [],
    };

    public static PrivateMessageEvent Message(int n) => new()
    {
        MessageId = "m" + n,
        User = new UserRef { Id = "alice", Name = "alice", Role = Role.User },
        To = "bob",
        Namespace = Namespace.Web,
        Data = "m" + n,
        At = DateTimeOffset.UnixEpoch,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
