using BenchmarkDotNet.Running;
using Switchboard.Benchmarks;

// Run all:   dotnet run -c Release --project benchmarks/Switchboard.Benchmarks -- --filter '*'
// Smoke:     dotnet run -c Release --project benchmarks/Switchboard.Benchmarks -- --filter '*' --job Dry --inProcess
return BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig()).Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
