using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Reporting;

namespace Switchboard.Conformance;

/// <summary>
/// Command-line runner (<c>switchboard-conformance</c> when installed as a .NET tool):
/// <c>switchboard-conformance --url ws://... --signing-key ...</c>. Exit codes: 0 no FAILED case, 1 at least one
/// FAILED, 2 usage error (unknown option, bad value) or server unreachable.
/// </summary>
public static class Program
{
    /// <summary>Exit code of a usage error or an unreachable server.</summary>
    public const int UsageError = 2;

    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);

    /// <summary>Parses <paramref name="args"/> and runs; output goes to the given writers (tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false, CancellationToken cancellationToken = default)
    {
        var cli = new Cli();
        var parse = cli.Root.Parse(args);
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'switchboard-conformance --help' for the options.").ConfigureAwait(false);
            return UsageError;
        }

        cli.Root.SetAction((result, ct) => ExecuteAsync(cli, result, stdout, stderr, interactive, ct));
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ExecuteAsync(Cli cli, ParseResult p, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellationToken)
    {
        var (selected, leftOut) = CaseCatalog.Select(p.GetValue(cli.Case) ?? [], p.GetValue(cli.Profile) ?? [], p.GetValue(cli.Skip) ?? []);
        if (p.GetValue(cli.List))
        {
            foreach (var c in selected)
            {
                var caps = c.Capabilities.Count == 0 ? "core" : string.Join("+", c.Capabilities.Order(StringComparer.Ordinal));
                await stdout.WriteLineAsync($"{c.Id,-40} {c.Profile,-14} {(c.Level == RequirementLevel.Must ? "MUST" : "SHOULD"),-6} {caps,-26} {string.Join(",", c.Requirements)}  {c.Title}").ConfigureAwait(false);
            }

            return 0;
        }

        var urls = p.GetValue(cli.Url) ?? [];
        var key = p.GetValue(cli.SigningKey) ?? Environment.GetEnvironmentVariable("SWITCHBOARD_SIGNING_KEY");
        if (urls.Length == 0 || string.IsNullOrEmpty(key))
        {
            await stderr.WriteLineAsync("error: --url and --signing-key (or SWITCHBOARD_SIGNING_KEY) are required.").ConfigureAwait(false);
            await stderr.WriteLineAsync("Run 'switchboard-conformance --help' for the options.").ConfigureAwait(false);
            return UsageError;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(key) < 32)
        {
            await stderr.WriteLineAsync("error: the signing key must be at least 32 bytes of UTF-8 (HS256, as the spec's token section requires).").ConfigureAwait(false);
            return UsageError;
        }

        if (selected.Count == 0)
        {
            await stderr.WriteLineAsync("error: no case matches the selection (--case, --profile, --skip).").ConfigureAwait(false);
            return UsageError;
        }

        var wsUri = urls[0];
        var backend = p.GetValue(cli.BackendUrl) ?? new UriBuilder(wsUri) { Scheme = wsUri.Scheme == "wss" ? "https" : "http", Path = "/" }.Uri;
        var forbiddenOrigin = p.GetValue(cli.ForbiddenOrigin);
        var options = new ConformanceOptions
        {
            WebSocketUrl = wsUri,
            WebSocketUrls = urls,
            BackendUrl = backend,
            SigningKey = key,
            ExpectTimeout = TimeSpan.FromMilliseconds(p.GetValue(cli.TimeoutMs)),
            SilenceWindow = TimeSpan.FromMilliseconds(p.GetValue(cli.SilenceMs)),
            MaxDerivedWait = TimeSpan.FromSeconds(p.GetValue(cli.MaxWaitS)),
            TransferTimeout = TimeSpan.FromMilliseconds(p.GetValue(cli.TransferTimeoutMs)),
            ForbiddenOrigin = forbiddenOrigin,
            OriginAllowListConfigured = forbiddenOrigin is not null,
            SlowConsumerBudgetBytes = p.GetValue(cli.SlowConsumerMib) * 1024L * 1024,
            HistoryMaxPerStream = p.GetValue(cli.HistoryMaxPerStream),
            ConversationIdleWarning = p.GetValue(cli.IdleWarningMs) is { } w ? TimeSpan.FromMilliseconds(w) : null,
            ConversationIdleClose = p.GetValue(cli.IdleCloseMs) is { } c2 ? TimeSpan.FromMilliseconds(c2) : null,
        };

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var runner = new ConformanceRunner(options);
        ServerInfo server;
        try
        {
            server = await runner.ProbeAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConformanceFailureException or System.Net.WebSockets.WebSocketException or System.Net.Sockets.SocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            await stderr.WriteLineAsync($"Cannot reach a Switchboard server at {wsUri}: {ex.Message}").ConfigureAwait(false);
            return UsageError;
        }

        var nodes = urls.Length > 1 ? $" — {urls.Length} nodes (connections round-robin)" : string.Empty;
        await stdout.WriteLineAsync($"Server {server.Server} — capabilities [{string.Join(", ", server.Capabilities)}] — {selected.Count} case(s){nodes}").ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var results = new List<CaseResult>();
        var notRun = new Dictionary<string, string>(leftOut, StringComparer.Ordinal);
        for (var i = 0; i < selected.Count; i++)
        {
            var c = selected[i];
            if (cts.IsCancellationRequested)
            {
                notRun[c.Id] = "not run (the run was cancelled)";
                continue;
            }

            var prefix = $"[{(i + 1).ToString(CultureInfo.InvariantCulture),3}/{selected.Count.ToString(CultureInfo.InvariantCulture)}] {c.Id,-40}";
            if (interactive)
            {
                await stdout.WriteAsync(prefix + " running...\r").ConfigureAwait(false);
            }

            CaseResult r;
            try
            {
                r = await runner.RunAsync(c, server, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                notRun[c.Id] = "not run (the run was cancelled)";
                continue;
            }

            results.Add(r);
            await WriteResultAsync(stdout, prefix, r, interactive).ConfigureAwait(false);
        }

        var report = new RunReport { Options = options, Server = server, Results = results, StartedAt = started, NotRun = notRun };
        var outDir = p.GetValue(cli.Out)!;
        await ReportWriter.WriteAsync(outDir, report, CancellationToken.None).ConfigureAwait(false);
        var written = new List<string> { Path.GetFullPath(Path.Combine(outDir, "report.md")), "report.json" };
        if (p.GetValue(cli.Junit) is { } junit)
        {
            await JUnitReport.WriteAsync(junit.FullName, report, CancellationToken.None).ConfigureAwait(false);
            written.Add(junit.FullName);
        }

        if (p.GetValue(cli.Html) is { } html)
        {
            await HtmlReport.WriteAsync(html.FullName, report, CancellationToken.None).ConfigureAwait(false);
            written.Add(html.FullName);
        }

        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Join("  ", Enum.GetValues<Verdict>().Select(v => $"{ReportWriter.Name(v)}: {report.Count(v)}"))).ConfigureAwait(false);
        var notExercised = report.NotExercised;
        await stdout.WriteLineAsync($"Not exercised: {notExercised.Count} MUST/SHOULD id(s) ({string.Join(", ", Profiles.All.Select(pr => $"{pr} {notExercised.Count(e => e.Profile == pr)}"))}); see the reports.").ConfigureAwait(false);
        await stdout.WriteLineAsync("Reports: " + string.Join(", ", written)).ConfigureAwait(false);
        return results.Any(r => r.Verdict == Verdict.Failed) ? 1 : 0;
    }

    private static async Task WriteResultAsync(TextWriter stdout, string prefix, CaseResult r, bool interactive)
    {
        var name = ReportWriter.Name(r.Verdict);
        if (interactive && ReferenceEquals(stdout, Console.Out))
        {
            var old = Console.ForegroundColor;
            Console.Write(prefix + " ");
            Console.ForegroundColor = r.Verdict switch
            {
                Verdict.Ok => ConsoleColor.Green,
                Verdict.Failed => ConsoleColor.Red,
                Verdict.NonStrict => ConsoleColor.Yellow,
                _ => ConsoleColor.Cyan,
            };
            Console.Write($"{name,-13}");
            Console.ForegroundColor = old;
            Console.WriteLine($" {r.Duration.TotalMilliseconds,7:F0} ms          ");
        }
        else
        {
            await stdout.WriteLineAsync($"{prefix} {name,-13} {r.Duration.TotalMilliseconds,7:F0} ms").ConfigureAwait(false);
        }

        if (r.Verdict is Verdict.Failed or Verdict.NonStrict)
        {
            await stdout.WriteLineAsync($"        expected: {r.Expectation}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"        received: {Truncate(r.Received, 400)}").ConfigureAwait(false);
        }
    }

    private static string Truncate(string? s, int max) => s is null ? string.Empty : s.Length <= max ? s : s[..max] + "...";
}

