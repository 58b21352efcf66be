using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Switchboard.LoadTest;

/// <summary>The outcome of one scenario run (written as JSON with <c>--json</c>, read back by <c>report</c>).</summary>
internal sealed class RunResult
{
    /// <summary>JSON options shared by writer and reader (snake_case, indented).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Gets or sets the scenario name.</summary>
    public string Scenario { get; set; } = "";

    /// <summary>Gets or sets the target kind.</summary>
    public string Target { get; set; } = "";

    /// <summary>Gets or sets the URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>Gets or sets the free-text label.</summary>
    public string? Label { get; set; }

    /// <summary>Gets or sets the start time (UTC).</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Gets or sets the measured seconds.</summary>
    public double DurationSeconds { get; set; }

    /// <summary>Gets or sets whether this was a smoke run (figures are meaningless).</summary>
    public bool Smoke { get; set; }

    /// <summary>Gets or sets the scenario parameters.</summary>
    public SortedDictionary<string, double> Parameters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the measured figures.</summary>
    public SortedDictionary<string, double> Metrics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the number of errors seen (error frames, dropped connections, failed connects).</summary>
    public long Errors { get; set; }

    /// <summary>Gets or sets the first error seen.</summary>
    public string? FirstError { get; set; }

    /// <summary>Gets or sets notes on the run.</summary>
    public List<string> Notes { get; set; } = [];

    /// <summary>Renders the result as a markdown table.</summary>
    /// <returns>The text.</returns>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Scenario} against {Target} ({Url}){(Smoke ? " [smoke: figures not meaningful]" : "")}\n\n");
        sb.Append("| figure | value |\n|---|---:|\n");
        foreach (var (k, v) in Parameters)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {k} (param) | {Format(v)} |\n");
        }

        foreach (var (k, v) in Metrics)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {k} | {Format(v)} |\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"| errors | {Errors} |\n");
        if (FirstError is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nfirst error: {FirstError}\n");
        }

        foreach (var note in Notes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nnote: {note}");
        }

        return sb.ToString();
    }

    /// <summary>Formats a figure with sensible precision.</summary>
    /// <param name="v">The value.</param>
    /// <returns>The text.</returns>
    public static string Format(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("0.0", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}
