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
    public void EveryGeneratedFileHasTheHeader()
    {
        foreach (var (path, content) in Generator.Generate(File.ReadAllText(RepoPaths.Spec)))
        {
            Assert.True(content.StartsWith(CSharpEmitter.Header + "\n", StringComparison.Ordinal), path);
            Assert.DoesNotContain("\r", content, StringComparison.Ordinal);
        }
    }
}
