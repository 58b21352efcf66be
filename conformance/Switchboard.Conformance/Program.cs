using System.Globalization;
using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Reporting;

namespace Switchboard.Conformance;

/// <summary>Command-line runner: <c>dotnet run --project conformance/Switchboard.Conformance -- --url ws://... --signing-key ...</c>.</summary>
public static class Program
{
    private const string Usage = """
        Switchboard conformance runner

          --url <ws://host:port>          WebSocket base URL (namespaces /web and /app are appended)   [required]
          --backend-url <http://host:port> backend HTTP API base URL (default: --url with http/https)
          --signing-key <key>             the server's HS256 signing key (raw UTF-8, >= 32 bytes)
                                          (default: environment variable SWITCHBOARD_SIGNING_KEY)  [required]
          --case <id-or-glob>             run matching cases only (e.g. auth.* or cs.grab-race)
          --profile <name>                run one profile: core, chat, presence, rooms-history, service-desk, backend-api
          --out <dir>                     report directory (default: conformance-report)
          --timeout-ms <n>                wait for an expected event (default 5000)
          --silence-ms <n>                window for "no event" checks (default 400)
          --max-wait-s <n>                bound for waits derived from advertised values (default 90)
          --transfer-timeout-ms <n>       the server's configured transfer timeout (default 30000)
          --forbidden-origin <origin>     an Origin the server is configured to reject (enables hs.origin-forbidden)
          --slow-consumer-mib <n>         upper bound of data pushed to a non-reading client (default 24)
          --history-max-per-stream <n>    the server's history_max_per_stream (enables retention cases when <= 200)
          --conversation-idle-warning-ms <n> / --conversation-idle-close-ms <n>
                                          the server's conversation idle periods (enable the idle cases)
          --list                          list the cases and exit

        Exit code: 0 = no FAILED case, 1 = at least one FAILED, 2 = usage error or server unreachable.
        """;

    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        Dictionary<string, string> a;
        try
        {
            a = ParseArgs(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        if (a.ContainsKey("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var selected = CaseCatalog.Select(a.GetValueOrDefault("case"), a.GetValueOrDefault("profile"));
        if (a.ContainsKey("list"))
        {
            foreach (var c in selected)
            {
                Console.WriteLine($"{c.Id,-40} {c.Profile,-14} {(c.Level == RequirementLevel.Must ? "MUST" : "SHOULD"),-6} {string.Join(",", c.Requirements)}  {c.Title}");
            }

            return 0;
        }

        var key = a.GetValueOrDefault("signing-key") ?? Environment.GetEnvironmentVariable("SWITCHBOARD_SIGNING_KEY");
        if (!a.TryGetValue("url", out var url) || string.IsNullOrEmpty(key))
        {
            await Console.Error.WriteLineAsync("--url and --signing-key are required." + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        if (selected.Count == 0)
        {
            await Console.Error.WriteLineAsync("No case matches the selection.").ConfigureAwait(false);
            return 2;
        }

        var wsUri = new Uri(url);
        var backend = a.TryGetValue("backend-url", out var b) ? new Uri(b) : new UriBuilder(wsUri) { Scheme = wsUri.Scheme == "wss" ? "https" : "http", Path = "/" }.Uri;
        var options = new ConformanceOptions
        {
            WebSocketUrl = wsUri,
            BackendUrl = backend,
            SigningKey = key,
            ExpectTimeout = TimeSpan.FromMilliseconds(Int(a, "timeout-ms", 5000)),
            SilenceWindow = TimeSpan.FromMilliseconds(Int(a, "silence-ms", 400)),
            MaxDerivedWait = TimeSpan.FromSeconds(Int(a, "max-wait-s", 90)),
            TransferTimeout = TimeSpan.FromMilliseconds(Int(a, "transfer-timeout-ms", 30000)),
            ForbiddenOrigin = a.GetValueOrDefault("forbidden-origin"),
            OriginAllowListConfigured = a.ContainsKey("forbidden-origin"),
            SlowConsumerBudgetBytes = Int(a, "slow-consumer-mib", 24) * 1024 * 1024,
            HistoryMaxPerStream = a.ContainsKey("history-max-per-stream") ? (int)Int(a, "history-max-per-stream", 0) : null,
            ConversationIdleWarning = a.ContainsKey("conversation-idle-warning-ms") ? TimeSpan.FromMilliseconds(Int(a, "conversation-idle-warning-ms", 0)) : null,
            ConversationIdleClose = a.ContainsKey("conversation-idle-close-ms") ? TimeSpan.FromMilliseconds(Int(a, "conversation-idle-close-ms", 0)) : null,
        };

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        using var runner = new ConformanceRunner(options);
        ServerInfo server;
        try
        {
            server = await runner.ProbeAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConformanceFailureException or System.Net.WebSockets.WebSocketException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Cannot reach a Switchboard server at {wsUri}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        Console.WriteLine($"Server {server.Server} — capabilities [{string.Join(", ", server.Capabilities)}] — {selected.Count} case(s)");
        var started = DateTimeOffset.UtcNow;
        var results = new List<CaseResult>();
        var interactive = !Console.IsOutputRedirected;
        for (var i = 0; i < selected.Count && !cts.IsCancellationRequested; i++)
        {
            var c = selected[i];
            var prefix = $"[{(i + 1).ToString(CultureInfo.InvariantCulture),3}/{selected.Count.ToString(CultureInfo.InvariantCulture)}] {c.Id,-40}";
            if (interactive)
            {
                Console.Write(prefix + " running...\r");
            }

            var r = await runner.RunAsync(c, server, cts.Token).ConfigureAwait(false);
            results.Add(r);
            WriteResult(prefix, r, interactive);
        }

        var outDir = a.GetValueOrDefault("out") ?? "conformance-report";
        await ReportWriter.WriteAsync(outDir, options, server, results, started, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine(string.Join("  ", Enum.GetValues<Verdict>().Select(v => $"{ReportWriter.Name(v)}: {results.Count(r => r.Verdict == v)}")));
        Console.WriteLine($"Reports: {Path.GetFullPath(Path.Combine(outDir, "report.md"))}, report.json");
        return results.Any(r => r.Verdict == Verdict.Failed) ? 1 : 0;
    }

    private static void WriteResult(string prefix, CaseResult r, bool interactive)
    {
        var name = ReportWriter.Name(r.Verdict);
        var line = $"{prefix} {name,-13} {r.Duration.TotalMilliseconds,7:F0} ms";
        if (interactive)
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
            Console.WriteLine(line);
        }

        if (r.Verdict is Verdict.Failed or Verdict.NonStrict)
        {
            Console.WriteLine($"        expected: {r.Expectation}");
            Console.WriteLine($"        received: {Truncate(r.Received, 400)}");
        }
    }

    private static string Truncate(string? s, int max) => s is null ? string.Empty : s.Length <= max ? s : s[..max] + "...";

    private static long Int(Dictionary<string, string> a, string key, long fallback) =>
        a.TryGetValue(key, out var v) ? long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }

            var name = arg[2..];
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[name[..eq]] = name[(eq + 1)..];
            }
            else if (name is "list" or "help")
            {
                result[name] = "true";
            }
            else if (i + 1 < args.Length)
            {
                result[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Missing value for --{name}.");
            }
        }

        return result;
    }
}
