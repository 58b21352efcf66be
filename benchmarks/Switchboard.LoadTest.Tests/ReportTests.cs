using System.Text.Json;

namespace Switchboard.LoadTest.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sb-loadtest-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Spec_xperf_shape_maps_to_load_tool_figures()
    {
        var path = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(path, """
            asyncapi: 3.0.0
            x-perf:
              targets:
              - id: echo
                metric: round_trips_per_second
                min_ratio_vs: {bare-kestrel: 1.0, signalr: 1.3}
              - id: latency
                metric: p99_ms
                rule: no worse than the best peer in the same scenario
              - id: idle
                metric: rss_bytes_per_authenticated_connection
                max: 6144
              - id: connect
                metric: handshakes_per_second
                min_ratio_vs: {node-ws: 1.0}
            """);
        var targets = PerfTargets.Load(path);
        Assert.Contains(targets, t => t is { Scenario: "echo", Metric: "round_trips_per_s", CompareTo: "kestrel", Min: 1.0 });
        Assert.Contains(targets, t => t is { Scenario: "echo", CompareTo: "signalr", Min: 1.3 });
        Assert.Contains(targets, t => t is { Scenario: "idle", Metric: "kib_per_connection", CompareTo: null, Max: 6.0 });
        Assert.Contains(targets, t => t is { Scenario: "connrate", Metric: "handshakes_per_s", CompareTo: "ws" });
        Assert.Equal(3, targets.Count(t => t is { Metric: "p99_ms", CompareTo: PerfTarget.BestPeer, Max: 1.0 }));
    }

    [Fact]
    public void Max_ratio_and_goal_targets_map_to_load_tool_figures()
    {
        var path = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(path, """
            x-perf:
              targets:
              - id: idle
                metric: rss_bytes_per_authenticated_connection
                max_ratio_vs: {bare-kestrel: 1.0}
                goal: 10240
              - id: connect
                scenario: idle
                metric: connect_seconds
                max_ratio_vs: {bare-kestrel: 1.5}
            """);
        var targets = PerfTargets.Load(path);
        Assert.Contains(targets, t => t is { Scenario: "idle", Metric: "kib_per_connection", CompareTo: "kestrel", Min: null, Max: 1.0, Goal: false });
        Assert.Contains(targets, t => t is { Scenario: "idle", Metric: "kib_per_connection", CompareTo: null, Max: 10.0, Goal: true });
        Assert.Contains(targets, t => t is { Id: "connect", Scenario: "idle", Metric: "connect_seconds", CompareTo: "kestrel", Max: 1.5 });
    }

    [Fact]
    public void The_repository_spec_has_the_issue_15_targets()
    {
        var targets = PerfTargets.Load(PerfTargets.Locate(null));
        Assert.Contains(targets, t => t is { Id: "private", Metric: "delivered_per_s", CompareTo: "ws", Min: 1.0 });
        Assert.Contains(targets, t => t is { Id: "idle", CompareTo: "kestrel", Max: 1.0 });
        Assert.Contains(targets, t => t is { Id: "idle", Goal: true, Max: 10.0 });
        Assert.Contains(targets, t => t is { Id: "connect", Scenario: "idle", Metric: "connect_seconds", CompareTo: "kestrel", Max: 1.5 });
        Assert.Contains(targets, t => t is { Id: "echo", CompareTo: "signalr", Min: 1.3 });
        Assert.Contains(targets, t => t is { Id: "echo", CompareTo: "kestrel", Min: 1.0 });
        Assert.Contains(targets, t => t is { Scenario: "private", Metric: "p99_ms", CompareTo: PerfTarget.BestPeer, Max: 1.0 });
    }

    [Fact]
    public void A_missed_goal_is_reported_but_does_not_fail_the_check()
    {
        var runs = Path.Combine(dir, "runs");
        Directory.CreateDirectory(runs);
        foreach (var (name, target, kib, seconds) in new[] { ("r1-sb", "switchboard", 18.0, 6.0), ("r1-k", "kestrel", 19.0, 5.0) })
        {
            var result = new RunResult { Scenario = "idle", Target = target, Url = "ws://127.0.0.1:1/" };
            result.Metrics["kib_per_connection"] = kib;
            result.Metrics["connect_seconds"] = seconds;
            File.WriteAllText(Path.Combine(runs, name + ".json"), JsonSerializer.Serialize(result, RunResult.JsonOptions));
        }

        var targets = Path.Combine(dir, "targets.yaml");
        File.WriteAllText(targets, """
            x-perf:
              targets:
              - {id: idle, metric: rss_bytes_per_authenticated_connection, max_ratio_vs: {bare-kestrel: 1.0}, goal: 10240}
              - {id: connect, scenario: idle, metric: connect_seconds, max_ratio_vs: {bare-kestrel: 1.5}}
            """);
        var prefix = Path.Combine(dir, "out", "compare");
        var exit = CompareReport.Run(LoadOptions.Parse(["report", "--in", runs, "--out", prefix, "--check", "--targets", targets]));

        var md = File.ReadAllText(prefix + ".md");
        Assert.Contains("not yet (goal)", md, StringComparison.Ordinal); // 18 KiB > 10 KiB
        Assert.DoesNotContain("MISSED", md, StringComparison.Ordinal);   // 18/19 <= 1.0, 6/5 <= 1.5
        Assert.Equal(0, exit);

        // Slower than 1.5 x Kestrel: a real miss.
        File.WriteAllText(Path.Combine(runs, "r1-sb.json"), JsonSerializer.Serialize(new RunResult { Scenario = "idle", Target = "switchboard", Url = "ws://127.0.0.1:1/", Metrics = { ["kib_per_connection"] = 18.0, ["connect_seconds"] = 8.0 } }, RunResult.JsonOptions));
        Assert.Equal(3, CompareReport.Run(LoadOptions.Parse(["report", "--in", runs, "--out", prefix, "--check", "--targets", targets])));
    }

    [Fact]
    public void The_repository_spec_has_checkable_targets()
    {
        var targets = PerfTargets.Load(PerfTargets.Locate(null));
        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.Contains(t.Scenario, new[] { "echo", "fanout", "private", "idle", "connrate" }));
    }

    [Fact]
    public void Report_takes_medians_computes_ratios_and_fails_the_check_on_a_miss()
    {
        var runs = Path.Combine(dir, "runs");
        Directory.CreateDirectory(runs);
        Write(runs, "r1-sb", "switchboard", 300, 9);
        Write(runs, "r2-sb", "switchboard", 100, 9);
        Write(runs, "r3-sb", "switchboard", 200, 9); // median 200
        Write(runs, "r1-sr", "signalr", 100, 3);
        Write(runs, "r2-sr", "signalr", 100, 3);
        var targets = Path.Combine(dir, "targets.yaml");
        File.WriteAllText(targets, """
            x-perf:
              targets:
              - {id: echo, metric: round_trips_per_second, min_ratio_vs: {signalr: 1.5}}
              - {id: latency, metric: p99_ms, rule: no worse than the best peer}
            """);
        var prefix = Path.Combine(dir, "out", "compare");
        var exit = CompareReport.Run(LoadOptions.Parse(["report", "--in", runs, "--out", prefix, "--check", "--targets", targets]));

        var md = File.ReadAllText(prefix + ".md");
        Assert.Contains("| switchboard | 3 | 0 | 200.0 |", md, StringComparison.Ordinal);
        Assert.Contains("2.00x", md, StringComparison.Ordinal);
        Assert.Contains("| met |", md, StringComparison.Ordinal); // echo ratio 2.0 >= 1.5
        Assert.Contains("MISSED", md, StringComparison.Ordinal);  // echo p99 9 ms vs best peer 3 ms
        Assert.Equal(3, exit);
        using var json = JsonDocument.Parse(File.ReadAllText(prefix + ".json"));
        Assert.Equal(5, json.RootElement.GetProperty("runs").GetInt32());
    }

    private static void Write(string runs, string name, string target, double rate, double p99)
    {
        var result = new RunResult { Scenario = "echo", Target = target, Url = "ws://127.0.0.1:1/" };
        result.Metrics["round_trips_per_s"] = rate;
        result.Metrics["p99_ms"] = p99;
        File.WriteAllText(Path.Combine(runs, name + ".json"), JsonSerializer.Serialize(result, RunResult.JsonOptions));
    }
}