/// <summary>The runner's options (System.CommandLine): names, help texts, defaults and validation.</summary>
internal sealed class Cli
{
    public Cli()
    {
        Root = new RootCommand("Switchboard conformance suite: checks a Switchboard server against spec/PROTOCOL.md and writes report.json, report.md (and JUnit XML / HTML on request).\nExit code: 0 = no FAILED case, 1 = at least one FAILED, 2 = usage error or server unreachable.");
        foreach (var o in new Option[] { Url, BackendUrl, SigningKey, Case, Skip, Profile, Out, Junit, Html, TimeoutMs, SilenceMs, MaxWaitS, TransferTimeoutMs, ForbiddenOrigin, SlowConsumerMib, HistoryMaxPerStream, IdleWarningMs, IdleCloseMs, List })
        {
            Root.Options.Add(o);
        }

        Profile.AcceptOnlyFromAmong([.. Profiles.All]);
    }

    public RootCommand Root { get; }

    public Option<Uri[]> Url { get; } = new("--url")
    {
        Description = "WebSocket base URL (ws:// or wss://); /web and /app are appended. Repeat for a cluster: each case spreads its connections over the nodes round-robin.",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = r => [.. r.Tokens.Select(t => ParseUrl(r, t.Value, "--url", "ws", "wss")).OfType<Uri>()],
    };

