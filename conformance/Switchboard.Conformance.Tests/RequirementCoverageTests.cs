using System.Text.RegularExpressions;
using Switchboard.Conformance.Cases;

namespace Switchboard.Conformance.Tests;

/// <summary>Every MUST/SHOULD requirement of spec/PROTOCOL.md is checked by at least one case.</summary>
public sealed partial class RequirementCoverageTests
{
    /// <summary>
    /// Requirements a black-box server suite cannot check, each with the reason. Client-side rules are checked by
    /// the client's tests; server internals by the reference server's tests. Nothing else may be listed here.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotBlackBoxCheckable = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["SB-HS-012"] = "client rule (offer the subprotocol, fail on an unexpected one)",
        ["SB-AUTH-021"] = "client rule (refresh before exp)",
        ["SB-ENV-011"] = "client rule (ignore unknown events)",
        ["SB-ENV-018"] = "client rule (canonical command form)",
        ["SB-DLV-016"] = "client rule (resume and RECEIVED batching)",
        ["SB-DLV-017"] = "client rule (drop duplicate seq)",
        ["SB-KA-005"] = "client rule (dead-connection detection)",
        ["SB-LIM-008"] = "client rule (stay under the rate limit, back off)",
        ["SB-CLOSE-007"] = "client rule (reconnect policy)",
        ["SB-AUTH-019"] = "server startup configuration (refuse short keys) is not observable over the wire of a running server",
        ["SB-AUTH-020"] = "server logging is not observable over the wire",
        ["SB-TIMER-005"] = "implementation detail (clock abstraction)",
        ["SB-XFER-012"] = "implementation detail (clock abstraction)",
        ["SB-LIM-007"] = "needs an induced internal failure (reference server tests)",
        ["SB-CLOSE-005"] = "needs an induced internal failure (reference server tests)",
        ["SB-CLOSE-003"] = "needs the suite to shut the server under test down (reference server tests)",
        ["SB-ROOM-018"] = "applies only to a server with chat but without rooms-history; the reference server declares both, so a case could never run in this suite's own tests",
    };

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
