using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Reporting;
using Switchboard.Server.Testing;
using Xunit.Abstractions;

namespace Switchboard.Conformance.Tests.Faults;

/// <summary>
/// Proof that the suite catches faults: for each fault, a reference server with that fault enabled is run against
/// the cases meant to catch it, and at least one must be FAILED.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    /// <summary>Fault -> the cases expected to catch it.</summary>
    public static TheoryData<string, string[]> Faults() => new()
    {
        { FaultNames.PrivateMessageToWrongUser, ["chat.private-all-connections", "ns.private-isolated"] },
        { FaultNames.GroupMessageAcrossNamespaces, ["ns.group-isolated"] },
        { FaultNames.AcceptExpiredToken, ["auth.expired-token", "api.auth-errors"] },
        { FaultNames.DoubleGrabWin, ["cs.grab-race"] },
        { FaultNames.ResumeDuplicate, ["dlv.resume-no-loss-no-dup", "dlv.offline-delivery"] },
        { FaultNames.ResumeDrop, ["dlv.resume-no-loss-no-dup", "dlv.offline-delivery"] },
        { FaultNames.MisspellEnvelopeField, ["echo.roundtrip", "env.reply-carries-cid"] },
        { FaultNames.IgnoreRateLimit, ["lim.rate-limited", "lim.flood-close"] },
        { FaultNames.EchoWrongCid, ["echo.roundtrip"] },
        { FaultNames.EchoWithoutCid, ["echo.roundtrip"] },
        { FaultNames.PayloadOrderSwapped, ["chat.private-all-connections"] },
        { FaultNames.TimestampWithoutMillis, ["chat.group-exclude-self"] },
        { FaultNames.NullProperty, ["room.leave"] },
    };

    /// <summary>
    /// A reply with a wrong or missing cid fails the case when it arrives: with a 10-minute expectation timeout the
    /// case still ends FAILED with the offending frame (a timeout would hang the test instead).
    /// </summary>
    [Theory(Timeout = 120_000)]
    [InlineData(FaultNames.EchoWrongCid, "never sent")]
    [InlineData(FaultNames.EchoWithoutCid, "without cid")]
    public async Task Wrong_or_missing_cid_fails_on_arrival(string fault, string problem)
    {
        await using var server = await StartFaultyServerAsync(fault);
        var options = ReferenceServerFixture.OptionsFor(server);
        using var runner = new ConformanceRunner(new ConformanceOptions
        {
            WebSocketUrl = options.WebSocketUrl,
            BackendUrl = options.BackendUrl,
            SigningKey = options.SigningKey,
            ExpectTimeout = TimeSpan.FromMinutes(10),
            MaxDerivedWait = TimeSpan.FromSeconds(5),
        });
        var info = await runner.ProbeAsync();
        var result = await runner.RunAsync(CaseCatalog.Get("echo.roundtrip"), info);
        output.WriteLine($"{ReportWriter.Name(result.Verdict)} {result.Expectation} | {result.Received}");
        Assert.Equal(Verdict.Failed, result.Verdict);
        Assert.Contains(problem, result.Received, StringComparison.Ordinal);
        Assert.DoesNotContain("within", result.Expectation ?? string.Empty, StringComparison.Ordinal);
    }

    private static Task<TestServerHost> StartFaultyServerAsync(string fault) => TestServerHost.StartAsync(o =>
    {
        ReferenceServerFixture.Configure(o, shortTimers: false);
        o.Settings["Switchboard:Faults:" + fault] = "true";
        o.ConfigureServices = services => services.AddSingleton<IFrameInterceptor, ConformanceFaultInjector>();
    });

    /// <summary>The fault is caught: at least one of its cases is FAILED.</summary>
    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Suite_catches_fault(string fault, string[] caseIds)
    {
        await using var server = await TestServerHost.StartAsync(o =>
        {
            ReferenceServerFixture.Configure(o, shortTimers: false);
            o.Settings["Switchboard:Faults:" + fault] = "true";
            if (fault == FaultNames.AcceptExpiredToken)
            {
                // The server's clock runs 10 minutes behind: tokens that expired minutes ago still look valid.
                o.TimeProvider = new LaggingTimeProvider(TimeSpan.FromMinutes(10));
            }

            o.ConfigureServices = services => services.AddSingleton<IFrameInterceptor, ConformanceFaultInjector>();
        });
        var options = ReferenceServerFixture.OptionsFor(server);

        // The probe (the first connection to a freshly started server) gets the fixture's generous wait: on a loaded
        // machine it has taken more than 3 s, and a probe timeout fails the test without judging the fault.
        ServerInfo info;
        using (var probe = new ConformanceRunner(options))
        {
            info = await probe.ProbeAsync();
        }

        // A faulty server often never sends what a case waits for: a shorter wait keeps the run quick (a case that
        // times out is FAILED either way; 10 s keeps a merely slow connect from passing for a catch).
        using var runner = new ConformanceRunner(new ConformanceOptions
        {
            WebSocketUrl = options.WebSocketUrl,
            BackendUrl = options.BackendUrl,
            SigningKey = options.SigningKey,
            ExpectTimeout = TimeSpan.FromSeconds(10),
            SilenceWindow = options.SilenceWindow,
            MaxDerivedWait = options.MaxDerivedWait,
            TransferTimeout = options.TransferTimeout,
        });
        var caught = new List<string>();
        foreach (var id in caseIds)
        {
            var result = await runner.RunAsync(CaseCatalog.Get(id), info);
            output.WriteLine($"{fault} -> {id}: {ReportWriter.Name(result.Verdict)} {result.Expectation} | {result.Received}");
            if (result.Verdict == Verdict.Failed)
            {
                caught.Add(id);
            }
        }

        output.WriteLine($"{fault} -> caught by [{string.Join(", ", caught)}]");
        Assert.True(caught.Count > 0, $"No case caught the fault {fault} (ran {string.Join(", ", caseIds)}).");
    }
}

/// <summary>A system clock that reports a wall-clock time <c>lag</c> in the past (timers are unaffected).</summary>
internal sealed class LaggingTimeProvider(TimeSpan lag) : TimeProvider
{
    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() - lag;
}
