using System.Text.RegularExpressions;

namespace Switchboard.Client.Tests;

/// <summary>
/// The C# snippets of the repository's README and of the Switchboard.Client package's README (src/Client/PACKAGE.md,
/// the nuget.org page) are compiled regions of the samples (<c>#region Quickstart</c> of
/// samples/ChatConsole/Quickstart.cs, <c>#region HostSwitchboard</c> of samples/HostedInMinimalApi/HostedApp.cs), so the
/// code a new user copies cannot rot: this test fails when a snippet and its region differ.
/// </summary>
public sealed class ReadmeSnippetTests
{
    [Theory]
    [InlineData("README.md", "samples/ChatConsole/Quickstart.cs", "Quickstart")]
    [InlineData("src/Client/PACKAGE.md", "samples/ChatConsole/Quickstart.cs", "Quickstart")]
    [InlineData("README.md", "samples/HostedInMinimalApi/HostedApp.cs", "HostSwitchboard")]
    public void ReadmeSnippetMatchesTheCompiledSample(string readmePath, string file, string regionName)
    {
        var root = FindRepoRoot();
        var sample = File.ReadAllText(Path.Combine(root, file));
        var readme = File.ReadAllText(Path.Combine(root, readmePath));

        var region = Regex.Match(sample, @"#region " + Regex.Escape(regionName) + @"\n(?<code>.*?)\n\s*#endregion", RegexOptions.Singleline);
        Assert.True(region.Success, $"{file} has no '#region {regionName}'.");
        var block = Regex.Match(readme, @"<!-- snippet: " + Regex.Escape(file + "#" + regionName) + @"[^>]*-->\s*```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline);
        Assert.True(block.Success, $"{readmePath} has no snippet block for {file}#{regionName}.");

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
}
