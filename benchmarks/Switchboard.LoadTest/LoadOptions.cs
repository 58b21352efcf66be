using System.Globalization;
using System.Net;

namespace Switchboard.LoadTest;

/// <summary>Command-line options of the load tool (see benchmarks/README.md).</summary>
internal sealed class LoadOptions
{
    /// <summary>Gets the verb: a scenario name or <c>report</c>.</summary>
    public string Verb { get; private init; } = "";

    /// <summary>Gets the server URL (loopback only).</summary>
    public Uri Url { get; private init; } = new("ws://127.0.0.1:8080");

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

    /// <summary>Parses the command line.</summary>
    /// <param name="args">Arguments.</param>
    /// <returns>The options.</returns>
    public static LoadOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            throw new ArgumentException("missing verb");
        }

        string? url = null, target = null, key = null, keyFile = null, json = null, targets = null, heapUrl = null, heapField = null, input = null, output = null, label = null;
        int? connections = null, inflight = null, publishers = null, size = null, rooms = null, count = null, pid = null, concurrency = null;
        TimeSpan? duration = null, warmup = null;
        long? maxOps = null;
        bool check = false, smoke = false, quiet = false;
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--url": url = Value(); break;
                case "--target": target = Value(); break;
                case "--signing-key": key = Value(); break;
                case "--signing-key-file": keyFile = Value(); break;
                case "--connections": connections = Int(Value(), name); break;
                case "--duration": duration = ParseDuration(Value()); break;
                case "--warmup": warmup = ParseDuration(Value()); break;
                case "--inflight": inflight = Int(Value(), name); break;
                case "--publishers": publishers = Int(Value(), name); break;
                case "--size": size = Int(Value(), name); break;
                case "--rooms": rooms = Int(Value(), name); break;
                case "--count": count = Int(Value(), name); break;
                case "--concurrency": concurrency = Int(Value(), name); break;
                case "--server-pid": pid = Int(Value(), name); break;
                case "--heap-url": heapUrl = Value(); break;
                case "--heap-field": heapField = Value(); break;
                case "--json": json = Value(); break;
                case "--targets": targets = Value(); break;
                case "--max-ops": maxOps = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--in": input = Value(); break;
                case "--out": output = Value(); break;
                case "--label": label = Value(); break;
                case "--check": check = true; break;
                case "--smoke": smoke = true; break;
                case "--quiet": quiet = true; break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        if (keyFile is not null)
        {
            key = File.ReadAllText(keyFile).Trim();
        }

        key ??= Environment.GetEnvironmentVariable("SWITCHBOARD_SIGNING_KEY");
        var uri = new Uri(url ?? "ws://127.0.0.1:8080");
        EnsureLoopback(uri);
        if (heapUrl is not null)
        {
            EnsureLoopback(new Uri(heapUrl));
        }

        return new LoadOptions
        {
            Verb = args[0],
            Url = uri,
            Target = target ?? "switchboard",
            SigningKey = string.IsNullOrEmpty(key) ? null : key,
            Connections = connections,
            Duration = duration,
            Warmup = warmup,
            InFlight = inflight,
            Publishers = publishers,
            Size = size,
            Rooms = rooms,
            Count = count,
            Concurrency = concurrency ?? 64,
            ServerPid = pid,
            HeapUrl = heapUrl is null ? null : new Uri(heapUrl),
            HeapField = heapField ?? "heap_bytes",
            JsonPath = json,
            Check = check,
            TargetsPath = targets,
            Smoke = smoke,
            Quiet = quiet,
            MaxOperations = maxOps ?? 200_000_000,
            InputDirectory = input,
            OutputPrefix = output,
            Label = label,
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

    private static int Int(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer");
}
