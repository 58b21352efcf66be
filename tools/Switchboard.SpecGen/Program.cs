using Switchboard.SpecGen;

// Usage: dotnet run --project tools/Switchboard.SpecGen [-- --spec <asyncapi.yaml>] [--out <dir>] [--check]
string? spec = null;
string? outDir = null;
var check = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--spec" when i + 1 < args.Length:
            spec = args[++i];
            break;
        case "--out" when i + 1 < args.Length:
            outDir = args[++i];
            break;
        case "--check":
            check = true;
            break;
        case "-h" or "--help":
            Console.WriteLine("Switchboard.SpecGen: regenerates src/Protocol/Generated from spec/asyncapi.yaml.");
            Console.WriteLine("  --spec <file>  spec to read (default: <repo>/spec/asyncapi.yaml)");
            Console.WriteLine("  --out <dir>    output folder (default: <repo>/src/Protocol/Generated; without --out also <repo>/src/Client/Generated)");
            Console.WriteLine("  --check        write nothing; exit 1 and list the differences if files would change");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --help.");
            return 2;
    }
}

var root = Generator.FindRepoRoot(Directory.GetCurrentDirectory()) ?? Generator.FindRepoRoot(AppContext.BaseDirectory);
if ((spec is null || outDir is null) && root is null)
{
    Console.Error.WriteLine("Cannot find the repository root (Protocol.sln); pass --spec and --out.");
    return 2;
}

// The client's typed command methods go to src/Client/Generated unless --out redirects the output.
var clientDir = outDir is null ? Path.GetFullPath(Path.Combine(root!, ClientEmitter.OutputFolder)) : null;
spec = Path.GetFullPath(spec ?? Path.Combine(root!, "spec", "asyncapi.yaml"));
outDir = Path.GetFullPath(outDir ?? Path.Combine(root!, "src", "Protocol", "Generated"));

SortedDictionary<string, string> files;
var targets = new List<(SortedDictionary<string, string> Files, string Dir)>();
try
{
    var specText = File.ReadAllText(spec);
    files = Generator.Generate(specText);
    targets.Add((files, outDir));
    if (clientDir is not null)
    {
        targets.Add((Generator.GenerateClient(specText), clientDir));
    }
}
catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"{spec}: {ex.Message}");
    return 2;
}

if (check)
{
    var exit = 0;
    foreach (var (targetFiles, dir) in targets)
    {
        var report = Generator.Compare(targetFiles, dir);
        if (report.IsClean)
        {
            Console.WriteLine($"{dir} is up to date ({targetFiles.Count} files).");
            continue;
        }

        Console.Error.WriteLine($"{dir} is out of date with {spec}:");
        Console.Error.WriteLine(report.Summary());
        Console.Error.WriteLine("Run: dotnet run --project tools/Switchboard.SpecGen");
        exit = 1;
    }

    return exit;
}

foreach (var (targetFiles, dir) in targets)
{
    var touched = Generator.Write(targetFiles, dir);
    Console.WriteLine($"Generated {targetFiles.Count} files into {dir} ({touched} changed).");
}

return 0;
