using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Switchboard.LoadTest;

/// <summary>
/// One checkable target derived from the spec's <c>x-perf</c> block. Without <see cref="CompareTo"/>, <see cref="Min"/>
/// / <see cref="Max"/> bound Switchboard's own median figure; with it they bound the ratio Switchboard ÷ peer from the
/// same compare run (<see cref="BestPeer"/> = the best peer of that scenario for that figure). A <see cref="Goal"/> is
/// reported like a target but a miss does not fail the check (the aim beyond the target, e.g. idle memory 10 KiB).
/// </summary>
internal sealed record PerfTarget(string Id, string Scenario, string Metric, string? CompareTo, double? Min, double? Max, string? Rule, bool Goal = false)
{
    /// <summary>The pseudo-peer "best peer in the same scenario" (highest throughput / lowest latency or memory).</summary>
    public const string BestPeer = "best-peer";

    /// <summary>Describes the bound.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var subject = CompareTo is null ? $"switchboard {Metric}" : $"switchboard/{CompareTo} {Metric}";
        var bound = (Min, Max) switch
        {
            ({ } min, { } max) => $"in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]",
            ({ } min, null) => $">= {min.ToString(CultureInfo.InvariantCulture)}",
            (null, { } max) => $"<= {max.ToString(CultureInfo.InvariantCulture)}",
            _ => "(no bound)",
        };
        return $"{Scenario}: {subject} {bound}{(Goal ? " (goal)" : "")}";
    }

    /// <summary>Tests a value against the bound.</summary>
    /// <param name="value">Switchboard's figure or the ratio.</param>
    /// <returns>Whether it is met.</returns>
    public bool IsMet(double value) => (Min is null || value >= Min) && (Max is null || value <= Max);
}

/// <summary>
/// Reads <c>x-perf.targets</c> from spec/asyncapi.yaml. Shape (written by the spec):
/// <code>
/// - id: echo                              # scenario (connect = the load tool's connrate; latency = rule over scenarios)
///   metric: round_trips_per_second        # mapped to the load tool's figure names
///   min_ratio_vs: {bare-kestrel: 1.0, signalr: 1.3}   # Switchboard ÷ peer >= value
///   max: 6144                             # absolute bound on Switchboard's figure (in the spec's unit)
///   max_ratio_vs: {bare-kestrel: 1.5}     # Switchboard ÷ peer &lt;= value (lower is better: time, memory)
///   goal: 10240                           # absolute aim (upper bound, spec's unit): reported, a miss does not fail
///   scenario: idle                        # optional: the load-tool scenario when it is not the id
///   rule: no worse than the best peer in the same scenario
/// </code>
/// </summary>
internal static class PerfTargets
{
    private static readonly Dictionary<string, string> Scenarios = new(StringComparer.Ordinal)
    {
        ["echo"] = "echo",
        ["fanout"] = "fanout",
        ["private"] = "private",
        ["idle"] = "idle",
        ["connect"] = "connrate",
        ["connrate"] = "connrate",
    };

    // spec metric -> (load tool figure, factor from the spec's unit to the figure's unit)
    private static readonly Dictionary<string, (string Metric, double Factor)> Metrics = new(StringComparer.Ordinal)
    {
        ["round_trips_per_second"] = ("round_trips_per_s", 1),
        ["deliveries_per_second"] = ("deliveries_per_s", 1),
        ["delivered_per_second"] = ("delivered_per_s", 1),
        ["handshakes_per_second"] = ("handshakes_per_s", 1),
        ["rss_bytes_per_authenticated_connection"] = ("kib_per_connection", 1.0 / 1024),
        ["p99_ms"] = ("p99_ms", 1),
        ["connect_seconds"] = ("connect_seconds", 1),
    };

    private static readonly Dictionary<string, string> Peers = new(StringComparer.Ordinal)
    {
        ["bare-kestrel"] = "kestrel",
        ["kestrel"] = "kestrel",
        ["signalr"] = "signalr",
        ["node-ws"] = "ws",
        ["ws"] = "ws",
        ["socket.io"] = "socketio",
        ["socketio"] = "socketio",
    };

