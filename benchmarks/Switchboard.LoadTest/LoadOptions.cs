using System.Globalization;
using System.Net;

namespace Switchboard.LoadTest;

/// <summary>Command-line options of the load tool (see benchmarks/README.md).</summary>
internal sealed class LoadOptions
{
    /// <summary>Gets the verb: a scenario name or <c>report</c>.</summary>
    public string Verb { get; private init; } = "";

    /// <summary>Gets the server URL (loopback only): the first of <see cref="Urls"/>.</summary>
    public Uri Url => Urls[0];

    /// <summary>Gets every node's URL (<c>--url</c> repeated for a cluster); connection i goes to <c>Urls[i % Count]</c>.</summary>
    public IReadOnlyList<Uri> Urls { get; private init; } = [new("ws://127.0.0.1:8080")];

    /// <summary>The URL of connection <paramref name="index"/>: round-robin over <see cref="Urls"/>.</summary>
    /// <param name="index">The connection index.</param>
    /// <returns>The node's URL.</returns>
    public Uri UrlFor(int index) => Urls[(int)((uint)index % (uint)Urls.Count)];

    /// <summary>Gets the target kind.</summary>
    public string Target { get; private init; } = "switchboard";

    /// <summary>Gets the Switchboard signing key.</summary>
    public string? SigningKey { get; private init; }

    /// <summary>Gets the connection count (scenario default when null).</summary>
    public int? Connections { get; private init; }

    /// <summary>Gets the measured duration.</summary>
    public TimeSpan? Duration { get; private init; }

    /// <summary>Gets the warm-up before measuring.</summary>
    public TimeSpan? Warmup { get; private init; }

    /// <summary>Gets the requests in flight per connection (echo, private) or per publisher (fanout).</summary>
    public int? InFlight { get; private init; }

    /// <summary>Gets the number of publishers (fanout).</summary>
    public int? Publishers { get; private init; }

    /// <summary>Gets the payload size in bytes.</summary>
    public int? Size { get; private init; }

    /// <summary>Gets the number of rooms the idle clients spread over.</summary>
    public int? Rooms { get; private init; }

    /// <summary>Gets the number of handshakes (connrate).</summary>
    public int? Count { get; private init; }

    /// <summary>Gets the connect concurrency.</summary>
    public int Concurrency { get; private init; } = 64;

    /// <summary>Gets the server's process id (idle: RSS).</summary>
    public int? ServerPid { get; private init; }

    /// <summary>Gets the nodes' Redis (<c>host:port</c>, cluster mode): Redis figures per message when set.</summary>
    public string? Redis { get; private init; }

    /// <summary>Gets the managed-heap JSON endpoint (idle).</summary>
    public Uri? HeapUrl { get; private init; }

    /// <summary>Gets the property holding the managed heap in bytes at <see cref="HeapUrl"/>.</summary>
    public string HeapField { get; private init; } = "heap_bytes";

    /// <summary>Gets the JSON output path.</summary>
    public string? JsonPath { get; private init; }

    /// <summary>Gets a value indicating whether the run is compared with the x-perf targets.</summary>
    public bool Check { get; private init; }

    /// <summary>Gets the file holding <c>x-perf</c> (default spec/asyncapi.yaml, then benchmarks/perf-targets.yaml).</summary>
    public string? TargetsPath { get; private init; }

    /// <summary>Gets a value indicating whether to run with tiny counts (CI smoke).</summary>
    public bool Smoke { get; private init; }

    /// <summary>Gets the upper bound of operations (every loop is bounded in count as well as time).</summary>
    public long MaxOperations { get; private init; } = 200_000_000;

    /// <summary>Gets the input directory (report).</summary>
    public string? InputDirectory { get; private init; }

    /// <summary>Gets the output path prefix (report).</summary>
    public string? OutputPrefix { get; private init; }

    /// <summary>Gets free text stored with the result (e.g. round number).</summary>
    public string? Label { get; private init; }

