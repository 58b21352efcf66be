using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Switchboard.LoadTest;

/// <summary>
/// The load tool's command line (System.CommandLine): one subcommand per scenario (echo, fanout, private, idle,
/// connrate) sharing the scenario options, and <c>report</c>. Unknown options, bad numbers or durations and
/// non-loopback URLs are parse errors: the tool prints them and exits 2.
/// </summary>
internal sealed class LoadCli
{
    /// <summary>Exit code of a usage error.</summary>
    public const int UsageError = 2;

    public LoadCli()
    {
        Root = new RootCommand("Switchboard end-to-end load tool: runs a scenario against Switchboard or a peer server (loopback only), or compares run files.");
        var scenarioOptions = new Option[] { Url, Redis, Target, SigningKey, SigningKeyFile, Connections, Duration, Warmup, InFlight, Publishers, Size, Rooms, Count, Concurrency, MaxOps, ServerPid, HeapUrl, HeapField, Json, Label, Check, Targets, Smoke, Quiet };
        foreach (var (name, description) in Scenarios)
        {
            var command = new Command(name, description);
            foreach (var o in scenarioOptions)
            {
                command.Options.Add(o);
            }

            Root.Subcommands.Add(command);
        }

        var report = new Command("report", "Compares the run JSON files of a directory (and checks the x-perf targets with --check).");
        foreach (var o in new Option[] { In, Out, ReportCheck, ReportTargets })
        {
            report.Options.Add(o);
        }

        Root.Subcommands.Add(report);
        Target.AcceptOnlyFromAmong("switchboard", "ws", "socketio", "signalr", "kestrel");
    }

    /// <summary>Scenario subcommands.</summary>
    public static IReadOnlyList<(string Name, string Description)> Scenarios { get; } =
    [
        ("echo", "Request/reply ECHO round trips on N connections."),
        ("fanout", "Room fan-out: publishers send, every member receives."),
        ("private", "Private messages between connection pairs."),
        ("idle", "N idle connections: memory per connection (RSS, managed heap)."),
        ("connrate", "Handshakes per second."),
    ];

    public RootCommand Root { get; }

    public Option<Uri[]> Url { get; } = new("--url")
    {
        Description = "Server URL (loopback only). Repeat it for the nodes of a cluster: connection i goes to URL i mod N.",
        DefaultValueFactory = _ => [new Uri("ws://127.0.0.1:8080")],
        CustomParser = r => [.. r.Tokens.Select(t => LoopbackUrl(r, t.Value))],
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> Target { get; } = new("--target") { Description = "Server kind.", DefaultValueFactory = _ => "switchboard" };

    public Option<string?> SigningKey { get; } = new("--signing-key") { Description = "Switchboard signing key (or env SWITCHBOARD_SIGNING_KEY)." };

    public Option<FileInfo?> SigningKeyFile { get; } = new("--signing-key-file") { Description = "File holding the Switchboard signing key." };

    public Option<int?> Connections { get; } = PositiveInt("--connections", "Connection count (scenario default when absent).");

    public Option<TimeSpan?> Duration { get; } = DurationOption("--duration", "Measured duration (10s, 500ms, 2m or seconds).");

    public Option<TimeSpan?> Warmup { get; } = DurationOption("--warmup", "Warm-up before measuring.");

    public Option<int?> InFlight { get; } = PositiveInt("--inflight", "Requests in flight per connection (fanout: total).");

    public Option<int?> Publishers { get; } = PositiveInt("--publishers", "Publishers (fanout).");

    public Option<int?> Size { get; } = PositiveInt("--size", "Payload size in bytes.");

    public Option<int?> Rooms { get; } = PositiveInt("--rooms", "Rooms the idle clients spread over.");

    public Option<int?> Count { get; } = PositiveInt("--count", "Handshakes (connrate).");

    public Option<int?> Concurrency { get; } = PositiveInt("--concurrency", "Connect concurrency (default 64).");

    public Option<long?> MaxOps { get; } = new("--max-ops") { Description = "Upper bound of operations.", CustomParser = r => ParsePositive(r, "--max-ops") };

    public Option<int?> ServerPid { get; } = PositiveInt("--server-pid", "The server's process id (idle: RSS).");

    /// <summary>Gets the --redis option (cluster mode: Redis figures per message).</summary>
    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = "Cluster mode: the nodes' Redis (loopback host:port); private and fanout add Redis commands and bytes per message (INFO deltas over the measured window).",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                r.AddError($"--redis must be host:port, got '{text}'.");
                return null;
            }

            try
            {
                LoadOptions.EnsureLoopback(new Uri("tcp://" + text));
            }
            catch (ArgumentException ex)
            {
                r.AddError(ex.Message);
            }

            return text;
        },
    };

    public Option<Uri?> HeapUrl { get; } = new("--heap-url") { Description = "Managed-heap JSON endpoint (idle; loopback only).", CustomParser = r => LoopbackUrl(r) };

    public Option<string> HeapField { get; } = new("--heap-field") { Description = "Property holding the managed heap in bytes.", DefaultValueFactory = _ => "heap_bytes" };

    public Option<string?> Json { get; } = new("--json") { Description = "Write the run result as JSON to this file." };

    public Option<string?> Label { get; } = new("--label") { Description = "Free text stored with the result." };

    public Option<bool> Check { get; } = new("--check") { Description = "Compare the run with the x-perf targets." };

    public Option<string?> Targets { get; } = new("--targets") { Description = "File holding x-perf (default spec/asyncapi.yaml, then benchmarks/perf-targets.yaml)." };

    public Option<bool> Smoke { get; } = new("--smoke") { Description = "Tiny counts (CI smoke); fails on any error." };

    public Option<bool> Quiet { get; } = new("--quiet") { Description = "No live progress line." };

    public Option<string?> In { get; } = new("--in") { Description = "Directory of run JSON files.", Required = true };

    public Option<string?> Out { get; } = new("--out") { Description = "Output path prefix of the comparison." };

    public Option<bool> ReportCheck { get; } = new("--check") { Description = "Check the x-perf targets (exit 3 when one is missed)." };

    public Option<string?> ReportTargets { get; } = new("--targets") { Description = "File holding x-perf." };

    /// <summary>Builds the options of a parse result without errors.</summary>
    public LoadOptions Bind(ParseResult result) => LoadOptions.From(this, result);

    private static Option<int?> PositiveInt(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => r.Tokens.Count == 0 ? null : ParsePositive(r, name) is { } v ? (int)v : null,
    };

    private static long? ParsePositive(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && (name == "--max-ops" || n <= int.MaxValue))
        {
            return n;
        }

        r.AddError($"{name} must be a positive integer, got '{text}'.");
        return null;
    }

    private static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
            try
            {
                var d = LoadOptions.ParseDuration(text);
                if (d > TimeSpan.Zero)
                {
                    return d;
                }
            }
            catch (FormatException)
            {
                // Reported below.
            }

            r.AddError($"{name} must be a positive duration such as 10s, 500ms or 2m, got '{text}'.");
            return null;
        },
    };

    private static Uri LoopbackUrl(ArgumentResult r) => LoopbackUrl(r, r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty);

    private static Uri LoopbackUrl(ArgumentResult r, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            r.AddError($"{r.Parent?.ToString() ?? "URL"} must be an absolute URL, got '{text}'.");
            return new Uri("ws://127.0.0.1");
        }

        try
        {
            LoadOptions.EnsureLoopback(uri);
        }
        catch (ArgumentException ex)
        {
            r.AddError(ex.Message);
        }

        return uri;
    }
}
