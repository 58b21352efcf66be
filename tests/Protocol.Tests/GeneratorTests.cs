using Switchboard.SpecGen;

namespace Switchboard.Protocol.Tests;

/// <summary>The generator on a small spec of our own (TestData/mini-asyncapi.yaml).</summary>
public sealed class GeneratorTests
{
    private static string Mini => File.ReadAllText(RepoPaths.TestData("mini-asyncapi.yaml"));

    [Fact]
    public void EmitsOneFilePerTypeAndTheTables()
    {
        var files = Generator.Generate(Mini);
        Assert.Equal(
            [
                "CloseCode.g.cs", "CloseCodes.g.cs", "CloseReasons.g.cs", "CommandMetadata.g.cs", "CommandNames.g.cs",
                "Commands/PokeCommand.g.cs", "ErrorCode.g.cs", "ErrorCodes.g.cs", "EventMetadata.g.cs", "EventNames.g.cs",
                "Events/ThingEvent.g.cs", "Models/Item.g.cs", "Models/Shade.g.cs", "Shades.g.cs", "SwitchboardJsonContext.g.cs",
                "WireProtocol.g.cs",
            ],
            files.Keys);
    }

    [Fact]
    public void MapsSchemaKeywordsToCSharp()
    {
        var files = Generator.Generate(Mini);
        var thing = files["Events/ThingEvent.g.cs"];
        Assert.Contains("public sealed partial class ThingEvent : IServerEvent, IWirePayload", thing);
        Assert.Contains("[JsonPropertyName(\"thing_id\")]", thing);
        Assert.Contains("public required string ThingId { get; init; }", thing);
        Assert.Contains("public required IReadOnlyList<Item> Items { get; init; }", thing);
        Assert.Contains("public required long Count { get; init; }", thing);
        Assert.Contains("public Shade? Shade { get; init; }", thing);
        Assert.Contains("public required DateTimeOffset At { get; init; }", thing);
        Assert.Contains("public JsonElement? Extra { get; init; }", thing);
        Assert.Contains("public IReadOnlyList<string>? Tags { get; init; }", thing);
        Assert.Contains("SB-TEST-001", thing);                         // requirement ids in the docs
        Assert.Contains(@"[GeneratedRegex(""^[a-z]{1,8}\\z""", files["Models/Item.g.cs"]); // ECMA '$' -> '\z'
        Assert.Contains("WireRead.Maximum(n0, 10L, ref error)", thing);
        Assert.Contains("WireRead.MaxLength(s0, 64L, ref error)", thing); // alias constraints are inlined
    }

    [Fact]
    public void EmitsCommandMetadataAndCodes()
    {
        var files = Generator.Generate(Mini);
        var metadata = files["CommandMetadata.g.cs"];
        Assert.Contains("roles: [\"agent\"]", metadata);
        Assert.Contains("replyEvent: EventNames.Thing", metadata);
        Assert.Contains("errors: [ErrorCode.BadThing]", metadata);
        Assert.Contains("BadThing = 1005,", files["ErrorCode.g.cs"]);
        Assert.Contains("CloseCode.Later => true", files["CloseCodes.g.cs"]);
        Assert.Contains("delivery: DeliveryClass.Durable", files["EventMetadata.g.cs"]);
    }

    [Fact]
    public void EmitsTheWireVocabularyAsConstants()
    {
        var files = Generator.Generate(Mini);
        Assert.Contains("public const string Subprotocol = \"mini.v1.json\";", files["WireProtocol.g.cs"]);
        Assert.Contains("public const string ComeBack = \"come back later\";", files["CloseReasons.g.cs"]);
        Assert.Contains("public const string DarkBlue = \"dark-blue\";", files["Shades.g.cs"]);
        var conformance = Generator.GenerateConformance(Mini)["Wire.g.cs"];
        Assert.Contains("public const string Subprotocol = \"mini.v1.json\";", conformance);
        Assert.Contains("public const int Later = 4503;", conformance);
        Assert.Contains("public const string ComeBack = \"come back later\";", conformance);
    }

    [Theory]
    [InlineData("shade:\n          $ref: '#/components/schemas/Shade'", "shade:\n          type: string\n          enum: [red]", "inline enums are not allowed")]
    [InlineData("x-direction: client-to-server", "x-direction: sideways", "x-direction 'sideways'")]
    [InlineData("x-errors: [BAD_THING]", "x-errors: [NOPE]", "unknown error name 'NOPE'")]
    [InlineData("x-delivery: durable", "x-delivery: sometimes", "'sometimes' is not durable")]
    [InlineData("    Item:\n", "    ErrorCode:\n", "reserved")]
    [InlineData("x-subprotocol: mini.v1.json", "x-subprotocol: [mini]", "has no 'x-subprotocol' string")]
    [InlineData("code: 4503, reason: come back later", "code: 4999, reason: come back later", "code 4999 is not in x-close-codes")]
    public void RejectsSpecsThatBreakTheConventions(string find, string replace, string message)
    {
        var yaml = Mini.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Mini, yaml);
        var ex = Assert.Throws<InvalidDataException>(() => Generator.Generate(yaml));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompareAndWriteDetectChangedAddedAndStaleFiles()
    {
        var dir = Path.Combine(Path.GetTempPath(), "specgen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = Generator.Generate(Mini);
            Assert.Equal(files.Count, Generator.Compare(files, dir).Added.Count);
            Generator.Write(files, dir);
            Assert.True(Generator.Compare(files, dir).IsClean);

            File.AppendAllText(Path.Combine(dir, "Events", "ThingEvent.g.cs"), "// edit\n");
            File.WriteAllText(Path.Combine(dir, "Models", "Old.g.cs"), "stale");
            var report = Generator.Compare(files, dir);
            Assert.Equal(["Events/ThingEvent.g.cs"], report.Changed);
            Assert.Equal(["Models/Old.g.cs"], report.Removed);
            Assert.Contains("Events/ThingEvent.g.cs:", report.FirstDifference, StringComparison.Ordinal);

            Assert.Equal(2, Generator.Write(files, dir));
            Assert.True(Generator.Compare(files, dir).IsClean);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("NEW_MESSAGE", "NewMessage")]
    [InlineData("message_id", "MessageId")]
    [InlineData("rooms-history", "RoomsHistory")]
    [InlineData("QIANGDAN", "Qiangdan")]
    [InlineData("in_progress", "InProgress")]
    public void PascalCase(string wire, string expected)
    {
        Assert.Equal(expected, Naming.Pascal(wire));
    }
}
