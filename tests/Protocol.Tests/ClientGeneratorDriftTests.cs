using Switchboard.SpecGen;

namespace Switchboard.Protocol.Tests;

/// <summary>The checked-in src/Client/Generated (the client's typed command methods) matches the spec.</summary>
public sealed class ClientGeneratorDriftTests
{
    private static string ClientGenerated => Path.Combine(RepoPaths.Root, ClientEmitter.OutputFolder);

    [Fact]
    public void ClientGeneratedCodeMatchesSpec()
    {
        var files = Generator.GenerateClient(File.ReadAllText(RepoPaths.Spec));
        var report = Generator.Compare(files, ClientGenerated);
        Assert.True(report.IsClean,
            "src/Client/Generated is out of date with spec/asyncapi.yaml.\n" + report.Summary() +
            "\nRun: dotnet run --project tools/Switchboard.SpecGen");
    }

    [Fact]
    public void EveryCommandWithAReplyIsGeneratedOrListedAsHandWritten()
    {
        var generated = Generator.GenerateClient(File.ReadAllText(RepoPaths.Spec)).Values.Single();
        Assert.StartsWith(CSharpEmitter.Header + "\n", generated, StringComparison.Ordinal);
        foreach (var command in CommandMetadata.All.Where(c => c.ReplyEvent is not null))
        {
            var method = $" {Naming.Pascal(command.Name)}Async(";
            if (ClientEmitter.HandWritten.ContainsKey(command.Name))
            {
                Assert.DoesNotContain(method, generated, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains($"ValueTask<{EventMetadataOf(command.ReplyEvent!)}>{method}", generated, StringComparison.Ordinal);
            }
        }

        // A hand-written entry for a command the spec no longer has (or that lost its reply) is stale.
        Assert.All(ClientEmitter.HandWritten.Keys, name =>
            Assert.True(CommandMetadata.TryGet(name, out var d) && d.ReplyEvent is not null, $"HandWritten lists {name}, which has no reply in the spec"));
    }

    private static string EventMetadataOf(string eventName) =>
        EventMetadata.TryGet(eventName, out var descriptor) ? descriptor.PayloadType.Name : throw new InvalidOperationException(eventName);
}
