using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Spec;

/// <summary>
/// The documented requirement id → capability map the suite uses to decide which capabilities a case needs.
/// The base is PROTOCOL.md section 1's table (area → capability, e.g. ROOM → <c>chat</c>, TIMER → core), read from
/// the embedded spec. The table's ROOM row says "history replay: <c>rooms-history</c>"; <see cref="HistoryReplay"/>
/// lists the ROOM ids that are about replay. A case needs the capabilities of the ids it cites plus the capabilities
/// of the features it uses to observe them (e.g. core delivery rules observed through private messages need
/// <c>chat</c>); the tests check the second part against the commands and HTTP calls the case actually makes.
/// </summary>
public static class RequirementCapabilities
{
    /// <summary>Ids of a history-replay area that need its replay capability, with the reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> HistoryReplay = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["SB-ROOM-012"] = "JOIN_ROOM with since replays the room's retained messages",
        ["SB-ROOM-014"] = "recovered = false depends on retained history or since beyond the end",
        ["SB-ROOM-016"] = "room history retention",
    };

    /// <summary>Usage marker for a JOIN_ROOM carrying <c>since</c> (a replay: <c>rooms-history</c>, SB-ROOM-012).</summary>
    public const string JoinRoomWithSince = "command:JOIN_ROOM+since";

    /// <summary>Usage marker for a call to the backend HTTP API (<c>/api/</c>).</summary>
    public const string BackendApiCall = "http:/api";

    /// <summary>Capability of one requirement id (null = core).</summary>
    public static string? Of(string id, SpecIndex? spec = null)
    {
        spec ??= SpecIndex.Embedded;
        var area = id.Split('-') is { Length: 3 } parts ? parts[1] : id;
        if (!spec.Areas.TryGetValue(area, out var row))
        {
            throw new KeyNotFoundException($"{id}: area {area} is not in PROTOCOL.md section 1's capability table.");
        }

        return HistoryReplay.ContainsKey(id) && row.HistoryReplay is { } replay ? replay : row.Capability;
    }

    /// <summary>Capabilities the cited ids need (core ids add none).</summary>
    /// <remarks>A history-replay id needs the replay capability and its area's (rooms are <c>chat</c>).</remarks>
    public static IReadOnlySet<string> ForRequirements(IEnumerable<string> ids, SpecIndex? spec = null)
    {
        spec ??= SpecIndex.Embedded;
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            // A rule section 1 ties to more than its area (e.g. SB-PRES-006: presence and service-desk).
            if (spec.RuleConditions.TryGetValue(id, out var conditions))
            {
                result.UnionWith(conditions);
                continue;
            }

            if (Of(id, spec) is { } cap)
            {
                result.Add(cap);
            }

            if (HistoryReplay.ContainsKey(id) && spec.Areas.TryGetValue(id.Split('-')[1], out var row) && row.Capability is { } areaCap)
            {
                result.Add(areaCap);
            }
        }

        return result;
    }

    /// <summary>
    /// Capabilities implied by what a case did: each command by its primary requirement's area (asyncapi
    /// <c>x-requirements</c>, first id), JOIN_ROOM with <c>since</c> by SB-ROOM-012, an <c>/api/</c> call by
    /// <c>backend-api</c>.
    /// </summary>
    public static IReadOnlySet<string> ForUsage(IEnumerable<string> usage, SpecIndex? spec = null)
    {
        spec ??= SpecIndex.Embedded;
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var u in usage)
        {
            string? cap = null;
            if (u == BackendApiCall)
            {
                cap = Capabilities.BackendApi;
            }
            else if (u == JoinRoomWithSince)
            {
                cap = Of("SB-ROOM-012", spec);
            }
            else if (u.StartsWith("command:", StringComparison.Ordinal) && spec.Commands.TryGetValue(u["command:".Length..], out var cmd) && cmd.Requirements.Count > 0)
            {
                cap = Of(cmd.Requirements[0], spec);
            }

            if (cap is not null)
            {
                result.Add(cap);
            }
        }

        return result;
    }

    /// <summary>
    /// Problems with a case's capability ties: it must require exactly the capabilities of its cited ids plus those
    /// of what it used (<paramref name="usage"/>, from a run), and its profile must be core or one of them.
    /// </summary>
    public static IReadOnlyList<string> Check(ConformanceCase @case, IEnumerable<string>? usage, SpecIndex? spec = null)
    {
        var problems = new List<string>();
        var fromIds = ForRequirements(@case.Requirements, spec);
        var required = @case.Capabilities;
        foreach (var missing in fromIds.Where(c => !required.Contains(c)))
        {
            problems.Add($"{@case.Id}: cites {string.Join(", ", @case.Requirements.Where(id => ForRequirements([id], spec).Contains(missing)))} ({missing}) but does not require {missing}");
        }

        if (usage is not null)
        {
            var used = ForUsage(usage, spec);
            foreach (var cap in used.Where(c => !required.Contains(c)))
            {
                problems.Add($"{@case.Id}: uses {cap} ({string.Join(", ", usage.Where(u => ForUsage([u], spec).Contains(cap)))}) but does not require it");
            }

            foreach (var cap in required.Where(c => !fromIds.Contains(c) && !used.Contains(c)))
            {
                problems.Add($"{@case.Id}: requires {cap}, but neither its ids ({string.Join(", ", @case.Requirements)}) nor what it did need it");
            }
        }
        else
        {
            foreach (var cap in required.Where(c => !fromIds.Contains(c) && !@case.Uses.Contains(c)))
            {
                problems.Add($"{@case.Id}: requires {cap} without citing an id of it or declaring it in Uses");
            }
        }

        if (@case.Profile != Profiles.Core && !required.Contains(@case.Profile))
        {
            problems.Add($"{@case.Id}: profile {@case.Profile} is not among the capabilities it requires ({string.Join(", ", required.DefaultIfEmpty("core"))})");
        }

        return problems;
    }
}
