using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Tests.Snapshots;

namespace Switchboard.Conformance.Tests;

/// <summary>Unit tests of the suite's own machinery (no server).</summary>
public sealed class SuiteUnitTests
{
    [Fact]
    public void Scrubber_maps_the_same_value_to_the_same_placeholder_and_hides_volatile_values()
    {
        var steps = new[]
        {
            new TranscriptStep("recv", "alice#1", JsonNode.Parse("""{"event":"CONNECT","response":{"client_id":"X1","epoch":"E9","user":{"id":"alice-ab12cd"},"at":"2026-11-23T05:30:00.123Z"}}""")),
            new TranscriptStep("recv", "bob#1", JsonNode.Parse("""{"event":"PRIVATE_MESSAGE","seq":1,"response":{"message_id":"M1","to":"bob-ab12cd","data":"hi"}}""")),
            new TranscriptStep("recv", "bob#2", JsonNode.Parse("""{"event":"PRIVATE_MESSAGE","seq":1,"response":{"message_id":"M1","users":[{"id":"zed-other"},{"id":"bob-ab12cd"}]}}""")),
        };
        var json = new TranscriptScrubber("ab12cd").Scrub(steps).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.Contains("\"client_id\":\"<client_id:1>\"", json, StringComparison.Ordinal);
        Assert.Contains("\"epoch\":\"<epoch:1>\"", json, StringComparison.Ordinal);
        Assert.Contains("alice-<n>", json, StringComparison.Ordinal);
        Assert.Contains("\"at\":\"<time>\"", json, StringComparison.Ordinal);
        Assert.Equal(2, json.Split("<message_id:1>").Length - 1);
        Assert.DoesNotContain("zed-other", json, StringComparison.Ordinal);
        Assert.DoesNotContain("ab12cd", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrubber_replaces_jwts()
    {
        var s = new TranscriptScrubber("zz9q");
        var a = s.ScrubString("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln");
        Assert.Equal("token=<token>", a);
    }

    [Fact]
    public void Diff_shows_changed_lines_with_context()
    {
        var diff = SnapshotStore.Diff("a\nb\nc\nd\ne", "a\nb\nX\nd\ne");
        Assert.Contains("- c", diff, StringComparison.Ordinal);
        Assert.Contains("+ X", diff, StringComparison.Ordinal);
        Assert.Contains("  b", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("\n- a", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_factory_mints_hs256_tokens_with_the_spec_claims()
    {
        var f = new TokenFactory("0123456789abcdef0123456789abcdef", TimeProvider.System);
        var token = f.Mint("alice", "agent", "Alice", ["web"]);
        var payload = JsonNode.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1]))!;
        Assert.Equal("alice", (string?)payload["sub"]);
        Assert.Equal("agent", (string?)payload["role"]);
        Assert.Equal("web", (string?)payload["ns"]![0]);
        Assert.True((long)payload["exp"]! > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var header = JsonNode.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[0]))!;
        Assert.Equal("HS256", (string?)header["alg"]);
        var expired = JsonNode.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(f.Mint("a", lifetime: TimeSpan.FromMinutes(-5)).Split('.')[1]))!;
        Assert.True((long)expired["exp"]! < DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public void Wire_error_codes_match_the_generated_protocol_constants()
    {
        var type = Type.GetType("Switchboard.Protocol.ErrorCode, Switchboard.Protocol");
        Assert.NotNull(type);
        foreach (var (code, name) in Err.Names)
        {
            var member = string.Concat(name.Split('_').Select(p => p[..1] + p[1..].ToLowerInvariant()));
            Assert.True(Enum.TryParse(type!, member, out var value), $"ErrorCode.{member} exists");
            Assert.Equal(code, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
