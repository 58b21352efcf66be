using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Tests.Snapshots;

/// <summary>
/// Approved-file snapshots: a scrubbed transcript is rendered as indented JSON and compared line by line with
/// <c>Snapshots/{case}.json</c>. On a mismatch the test prints a unified-style diff and writes
/// <c>{case}.received.json</c> next to it; <c>SWITCHBOARD_UPDATE_SNAPSHOTS=1</c> (re)writes the approved files.
/// A tiny comparer instead of Verify/Snapshooter: the approved files are plain JSON a reviewer reads in a PR, the
/// diff names the exact step, and there is no hidden serializer configuration.
/// </summary>
public static class SnapshotStore
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether the run updates approved files instead of comparing.</summary>
    public static bool UpdateMode => Environment.GetEnvironmentVariable("SWITCHBOARD_UPDATE_SNAPSHOTS") == "1";

    /// <summary>The folder holding the approved files (in the source tree).</summary>
    public static string Directory { get; } = SourceDirectory();

    /// <summary>Renders a snapshot document.</summary>
    public static string Render(string caseId, JsonArray transcript)
    {
        var doc = new JsonObject { ["case"] = caseId, ["transcript"] = transcript.DeepClone() };
        return doc.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>Compares (or updates) the approved snapshot. Returns null when equal, else a diff text.</summary>
    public static string? Verify(string caseId, JsonArray transcript)
    {
        var actual = Render(caseId, transcript);
        var path = Path.Combine(Directory, caseId + ".json");
        var received = Path.Combine(Directory, caseId + ".received.json");
        if (UpdateMode)
        {
            File.WriteAllText(path, actual);
            File.Delete(received);
            return null;
        }

        if (!File.Exists(path))
        {
            File.WriteAllText(received, actual);
            return $"No approved snapshot {path}. Review {received} and run with SWITCHBOARD_UPDATE_SNAPSHOTS=1 to approve.";
        }

        var approved = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (approved == actual)
        {
            File.Delete(received);
            return null;
        }

        File.WriteAllText(received, actual);
        return $"Snapshot {caseId} differs from {path} (received: {received}; SWITCHBOARD_UPDATE_SNAPSHOTS=1 approves):\n" + Diff(approved, actual);
    }

    /// <summary>A unified-style line diff (LCS based) with 2 lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var ops = new List<(char Op, string Line)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x]));
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                ops.Add(('+', b[y]));
                y++;
            }
            else
            {
                ops.Add(('-', a[x]));
                x++;
            }
        }

        var sb = new StringBuilder("--- approved\n+++ received\n");
        const int context = 2;
        var lastPrinted = -1;
        for (var k = 0; k < ops.Count; k++)
        {
            if (ops[k].Op == ' ')
            {
                continue;
            }

            var from = Math.Max(Math.Max(0, k - context), lastPrinted + 1);
            if (from > lastPrinted + 1 && lastPrinted >= 0)
            {
                sb.Append("@@\n");
            }

            for (var c = from; c < k; c++)
            {
                sb.Append("  ").Append(ops[c].Line).Append('\n');
            }

            var end = k;
            while (end < ops.Count && ops[end].Op != ' ')
            {
                sb.Append(ops[end].Op).Append(' ').Append(ops[end].Line).Append('\n');
                end++;
            }

            var tail = Math.Min(ops.Count, end + context);
            var c2 = end;
            while (c2 < tail && ops[c2].Op == ' ')
            {
                sb.Append("  ").Append(ops[c2].Line).Append('\n');
                c2++;
            }

            lastPrinted = c2 - 1;
            k = c2 - 1;
        }

        return sb.ToString();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
