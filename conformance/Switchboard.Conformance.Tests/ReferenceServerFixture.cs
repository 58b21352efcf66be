using Switchboard.Conformance.Core;
using Switchboard.ReferenceServer.Testing;

namespace Switchboard.Conformance.Tests;

/// <summary>
/// Starts the reference server in-process on a free loopback port with short keepalive, transfer and idle timers
/// (so every case, including the timeout ones, finishes in seconds) and probes its CONNECT.
/// </summary>
public sealed class ReferenceServerFixture : IAsyncLifetime
{
    /// <summary>An origin the fixture's server allows; any other Origin is rejected (hs.origin-forbidden).</summary>
    public const string AllowedOrigin = "https://allowed.example";

    /// <summary>The running server.</summary>
    public TestServerHost Server { get; private set; } = null!;

    /// <summary>Options pointing the suite at <see cref="Server"/>.</summary>
    public ConformanceOptions Options { get; private set; } = null!;

    /// <summary>The probed CONNECT values.</summary>
    public ServerInfo Info { get; private set; } = null!;

    /// <summary>The runner.</summary>
    public ConformanceRunner Runner { get; private set; } = null!;

    /// <summary>Server settings used by the conformance run (also the base for fault runs).</summary>
    public static void Configure(TestServerOptions o)
    {
        o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "1000";
        o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3000";
        o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = "1500";
        o.Settings["Switchboard:ServiceDesk:ConversationIdleWarningMs"] = "2000";
        o.Settings["Switchboard:ServiceDesk:ConversationIdleCloseMs"] = "3500";
        o.Settings["Switchboard:AllowedOrigins:0"] = AllowedOrigin;
        o.Settings["Switchboard:History:MaxPerStream"] = "150";
        o.Settings["Switchboard:History:PruneInterval"] = "00:00:00.200";
        o.Settings["Switchboard:Limits:SendQueueMaxFrames"] = "1024";
        o.Settings["Switchboard:Limits:SendQueueMaxBytes"] = "1048576";
    }

    /// <summary>Suite options matching <see cref="Configure"/> for a server.</summary>
    public static ConformanceOptions OptionsFor(TestServerHost server) => new()
    {
        WebSocketUrl = new UriBuilder(server.BaseUri) { Scheme = "ws" }.Uri,
        BackendUrl = server.BaseUri,
        SigningKey = server.SigningKey,
        ExpectTimeout = TimeSpan.FromSeconds(5),
        SilenceWindow = TimeSpan.FromMilliseconds(250),
        MaxDerivedWait = TimeSpan.FromSeconds(20),
        TransferTimeout = TimeSpan.FromMilliseconds(1500),
        ForbiddenOrigin = "https://forbidden.example",
        OriginAllowListConfigured = true,
        HistoryMaxPerStream = 150,
        RetentionSettle = TimeSpan.FromMilliseconds(800),
        ConversationIdleWarning = TimeSpan.FromMilliseconds(2000),
        ConversationIdleClose = TimeSpan.FromMilliseconds(3500),
        SlowConsumerBudgetBytes = 16L * 1024 * 1024,
    };

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Server = await TestServerHost.StartAsync(Configure);
        Options = OptionsFor(Server);
        Runner = new ConformanceRunner(Options);
        Info = await Runner.ProbeAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Runner?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
