using BenchmarkDotNet.Running;
using Switchboard.Benchmarks;

// Run all:   dotnet run -c Release --project benchmarks/Switchboard.Benchmarks -- --filter '*'
// Smoke:     dotnet run -c Release --project benchmarks/Switchboard.Benchmarks -- --filter '*' --job Dry --inProcess
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig()).ToList();

// Non-zero when a benchmark could not run (validation error, exception in setup or in the benchmark).
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
