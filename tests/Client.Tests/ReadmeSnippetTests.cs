using System.Text.RegularExpressions;

namespace Switchboard.Client.Tests;

/// <summary>
/// The quickstart in the repository's README and in the Switchboard.Client package's README (src/Client/PACKAGE.md, the
/// nuget.org page) is the compiled <c>#region Quickstart</c> of samples/ChatConsole/Quickstart.cs, so the code a new
/// user copies cannot rot: this test fails when they differ.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    [Theory]
    [InlineData("README.md")]
    [InlineData("src/Client/PACKAGE.md")]
    public void ReadmeQuickstartMatchesTheCompiledSample(string readmePath)
    {
        var root = FindRepoRoot();
        var sample = File.ReadAllText(Path.Combine(root, "samples", "ChatConsole", "Quickstart.cs"));
        var readme = File.ReadAllText(Path.Combine(root, readmePath));

        var region = RegionPattern().Match(sample);
        Assert.True(region.Success, "samples/ChatConsole/Quickstart.cs has no '#region Quickstart'.");
        var block = SnippetPattern().Match(readme);
        Assert.True(block.Success, readmePath + " has no quickstart snippet block.");

        Assert.Equal(Dedent(region.Groups["code"].Value), Dedent(block.Groups["code"].Value));
    }

    private static string Dedent(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\n').Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Protocol.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Protocol.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"#region Quickstart\n(?<code>.*?)\n\s*#endregion", RegexOptions.Singleline)]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"<!-- snippet: samples/ChatConsole/Quickstart\.cs#Quickstart[^>]*-->\s*```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex SnippetPattern();
}
