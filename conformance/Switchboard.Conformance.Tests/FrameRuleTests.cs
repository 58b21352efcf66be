using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Spec;

namespace Switchboard.Conformance.Tests;

/// <summary>The per-frame wire-convention checks (order, null, timestamps, cid on success replies) from the spec.</summary>
public sealed class FrameRuleTests
{
    private const string GoodEcho = """{"event":"ECHO","cid":"c1","response":{"data":{"x":null}}}""";
    private const string GoodPrivate = """{"event":"PRIVATE_MESSAGE","seq":3,"response":{"message_id":"m1","user":{"id":"alice","name":"Alice","role":"user"},"to":"bob","namespace":"web","data":"hi","at":"2026-11-23T05:30:00.123Z"}}""";

    private static IReadOnlyList<FrameFinding> Check(string text) => FrameRules.Check((JsonObject)JsonNode.Parse(text)!);

    [Fact]
    public void Canonical_frames_pass_and_free_form_data_may_hold_null()
    {
        Assert.Empty(Check(GoodEcho));
        Assert.Empty(Check(GoodPrivate));
    }

    [Fact]
    public void Envelope_order_is_checked()
    {
        var f = Assert.Single(Check("""{"response":{"data":1},"event":"ECHO","cid":"c1"}"""));
        Assert.Equal("SB-ENV-002", f.Rule);
    }

    [Fact]
    public void Payload_order_follows_the_schema_including_nested_objects()
    {
        var swapped = GoodPrivate.Replace("\"to\":\"bob\",\"namespace\":\"web\"", "\"namespace\":\"web\",\"to\":\"bob\"", StringComparison.Ordinal);
        Assert.Contains(Check(swapped), f => f.Rule == "SB-ENV-002" && f.Problem.StartsWith("$.response:", StringComparison.Ordinal));
        var nested = GoodPrivate.Replace("\"id\":\"alice\",\"name\":\"Alice\"", "\"name\":\"Alice\",\"id\":\"alice\"", StringComparison.Ordinal);
        Assert.Contains(Check(nested), f => f.Problem.StartsWith("$.response.user:", StringComparison.Ordinal));
    }

    [Fact]
    public void Null_for_a_schema_property_and_for_cid_is_reported()
    {
        Assert.Contains(Check(GoodPrivate.Replace("\"to\":\"bob\"", "\"to\":null", StringComparison.Ordinal)), f => f.Rule == "SB-ENV-002" && f.Problem.Contains("$.response.to is null", StringComparison.Ordinal));
        Assert.Contains(Check("""{"event":"ECHO","cid":null,"response":{"data":1}}"""), f => f.Problem.Contains("$.cid is null", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2026-11-23T05:30:00Z")]
    [InlineData("2026-11-23T05:30:00.1234Z")]
    [InlineData("2026-11-23T05:30:00.123+00:00")]
    [InlineData("1700000000")]
    public void Timestamps_need_Z_and_three_fraction_digits(string at)
    {
        var f = Assert.Single(Check(GoodPrivate.Replace("\"2026-11-23T05:30:00.123Z\"", at.All(char.IsDigit) ? at : $"\"{at}\"", StringComparison.Ordinal)));
        Assert.Equal("SB-ENV-016", f.Rule);
    }

    [Fact]
    public void A_success_reply_without_cid_is_reported_but_an_error_without_cid_is_not()
    {
        Assert.Contains(Check("""{"event":"ACK","response":{}}"""), f => f.Rule == "SB-ENV-013");
        Assert.DoesNotContain(Check("""{"event":"ERROR","response":{"code":1001,"error":"MALFORMED_JSON","message":"x"}}"""), f => f.Rule == "SB-ENV-013");
    }

    [Fact]
    public void Unknown_properties_and_events_are_not_judged()
    {
        Assert.Empty(Check("""{"event":"ECHO","cid":"c1","x_new":1,"response":{"data":1}}"""));
        Assert.Empty(Check("""{"event":"SOMETHING_NEW","response":{"b":null,"a":1}}"""));
    }

    [Fact]
    public void Rule_levels_come_from_the_spec()
    {
        Assert.Equal(RequirementLevel.Must, SpecIndex.Embedded.LevelOf("SB-ENV-002"));
        Assert.Equal(RequirementLevel.Must, SpecIndex.Embedded.LevelOf("SB-ENV-016"));
        Assert.Equal(RequirementLevel.Should, SpecIndex.Embedded.LevelOf("SB-HS-010"));
    }
}
