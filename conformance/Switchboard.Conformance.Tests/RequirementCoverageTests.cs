using System.Text.RegularExpressions;
using Switchboard.Conformance.Cases;

namespace Switchboard.Conformance.Tests;

/// <summary>Every MUST/SHOULD requirement of spec/PROTOCOL.md is checked by at least one case.</summary>
public sealed partial class RequirementCoverageTests
{
    /// <summary>Requirements a black-box suite cannot check (the list lives in the suite: reports cite its reasons).</summary>
    public static IReadOnlyDictionary<string, string> NotBlackBoxCheckable => Spec.NotBlackBoxCheckable.Reasons;

    /// <summary>Finds spec/PROTOCOL.md from the source tree.</summary>
    public static string ProtocolPath([System.Runtime.CompilerServices.CallerFilePath] string here = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(here)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "spec", "PROTOCOL.md")))
        {
            dir = dir.Parent;
        }

        return dir is null ? throw new FileNotFoundException("spec/PROTOCOL.md not found above " + here) : Path.Combine(dir.FullName, "spec", "PROTOCOL.md");
    }

    /// <summary>Parses requirement ids and levels.</summary>
    public static IReadOnlyList<(string Id, string Level)> Requirements() =>
        [.. RequirementRegex().Matches(File.ReadAllText(ProtocolPath())).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).Distinct()];

    /// <summary>Every MUST and SHOULD id has a case (or a documented reason it is not black-box checkable).</summary>
    [Fact]
    public void Every_MUST_and_SHOULD_requirement_has_a_case()
    {
        var covered = CaseCatalog.All.SelectMany(c => c.Requirements).ToHashSet(StringComparer.Ordinal);
        var required = Requirements().Where(r => r.Level is "MUST" or "SHOULD").ToList();
        Assert.NotEmpty(required);
        var missing = required.Where(r => !covered.Contains(r.Id) && !NotBlackBoxCheckable.ContainsKey(r.Id)).Select(r => $"{r.Id} ({r.Level})").ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} requirement(s) without a conformance case: {string.Join(", ", missing)}");
    }

    /// <summary>Cases only cite ids that exist, and exclusions only name ids that exist and have no case.</summary>
    [Fact]
    public void Cases_cite_only_existing_requirements()
    {
        var ids = Requirements().Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = CaseCatalog.All.SelectMany(c => c.Requirements.Where(r => !ids.Contains(r)).Select(r => $"{c.Id} -> {r}")).ToList();
        Assert.True(unknown.Count == 0, "cases cite unknown requirement ids: " + string.Join(", ", unknown));
        var staleExclusions = NotBlackBoxCheckable.Keys.Where(k => !ids.Contains(k)).ToList();
        Assert.True(staleExclusions.Count == 0, "exclusions name unknown ids: " + string.Join(", ", staleExclusions));
    }

    /// <summary>Case ids are unique and stable-looking (lower-case area.name).</summary>
    [Fact]
    public void Case_ids_are_unique_and_well_formed()
    {
        var ids = CaseCatalog.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^[a-z]+\\.[a-z0-9-]+$", id));
    }

    [GeneratedRegex(@"\*\*(SB-[A-Z]+-\d{3}) (MUST|SHOULD|MAY)\*\*")]
    private static partial Regex RequirementRegex();
}
