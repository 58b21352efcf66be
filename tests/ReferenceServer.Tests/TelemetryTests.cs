using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Switchboard.ReferenceServer;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

/// <summary>The executable's OpenTelemetry export: off by default, and when on it carries the Switchboard meter.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Telemetry_is_off_by_default()
    {
        await using var app = await StartAsync([]);
        Assert.Null(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task When_enabled_the_switchboard_meter_aspnetcore_and_kestrel_are_exported()
    {
        var exported = new List<Metric>();
        // OTLP on (to an endpoint nobody listens on: the exporter only logs its failures); the test adds an in-memory
        // exporter to the same pipeline to see what is collected.
        await using var app = await StartAsync(
            ["--Switchboard:Telemetry:Otlp=true", "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9"],
            services => services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported)));
        var provider = app.Services.GetRequiredService<MeterProvider>();

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using (var socket = new System.Net.WebSockets.ClientWebSocket())
        {
            var token = app.Services.GetRequiredService<Switchboard.Server.Auth.TokenService>().Mint("otel-user", "user", TimeSpan.FromHours(1), null, null);
            socket.Options.AddSubProtocol(Switchboard.Protocol.WireProtocol.Subprotocol);
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{address.Port}/web?access_token={token}"), CancellationToken.None);
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, CancellationToken.None); // CONNECT: the connection was counted
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        provider.ForceFlush(10_000); // false here: the OTLP half of the pipeline cannot reach its (closed) endpoint
        var names = exported.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("switchboard.connections.opened", names);
        Assert.Contains("http.server.request.duration", names);
        Assert.Contains("kestrel.active_connections", names);
    }

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync(string[] extra, Action<IServiceCollection>? configure = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "switchboard-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var builder = ReferenceServerHost.CreateBuilder(
            [
                "--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--signing-key", TestServerHost.DefaultSigningKey,
                "--Logging:LogLevel:Default=Warning", .. extra,
            ],
            new Microsoft.AspNetCore.Builder.WebApplicationOptions { Args = [], ContentRootPath = dataDir, EnvironmentName = "Testing" });
        configure?.Invoke(builder.Services);
        var app = ReferenceServerHost.Build(builder);
        await app.StartAsync();
        return app;
    }
}