    public Option<Uri?> BackendUrl { get; } = new("--backend-url")
    {
        Description = "Backend HTTP API base URL (default: the first --url with http/https).",
        CustomParser = r => r.Tokens.Count == 0 ? null : ParseUrl(r, r.Tokens[0].Value, "--backend-url", "http", "https"),
    };

    public Option<string?> SigningKey { get; } = new("--signing-key") { Description = "The server's HS256 signing key, raw UTF-8, >= 32 bytes (default: environment variable SWITCHBOARD_SIGNING_KEY)." };

    public Option<string[]> Case { get; } = new("--case") { Description = "Run cases whose id matches (glob: auth.*, cs.grab-race); repeatable.", Arity = ArgumentArity.OneOrMore };

    public Option<string[]> Skip { get; } = new("--skip") { Description = "Skip cases whose id matches (glob); repeatable. Skipped cases appear in the not-exercised list.", Arity = ArgumentArity.OneOrMore };

    public Option<string[]> Profile { get; } = new("--profile") { Description = "Run the cases of a profile (core, chat, presence, rooms-history, service-desk, backend-api); repeatable.", Arity = ArgumentArity.OneOrMore };

    public Option<string> Out { get; } = new("--out") { Description = "Directory for report.json and report.md.", DefaultValueFactory = _ => "conformance-report" };

    public Option<FileInfo?> Junit { get; } = new("--junit") { Description = "Also write a JUnit XML report to this file (one testcase per case)." };

    public Option<FileInfo?> Html { get; } = new("--html") { Description = "Also write a self-contained HTML report to this file." };

    public Option<int> TimeoutMs { get; } = PositiveInt("--timeout-ms", "Wait for an expected event, in ms.", 5000);

    public Option<int> SilenceMs { get; } = PositiveInt("--silence-ms", "Window of \"no event\" checks, in ms.", 400);

    public Option<int> MaxWaitS { get; } = PositiveInt("--max-wait-s", "Bound for waits derived from advertised values, in seconds (longer waits: INFORMATIONAL).", 90);

    public Option<int> TransferTimeoutMs { get; } = PositiveInt("--transfer-timeout-ms", "The server's transfer timeout (not advertised), in ms.", 30000);

    public Option<string?> ForbiddenOrigin { get; } = new("--forbidden-origin") { Description = "An Origin the server is configured to reject (enables hs.origin-forbidden)." };

    public Option<int> SlowConsumerMib { get; } = PositiveInt("--slow-consumer-mib", "Upper bound of data pushed to a non-reading client, in MiB.", 24);

    public Option<int?> HistoryMaxPerStream { get; } = OptionalPositiveInt("--history-max-per-stream", "The server's history_max_per_stream (enables the retention cases when <= 200).");

    public Option<int?> IdleWarningMs { get; } = OptionalPositiveInt("--conversation-idle-warning-ms", "The server's conversation idle warning period, in ms (enables the idle cases).");

    public Option<int?> IdleCloseMs { get; } = OptionalPositiveInt("--conversation-idle-close-ms", "The server's conversation idle close period, in ms.");

    public Option<bool> List { get; } = new("--list") { Description = "List the selected cases (id, profile, level, capabilities, requirement ids, title) and exit." };

    /// <summary>An int option that must be a positive decimal integer; a bad value is a parse error (exit 2).</summary>
    private static Option<int> PositiveInt(string name, string description, int defaultValue) => new(name)
    {
        Description = $"{description} Default: {defaultValue.ToString(CultureInfo.InvariantCulture)}.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => r.Tokens.Count == 0 ? defaultValue : ParsePositive(r, name) ?? defaultValue,
    };

    private static Option<int?> OptionalPositiveInt(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => r.Tokens.Count == 0 ? null : ParsePositive(r, name),
    };

    private static int? ParsePositive(ArgumentResult r, string name)
    {
        var text = r.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0)
        {
            return v;
        }

        r.AddError($"{name} expects a positive integer, got '{text}'.");
        return null;
    }

    private static Uri? ParseUrl(ArgumentResult r, string text, string name, params string[] schemes)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme))
        {
            return uri;
        }

        r.AddError($"{name} expects an absolute {string.Join(" or ", schemes.Select(x => x + "://"))} URL, got '{text}'.");
        return null;
    }
}
