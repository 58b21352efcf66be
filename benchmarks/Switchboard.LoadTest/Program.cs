using System.CommandLine;
using System.Text.Json;
using Switchboard.LoadTest;
using Switchboard.LoadTest.Scenarios;
using Switchboard.LoadTest.Wire;

var cli = new LoadCli();
var parsed = cli.Root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
    }

    await Console.Error.WriteLineAsync("Run 'Switchboard.LoadTest --help' (or '<scenario> --help') for the options.").ConfigureAwait(false);
    return LoadCli.UsageError;
}

if (parsed.CommandResult.Command is RootCommand || parsed.Action is System.CommandLine.Help.HelpAction)
{
    // --help (or no verb, which the parser reports as an error above): System.CommandLine prints the help.
    return await parsed.InvokeAsync().ConfigureAwait(false);
}

var options = cli.Bind(parsed);
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
    await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
    return LoadCli.UsageError;
}