    /// <summary>Gets a value indicating whether the live progress line is suppressed.</summary>
    public bool Quiet { get; private init; }

    /// <summary>Parses the command line (see <see cref="LoadCli"/>); a usage error throws <see cref="ArgumentException"/>.</summary>
    /// <param name="args">Arguments.</param>
    /// <returns>The options.</returns>
    public static LoadOptions Parse(string[] args)
    {
        var cli = new LoadCli();
        var result = cli.Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Message)));
        }

        return cli.Bind(result);
    }

    /// <summary>Builds the options from a parse result without errors.</summary>
    /// <param name="cli">The command definitions.</param>
    /// <param name="r">The parse result.</param>
    /// <returns>The options.</returns>
    internal static LoadOptions From(LoadCli cli, System.CommandLine.ParseResult r)
    {
        var key = r.GetValue(cli.SigningKey);
        if (r.GetValue(cli.SigningKeyFile) is { } keyFile)
        {
            key = File.ReadAllText(keyFile.FullName).Trim();
        }

        key ??= Environment.GetEnvironmentVariable("SWITCHBOARD_SIGNING_KEY");
        return new LoadOptions
        {
            Verb = r.CommandResult.Command.Name,
            Urls = r.GetValue(cli.Url) is { Length: > 0 } urls ? urls : [new Uri("ws://127.0.0.1:8080")],
            Target = r.GetValue(cli.Target)!,
            SigningKey = string.IsNullOrEmpty(key) ? null : key,
            Connections = r.GetValue(cli.Connections),
            Duration = r.GetValue(cli.Duration),
            Warmup = r.GetValue(cli.Warmup),
            InFlight = r.GetValue(cli.InFlight),
            Publishers = r.GetValue(cli.Publishers),
            Size = r.GetValue(cli.Size),
            Rooms = r.GetValue(cli.Rooms),
            Count = r.GetValue(cli.Count),
            Concurrency = r.GetValue(cli.Concurrency) ?? 64,
            ServerPid = r.GetValue(cli.ServerPid),
            HeapUrl = r.GetValue(cli.HeapUrl),
            Redis = r.GetValue(cli.Redis),
            HeapField = r.GetValue(cli.HeapField)!,
            JsonPath = r.GetValue(cli.Json),
            Check = r.GetValue(cli.Check) || r.GetValue(cli.ReportCheck),
            TargetsPath = r.GetValue(cli.Targets) ?? r.GetValue(cli.ReportTargets),
            Smoke = r.GetValue(cli.Smoke),
            Quiet = r.GetValue(cli.Quiet),
            MaxOperations = r.GetValue(cli.MaxOps) ?? 200_000_000,
            InputDirectory = r.GetValue(cli.In),
            OutputPrefix = r.GetValue(cli.Out),
            Label = r.GetValue(cli.Label),
        };
    }

    /// <summary>Parses <c>10s</c>, <c>500ms</c>, <c>2m</c> or plain seconds.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The duration.</returns>
    public static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim();
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(double.Parse(t[..^2], CultureInfo.InvariantCulture));
        }

        if (t.EndsWith('s'))
        {
            return TimeSpan.FromSeconds(double.Parse(t[..^1], CultureInfo.InvariantCulture));
        }

        if (t.EndsWith('m'))
        {
            return TimeSpan.FromMinutes(double.Parse(t[..^1], CultureInfo.InvariantCulture));
        }

        return TimeSpan.FromSeconds(double.Parse(t, CultureInfo.InvariantCulture));
    }

    /// <summary>Refuses any host that is not loopback (127.0.0.0/8, ::1 or localhost).</summary>
    /// <param name="uri">The URL.</param>
    public static void EnsureLoopback(Uri uri)
    {
        var host = uri.IdnHost.Trim('[', ']');
        var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        if (!loopback)
        {
            throw new ArgumentException($"refusing non-loopback URL {uri}: the load tool only targets 127.0.0.0/8 or localhost");
        }
    }

}
