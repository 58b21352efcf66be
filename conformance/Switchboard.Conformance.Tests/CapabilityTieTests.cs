using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Spec;

namespace Switchboard.Conformance.Tests;

/// <summary>
/// Every case requires exactly the capabilities its rules need (PROTOCOL.md section 1's area → capability table,
/// <see cref="RequirementCapabilities"/>) plus those of the features it uses to observe them. The static half is
/// checked here; the "what it used" half after each run in <see cref="CaseRun"/>.
/// </summary>
public sealed class CapabilityTieTests
{
    [Fact]
    public void Every_case_requires_the_capabilities_of_its_ids_and_justifies_the_rest()
    {
        var problems = CaseCatalog.All.SelectMany(c => RequirementCapabilities.Check(c, null)).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_cited_area_is_in_section_1s_table()
    {
        var areas = SpecIndex.Embedded.Areas;
        var unknown = CaseCatalog.All.SelectMany(c => c.Requirements).Select(id => id.Split('-')[1]).Distinct().Where(a => !areas.ContainsKey(a)).ToList();
        Assert.Empty(unknown);
        Assert.All(RequirementCapabilities.HistoryReplay.Keys, id => Assert.NotNull(areas[id.Split('-')[1]].HistoryReplay));
    }

    [Fact]
    public void Room_rules_need_chat_and_only_replay_rules_need_rooms_history()
    {
        Assert.Equal(Capabilities.Chat, RequirementCapabilities.Of("SB-ROOM-002"));
        Assert.Equal(Capabilities.RoomsHistory, RequirementCapabilities.Of("SB-ROOM-012"));
        var roomCases = CaseCatalog.All.Where(c => c.Id.StartsWith("room.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(roomCases);
        Assert.All(roomCases, c => Assert.Equal(
            c.Requirements.Any(RequirementCapabilities.HistoryReplay.ContainsKey),
            c.Capabilities.Contains(Capabilities.RoomsHistory)));
    }

    [Fact]
    public void Check_reports_a_capability_neither_the_ids_nor_the_run_justify()
    {
        var presenceCase = FakeCase(["SB-PRES-001"], uses: [Capabilities.ServiceDesk]);
        var problems = RequirementCapabilities.Check(presenceCase, ["command:GET_ONLINE_LIST"]);
        Assert.Contains(problems, p => p.Contains("requires service-desk", StringComparison.Ordinal));
        Assert.Empty(RequirementCapabilities.Check(FakeCase(["SB-PRES-001"]), ["command:GET_ONLINE_LIST"]));
    }

    [Fact]
    public void Rules_section_1_ties_to_more_than_their_area_need_every_capability_it_names()
    {
        // PROTOCOL.md section 1's rule table: SB-PRES-006 binds with presence and service-desk, SB-HS-013 with
        // service-desk, SB-ROOM-012 with chat and rooms-history; SB-TIMER-001 is core.
        Assert.Equal(["presence", "service-desk"], RequirementCapabilities.ForRequirements(["SB-PRES-006"]).Order());
        Assert.Equal(["service-desk"], RequirementCapabilities.ForRequirements(["SB-HS-013"]));
        Assert.Equal(["chat", "rooms-history"], RequirementCapabilities.ForRequirements(["SB-ROOM-012"]).Order());
        Assert.Empty(RequirementCapabilities.ForRequirements(["SB-TIMER-001"]));
        Assert.Equal(["presence", "service-desk"], FakeCase(["SB-PRES-006"]).Capabilities.Order());
    }

    [Fact]
    public void Check_reports_a_used_capability_the_case_does_not_require()
    {
        var problems = RequirementCapabilities.Check(FakeCase(["SB-ROOM-002"]), ["command:JOIN_ROOM", RequirementCapabilities.JoinRoomWithSince]);
        Assert.Contains(problems, p => p.Contains("uses rooms-history", StringComparison.Ordinal));
        problems = RequirementCapabilities.Check(FakeCase(["SB-LIM-004"]), [RequirementCapabilities.BackendApiCall]);
        Assert.Contains(problems, p => p.Contains("uses backend-api", StringComparison.Ordinal));
        problems = RequirementCapabilities.Check(FakeCase(["SB-TIMER-002"]), ["command:SET_TIMER"]);
        Assert.Empty(problems);
    }

    [Fact]
    public void Check_reports_a_desk_requirement_for_core_timer_rules()
    {
        // SB-TIMER-001 is core (section 1): a timer case that requires service-desk without using it is reported.
        var problems = RequirementCapabilities.Check(FakeCase(["SB-TIMER-001"], uses: [Capabilities.ServiceDesk]), ["command:SET_TIMER"]);
        Assert.Contains(problems, p => p.Contains("requires service-desk", StringComparison.Ordinal));
    }

    private static ConformanceCase FakeCase(string[] ids, string[]? uses = null, string profile = Profiles.Core) => new()
    {
        Id = "fake.case",
        Title = "fake",
        Expectation = "fake",
        Requirements = ids,
        Profile = profile == Profiles.Core ? RequirementCapabilities.ForRequirements(ids).FirstOrDefault() ?? Profiles.Core : profile,
        Uses = uses ?? [],
        Body = _ => Task.CompletedTask,
    };
}
