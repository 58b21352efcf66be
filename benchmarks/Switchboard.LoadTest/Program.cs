using System.Text.Json;
using Switchboard.LoadTest;
using Switchboard.LoadTest.Scenarios;
using Switchboard.LoadTest.Wire;

const string Usage = """
    Switchboard.LoadTest <scenario> [options]     scenarios: echo | fanout | private | idle | connrate
    Switchboard.LoadTest report --in <dir> [--out <prefix>] [--check] [--targets <file>]

      --url ws://127.0.0.1:8080   server (loopback only)
      --target switchboard|ws|socketio|signalr|kestrel
      --signing-key <key> | --signing-key-file <path>   (switchboard; or env SWITCHBOARD_SIGNING_KEY)
      --connections N  --duration 10s  --warmup 2s  --inflight K (per connection; fanout: total)  --publishers P  --size BYTES
      --rooms R  --count C  --concurrency 64  --max-ops N
      --server-pid PID  --heap-url http://127.0.0.1:PORT/stats  --heap-field heap_bytes   (idle)
      --json out.json  --label text  --check  --targets spec/asyncapi.yaml  --smoke  --quiet
    """;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}\n\n{Usage}").ConfigureAwait(false);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    if (options.Verb == "report")
    {
        return CompareReport.Run(options);
    }

    var tokens = options.Target == "switchboard" && options.SigningKey is { } key ? new TokenMinter(key) : null;
    var wire = Wires.Create(options.Target, tokens);
    Scenario scenario = options.Verb switch
    {
        "echo" => new EchoScenario(options, wire),
        "fanout" => new FanoutScenario(options, wire),
        "private" => new PrivateScenario(options, wire),
        "idle" => new IdleScenario(options, wire),
        "connrate" => new ConnRateScenario(options, wire),
        _ => throw new ArgumentException($"unknown scenario '{options.Verb}'"),
    };

    var result = await scenario.RunAsync(cancel.Token).ConfigureAwait(false);
    Console.WriteLine(result.ToTable());
    if (options.JsonPath is { } path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, RunResult.JsonOptions), cancel.Token).ConfigureAwait(false);
    }

    var exit = 0;
    if (options.Smoke && result.Errors > 0)
    {
        await Console.Error.WriteLineAsync($"smoke: {result.Errors} errors").ConfigureAwait(false);
        exit = 1;
    }

    if (options.Check && !options.Smoke)
    {
        exit = Math.Max(exit, CompareReport.CheckSingle(result, options.TargetsPath));
    }

    return exit;
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}\n\n{Usage}").ConfigureAwait(false);
    return 2;
}
