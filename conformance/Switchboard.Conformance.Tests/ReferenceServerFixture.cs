using Switchboard.Conformance.Core;
using Switchboard.Server.Testing;

namespace Switchboard.Conformance.Tests;

/// <summary>
/// Starts the reference server in-process on a free loopback port and probes its CONNECT. The main fixture keeps
/// production-like timers (so a slow, loaded CI machine does not trip idle or transfer timeouts in unrelated
/// cases); <see cref="ShortTimerServerFixture"/> runs the timer cases with timers of a second or two.
/// </summary>
public class ReferenceServerFixture : IAsyncLifetime
{
    /// <summary>Cases that need the short timers of <see cref="ShortTimerServerFixture"/>.</summary>
    public static readonly IReadOnlySet<string> TimerCases = new HashSet<string>(StringComparer.Ordinal)
    {
        "ka.ping", "ka.websocket-ping", "ka.unanswered-ping-dropped", "ka.activity-keeps-alive", "xfer.timeout", "cs.idle-warning-and-close", "cs.idle-activity-resets",
    };

    /// <summary>
    /// How long the tests wait for an expected event. Generous on purpose: CI shares two cores with other jobs and a
    /// loaded machine has taken seconds for a single CONNECT. It costs time only when something is actually wrong
    /// (a wrong reply, or one with a wrong cid, fails at once); silence windows are separate and stay short.
    /// </summary>
    public static readonly TimeSpan ExpectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Whether this fixture uses short timers.</summary>
    protected virtual bool ShortTimers => false;

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
    public static void Configure(TestServerOptions o, bool shortTimers = false)
    {
        o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = shortTimers ? "500" : "5000";
        o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = shortTimers ? "4000" : "30000";
        o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = shortTimers ? "1000" : "30000";
        o.Settings["Switchboard:ServiceDesk:ConversationIdleWarningMs"] = shortTimers ? "1000" : "240000";
        o.Settings["Switchboard:ServiceDesk:ConversationIdleCloseMs"] = shortTimers ? "2000" : "300000";
        o.Settings["Switchboard:AllowedOrigins:0"] = AllowedOrigin;
        o.Settings["Switchboard:History:MaxPerStream"] = "50";
        o.Settings["Switchboard:Limits:MaxConnectionsPerUser"] = "16"; // lim.connection-cap reaches it quickly
        o.Settings["Switchboard:History:PruneInterval"] = "00:00:00.500";
    }

    /// <summary>Suite options matching <see cref="Configure"/> for a server.</summary>
    public static ConformanceOptions OptionsFor(TestServerHost server, bool shortTimers = false) => new()
    {
        WebSocketUrl = new UriBuilder(server.BaseUri) { Scheme = "ws" }.Uri,
        BackendUrl = server.BaseUri,
        SigningKey = server.SigningKey,
        ExpectTimeout = ReferenceServerFixture.ExpectTimeout,
        SilenceWindow = TimeSpan.FromMilliseconds(250),
        MaxDerivedWait = TimeSpan.FromSeconds(20),
        TransferTimeout = TimeSpan.FromMilliseconds(shortTimers ? 1000 : 30000),
        ForbiddenOrigin = "https://forbidden.example",
        OriginAllowListConfigured = true,
        HistoryMaxPerStream = 50,
        RetentionSettle = TimeSpan.FromMilliseconds(800),
        ConversationIdleWarning = TimeSpan.FromMilliseconds(shortTimers ? 1000 : 240000),
        ConversationIdleClose = TimeSpan.FromMilliseconds(shortTimers ? 2000 : 300000),
        SlowConsumerBudgetBytes = 40L * 1024 * 1024,
    };

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Server = await TestServerHost.StartAsync(o => Configure(o, ShortTimers));
        Options = OptionsFor(Server, ShortTimers);
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

/// <summary>The reference server with timers of a second or two, for the keepalive, transfer-timeout and idle cases.</summary>
public sealed class ShortTimerServerFixture : ReferenceServerFixture
{
    /// <inheritdoc/>
    protected override bool ShortTimers => true;
}
