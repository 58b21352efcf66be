namespace Switchboard.SpecGen;

/// <summary>Entry points shared by the command line and the drift test.</summary>
public static class Generator
{
    /// <summary>The generated file pattern; stale files matching it are deleted on regeneration.</summary>
    public const string FilePattern = "*.g.cs";

    /// <summary>Generates every file from the YAML text; keys are '/'-separated paths relative to the output folder.</summary>
    public static SortedDictionary<string, string> Generate(string specYaml) => CSharpEmitter.Emit(ProtocolSpec.Parse(specYaml));

    /// <summary>Generates the client's typed command methods; keys are paths relative to <see cref="ClientEmitter.OutputFolder"/>.</summary>
    public static SortedDictionary<string, string> GenerateClient(string specYaml) => ClientEmitter.Emit(ProtocolSpec.Parse(specYaml));

    /// <summary>Generates the conformance suite's wire names; keys are paths relative to <see cref="ConformanceEmitter.OutputFolder"/>.</summary>
    public static SortedDictionary<string, string> GenerateConformance(string specYaml) => ConformanceEmitter.Emit(ProtocolSpec.Parse(specYaml));

    /// <summary>Generates the TypeScript files of <c>src/client-ts/src/generated</c> from the YAML text.</summary>
    public static SortedDictionary<string, string> GenerateTypeScript(string specYaml) => TypeScriptEmitter.Emit(ProtocolSpec.Parse(specYaml));

    /// <summary>Finds the repository root (the folder holding Protocol.sln) by walking up from <paramref name="start"/>.</summary>
    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Protocol.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Compares generated files with an output folder.</summary>
    /// <param name="files">The generated files.</param>
    /// <param name="outDir">The folder to compare with.</param>
    /// <param name="pattern">Files in <paramref name="outDir"/> matching it and not generated are reported as stale.</param>
    public static DriftReport Compare(IReadOnlyDictionary<string, string> files, string outDir, string pattern = FilePattern)
    {
        ArgumentNullException.ThrowIfNull(files);
        var changed = new List<string>();
        var added = new List<string>();
        foreach (var (rel, content) in files)
        {
            var path = Path.Combine(outDir, rel);
            if (!File.Exists(path))
            {
                added.Add(rel);
            }
            else if (!string.Equals(File.ReadAllText(path), content, StringComparison.Ordinal))
            {
                changed.Add(rel);
            }
        }

        var removed = ExistingFiles(outDir, pattern).Where(rel => !files.ContainsKey(rel)).ToList();
        string? firstDifference = null;
        if (changed.Count > 0)
        {
            firstDifference = FirstDifference(File.ReadAllText(Path.Combine(outDir, changed[0])), files[changed[0]], changed[0]);
        }

        return new DriftReport(changed, added, removed, firstDifference);
    }

    /// <summary>Writes changed files and deletes stale generated files; returns the number of files touched.</summary>
    public static int Write(IReadOnlyDictionary<string, string> files, string outDir, string pattern = FilePattern)
    {
        ArgumentNullException.ThrowIfNull(files);
        var report = Compare(files, outDir, pattern);
        foreach (var rel in report.Changed.Concat(report.Added))
        {
            var path = Path.Combine(outDir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, files[rel]);
        }

        foreach (var rel in report.Removed)
        {
            File.Delete(Path.Combine(outDir, rel));
        }

        return report.Changed.Count + report.Added.Count + report.Removed.Count;
    }

    private static IEnumerable<string> ExistingFiles(string outDir, string pattern) => Directory.Exists(outDir)
        ? Directory.EnumerateFiles(outDir, pattern, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(outDir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
        : [];

    private static string FirstDifference(string existing, string generated, string rel)
    {
        var a = existing.Split('\n');
        var b = generated.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "<end of file>";
            var y = i < b.Length ? b[i] : "<end of file>";
            if (!string.Equals(x, y, StringComparison.Ordinal))
            {
                return $"{rel}:{i + 1}\n  checked in: {x}\n  generated:  {y}";
            }
        }

        return rel;
    }
}

/// <summary>Result of <see cref="Generator.Compare"/>.</summary>
/// <param name="Changed">Files whose content differs.</param>
/// <param name="Added">Files the generator would create.</param>
/// <param name="Removed">Stale generated files the generator would delete.</param>
/// <param name="FirstDifference">The first differing line of the first changed file.</param>
public sealed record DriftReport(IReadOnlyList<string> Changed, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string? FirstDifference)
{
    /// <summary>Whether the folder matches the generator output.</summary>
    public bool IsClean => Changed.Count == 0 && Added.Count == 0 && Removed.Count == 0;

    /// <summary>A short human-readable summary.</summary>
    public string Summary()
    {
        var lines = new List<string>();
        lines.AddRange(Changed.Select(f => "  changed: " + f));
        lines.AddRange(Added.Select(f => "  added:   " + f));
        lines.AddRange(Removed.Select(f => "  removed: " + f));
        if (FirstDifference is not null)
        {
            lines.Add("First difference: " + FirstDifference);
        }

        return string.Join('\n', lines);
    }
}
