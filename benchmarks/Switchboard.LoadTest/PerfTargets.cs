using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Switchboard.LoadTest;

/// <summary>
/// One throughput/latency/memory target from the spec's <c>x-perf</c> block:
/// <c>{id, scenario, metric, compare_to?, min?, max?, summary?}</c>. Without <c>compare_to</c>, <c>min</c>/<c>max</c>
/// bound Switchboard's own figure; with it they bound the ratio Switchboard ÷ peer from the same compare run.
/// </summary>
internal sealed record PerfTarget(string Id, string Scenario, string Metric, string? CompareTo, double? Min, double? Max, string? Summary)
{
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
        return $"{Scenario}: {subject} {bound}";
    }

    /// <summary>Tests a value against the bound.</summary>
    /// <param name="value">Switchboard's figure or the ratio.</param>
    /// <returns>Whether it is met.</returns>
    public bool IsMet(double value) => (Min is null || value >= Min) && (Max is null || value <= Max);
}

/// <summary>Reads <c>x-perf</c> from spec/asyncapi.yaml (or another YAML/JSON file with the same block).</summary>
internal static class PerfTargets
{
    /// <summary>Finds the default targets file: spec/asyncapi.yaml if it holds x-perf, else benchmarks/perf-targets.yaml.</summary>
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
            if (File.Exists(spec) && File.ReadAllText(spec).Contains("x-perf:", StringComparison.Ordinal))
            {
                return spec;
            }

            var fallback = Path.Combine(dir.FullName, "benchmarks", "perf-targets.yaml");
            if (File.Exists(fallback))
            {
                return fallback;
            }
        }

        throw new FileNotFoundException("no x-perf block found (spec/asyncapi.yaml or benchmarks/perf-targets.yaml); pass --targets");
    }

    /// <summary>Loads the targets.</summary>
    /// <param name="path">YAML or JSON file with a root <c>x-perf</c> mapping holding <c>targets</c>.</param>
    /// <returns>The targets.</returns>
    public static IReadOnlyList<PerfTarget> Load(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("x-perf"), out var perfNode) || perfNode is not YamlMappingNode perf
            || !perf.Children.TryGetValue(new YamlScalarNode("targets"), out var targetsNode) || targetsNode is not YamlSequenceNode targets)
        {
            throw new InvalidDataException($"{path}: no x-perf.targets sequence");
        }

        var list = new List<PerfTarget>();
        foreach (var item in targets.Children.OfType<YamlMappingNode>())
        {
            string? Str(string key) => item.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
            double? Num(string key) => Str(key) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : null;
            var scenario = Str("scenario") ?? throw new InvalidDataException($"{path}: x-perf target without scenario");
            var metric = Str("metric") ?? throw new InvalidDataException($"{path}: x-perf target without metric");
            list.Add(new PerfTarget(Str("id") ?? $"{scenario}.{metric}", scenario, metric, Str("compare_to"), Num("min"), Num("max"), Str("summary")));
        }

        return list;
    }
}
