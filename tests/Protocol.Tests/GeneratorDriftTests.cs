using Switchboard.SpecGen;

namespace Switchboard.Protocol.Tests;

/// <summary>The checked-in src/Protocol/Generated matches what the generator makes from spec/asyncapi.yaml.</summary>
public sealed class GeneratorDriftTests
{
    [Fact]
    public void GeneratedCodeMatchesSpec()
    {
        var files = Generator.Generate(File.ReadAllText(RepoPaths.Spec));
        var report = Generator.Compare(files, RepoPaths.Generated);
        Assert.True(report.IsClean,
            "src/Protocol/Generated is out of date with spec/asyncapi.yaml.\n" + report.Summary() +
            "\nRun: dotnet run --project tools/Switchboard.SpecGen");
    }

    [Fact]
    public void GeneratedTypeScriptMatchesSpec()
    {
        var files = Generator.GenerateTypeScript(File.ReadAllText(RepoPaths.Spec));
        var report = Generator.Compare(files, RepoPaths.TypeScriptGenerated, TypeScriptEmitter.FilePattern);
        Assert.True(report.IsClean,
            "src/client-ts/src/generated is out of date with spec/asyncapi.yaml.\n" + report.Summary() +
            "\nRun: dotnet run --project tools/Switchboard.SpecGen");
    }

    [Fact]
    public void GeneratedTypeScriptNamesEveryCommandWithAMethod()
    {
        var spec = ProtocolSpec.Parse(File.ReadAllText(RepoPaths.Spec));
        var commands = Generator.GenerateTypeScript(File.ReadAllText(RepoPaths.Spec))["commands.ts"];
        foreach (var m in spec.Messages.Where(m => m.Direction == Direction.ClientToServer))
        {
            Assert.Contains($"  {TypeScriptEmitter.Camel(m.WireName)}(request: {m.PayloadSchema}", commands, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryGeneratedFileHasTheHeader()
    {
        var yaml = File.ReadAllText(RepoPaths.Spec);
        foreach (var (path, content) in Generator.Generate(yaml).Concat(Generator.GenerateTypeScript(yaml)))
        {
            Assert.True(content.StartsWith(CSharpEmitter.Header + "\n", StringComparison.Ordinal), path);
            Assert.DoesNotContain("\r", content, StringComparison.Ordinal);
        }
    }
}
