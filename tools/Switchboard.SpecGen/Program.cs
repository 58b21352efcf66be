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
            Console.WriteLine("  --out <dir>    output folder (default: <repo>/src/Protocol/Generated)");
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

spec = Path.GetFullPath(spec ?? Path.Combine(root!, "spec", "asyncapi.yaml"));
outDir = Path.GetFullPath(outDir ?? Path.Combine(root!, "src", "Protocol", "Generated"));

SortedDictionary<string, string> files;
try
{
    files = Generator.Generate(File.ReadAllText(spec));
}
catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"{spec}: {ex.Message}");
    return 2;
}

if (check)
{
    var report = Generator.Compare(files, outDir);
    if (report.IsClean)
    {
        Console.WriteLine($"{outDir} is up to date ({files.Count} files).");
        return 0;
    }

    Console.Error.WriteLine($"{outDir} is out of date with {spec}:");
    Console.Error.WriteLine(report.Summary());
    Console.Error.WriteLine("Run: dotnet run --project tools/Switchboard.SpecGen");
    return 1;
}

var touched = Generator.Write(files, outDir);
Console.WriteLine($"Generated {files.Count} files into {outDir} ({touched} changed).");
return 0;
