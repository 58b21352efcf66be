using Switchboard.SpecGen;

// Usage: dotnet run --project tools/Switchboard.SpecGen [-- --spec <asyncapi.yaml>] [--out <dir>] [--ts-out <dir>] [--check]
string? spec = null;
string? outDir = null;
string? tsOutDir = null;
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
        case "--ts-out" when i + 1 < args.Length:
            tsOutDir = args[++i];
            break;
        case "--check":
            check = true;
            break;
        case "-h" or "--help":
            Console.WriteLine("Switchboard.SpecGen: regenerates src/Protocol/Generated, src/Client/Generated, the conformance suite's Core/Wire.g.cs and src/client-ts/src/generated from spec/asyncapi.yaml.");
            Console.WriteLine("  --spec <file>  spec to read (default: <repo>/spec/asyncapi.yaml)");
            Console.WriteLine("  --out <dir>    output folder (default: <repo>/src/Protocol/Generated; without --out also <repo>/src/Client/Generated)");
            Console.WriteLine("  --ts-out <dir> TypeScript output folder (default: <repo>/src/client-ts/src/generated)");
            Console.WriteLine("  --check        write nothing; exit 1 and list the differences if files would change");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --help.");
            return 2;
    }
}

var root = Generator.FindRepoRoot(Directory.GetCurrentDirectory()) ?? Generator.FindRepoRoot(AppContext.BaseDirectory);
if ((spec is null || outDir is null || tsOutDir is null) && root is null)
{
    Console.Error.WriteLine("Cannot find the repository root (Protocol.sln); pass --spec and --out.");
    return 2;
}

// The client's typed command methods go to src/Client/Generated unless --out redirects the output.
var clientDir = outDir is null ? Path.GetFullPath(Path.Combine(root!, ClientEmitter.OutputFolder)) : null;
var conformanceDir = outDir is null ? Path.GetFullPath(Path.Combine(root!, ConformanceEmitter.OutputFolder)) : null;
spec = Path.GetFullPath(spec ?? Path.Combine(root!, "spec", "asyncapi.yaml"));
outDir = Path.GetFullPath(outDir ?? Path.Combine(root!, "src", "Protocol", "Generated"));
tsOutDir = Path.GetFullPath(tsOutDir ?? Path.Combine(root!, "src", "client-ts", "src", "generated"));

SortedDictionary<string, string> files;
SortedDictionary<string, string> tsFiles;
SortedDictionary<string, string>? clientFiles = null;
SortedDictionary<string, string>? conformanceFiles = null;
try
{
    var yaml = File.ReadAllText(spec);
    files = Generator.Generate(yaml);
    tsFiles = Generator.GenerateTypeScript(yaml);
    if (clientDir is not null)
    {
        clientFiles = Generator.GenerateClient(yaml);
        conformanceFiles = Generator.GenerateConformance(yaml);
    }
}
catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"{spec}: {ex.Message}");
    return 2;
}

// The C# types and the TypeScript client types come from the same spec and are checked together.
var outputs = new[]
{
    (Files: files, Dir: outDir, Pattern: Generator.FilePattern),
    (Files: tsFiles, Dir: tsOutDir, Pattern: TypeScriptEmitter.FilePattern),
}.ToList();
if (clientFiles is not null)
{
    outputs.Add((Files: clientFiles, Dir: clientDir!, Pattern: Generator.FilePattern));
}

if (conformanceFiles is not null)
{
    outputs.Add((Files: conformanceFiles, Dir: conformanceDir!, Pattern: Generator.FilePattern));
}

if (check)
{
    var clean = true;
    foreach (var (generated, dir, pattern) in outputs)
    {
        var report = Generator.Compare(generated, dir, pattern);
        if (report.IsClean)
        {
            Console.WriteLine($"{dir} is up to date ({generated.Count} files).");
            continue;
        }

        clean = false;
        Console.Error.WriteLine($"{dir} is out of date with {spec}:");
        Console.Error.WriteLine(report.Summary());
    }

    if (!clean)
    {
        Console.Error.WriteLine("Run: dotnet run --project tools/Switchboard.SpecGen");
        return 1;
    }

    return 0;
}

foreach (var (generated, dir, pattern) in outputs)
{
    var touched = Generator.Write(generated, dir, pattern);
    Console.WriteLine($"Generated {generated.Count} files into {dir} ({touched} changed).");
}

return 0;
