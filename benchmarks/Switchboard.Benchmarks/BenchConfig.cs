using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Reports;

namespace Switchboard.Benchmarks;

/// <summary>
/// The one configuration every benchmark class shares: allocations (<see cref="MemoryDiagnoser"/>), ratio to the
/// baseline of each category, GitHub markdown + JSON exporters (copied to benchmarks/results/). The job (default,
/// <c>--job short</c>, <c>--job dry</c>) comes from the command line.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>Initializes a new instance of the <see cref="BenchConfig"/> class.</summary>
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(JsonExporter.Brief); // GitHub markdown comes with the default config
        AddColumn(CategoriesColumn.Default, BaselineRatioColumn.RatioMean);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
        WithOptions(ConfigOptions.JoinSummary);
    }
}