    /// <summary>Finds spec/asyncapi.yaml from the current directory upwards.</summary>
    /// <param name="explicitPath">The <c>--targets</c> value.</param>
    /// <returns>The path.</returns>
    public static string Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return explicitPath;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var spec = Path.Combine(dir.FullName, "spec", "asyncapi.yaml");
            if (File.Exists(spec))
            {
                return spec;
            }
        }

        throw new FileNotFoundException("spec/asyncapi.yaml not found; pass --targets <file with x-perf>");
    }

    /// <summary>Loads the targets.</summary>
    /// <param name="path">YAML (or JSON) file with a root <c>x-perf</c> mapping holding <c>targets</c>.</param>
    /// <returns>The targets.</returns>
    public static IReadOnlyList<PerfTarget> Load(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || Child(root, "x-perf") is not YamlMappingNode perf || Child(perf, "targets") is not YamlSequenceNode targets)
        {
            throw new InvalidDataException($"{path}: no x-perf.targets sequence");
        }

        var list = new List<PerfTarget>();
        foreach (var item in targets.Children.OfType<YamlMappingNode>())
        {
            var id = Scalar(item, "id") ?? throw new InvalidDataException($"{path}: x-perf target without id");
            var specMetric = Scalar(item, "metric") ?? throw new InvalidDataException($"{path}: x-perf target {id} without metric");
            var (metric, factor) = Metrics.TryGetValue(specMetric, out var m) ? m : (specMetric, 1.0);
            var rule = Scalar(item, "rule");
            var scenarioNames = Scalar(item, "scenario") is { } s ? [s] : Scenarios.ContainsKey(id) ? [id] : new List<string>();
            if (scenarioNames.Count == 0 && metric == "p99_ms")
            {
                scenarioNames = ["echo", "fanout", "private"]; // "latency": a rule over every latency scenario
            }

            foreach (var scenario in scenarioNames.Select(n => Scenarios.GetValueOrDefault(n, n)))
            {
                var min = Number(item, "min");
                var max = Number(item, "max");
                if (min is not null || max is not null)
                {
                    list.Add(new PerfTarget(id, scenario, metric, null, min * factor, max * factor, rule));
                }

                if (Number(item, "goal") is { } goal)
                {
                    list.Add(new PerfTarget(id, scenario, metric, null, null, goal * factor, rule, Goal: true));
                }

                foreach (var (key, isMin) in new[] { ("min_ratio_vs", true), ("max_ratio_vs", false) })
                {
                    if (Child(item, key) is YamlMappingNode ratios)
                    {
                        foreach (var (peerNode, valueNode) in ratios.Children)
                        {
                            var peer = ((YamlScalarNode)peerNode).Value ?? "";
                            var value = Parse(((YamlScalarNode)valueNode).Value);
                            list.Add(new PerfTarget(id, scenario, metric, Peers.GetValueOrDefault(peer, peer), isMin ? value : null, isMin ? null : value, rule));
                        }
                    }
                }

                if (rule is not null && rule.Contains("best peer", StringComparison.OrdinalIgnoreCase))
                {
                    // Lower is better for latency/memory: Switchboard ÷ best <= 1; higher is better otherwise: >= 1.
                    var lowerIsBetter = metric.EndsWith("_ms", StringComparison.Ordinal) || metric.Contains("kib", StringComparison.Ordinal);
                    list.Add(new PerfTarget(id, scenario, metric, PerfTarget.BestPeer, lowerIsBetter ? null : 1.0, lowerIsBetter ? 1.0 : null, rule));
                }
            }
        }

        return list;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode node, string key) => Child(node, key) is YamlScalarNode s ? s.Value : null;

    private static double? Number(YamlMappingNode node, string key) => Scalar(node, key) is { } s ? Parse(s) : null;

    private static double Parse(string? s) => double.Parse(s ?? "", CultureInfo.InvariantCulture);
}
