using Switchboard.SpecGen;

namespace Switchboard.Protocol.Tests;

/// <summary>Locates the repository (the folder holding Protocol.sln) from the test binaries.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
        Generator.FindRepoRoot(AppContext.BaseDirectory)
        ?? Generator.FindRepoRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException("Protocol.sln not found above " + AppContext.BaseDirectory));

    public static string Root => s_root.Value;

    public static string Spec => Path.Combine(Root, "spec", "asyncapi.yaml");

    public static string Vectors(string kind) => Path.Combine(Root, "spec", "vectors", kind);

    public static string Generated => Path.Combine(Root, "src", "Protocol", "Generated");

    public static string TypeScriptGenerated => Path.Combine(Root, "src", "client-ts", "src", "generated");

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    /// <summary>All vector files of a kind as xunit theory data (file name relative to the folder).</summary>
    public static TheoryData<string> VectorFiles(string kind) => new(VectorFileNames(kind));

    /// <summary>Vector file names of a kind, sorted.</summary>
    public static IEnumerable<string> VectorFileNames(string kind)
    {
        var dir = Vectors(kind);
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList()
            : [];
    }
}
