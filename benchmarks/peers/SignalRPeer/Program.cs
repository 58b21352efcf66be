using System.Runtime;
using Microsoft.AspNetCore.SignalR;
using Switchboard.Peers.SignalR;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR(o =>
{
    o.MaximumReceiveMessageSize = 65536;
    o.EnableDetailedErrors = false;
});
builder.Services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();

var app = builder.Build();
app.MapHub<BenchHub>("/hub");
app.MapGet("/health", () => "ok");
app.MapGet("/stats", () => Results.Json(new Dictionary<string, long>
{
    ["heap_bytes"] = GC.GetTotalMemory(forceFullCollection: true),
    ["gc_committed_bytes"] = GC.GetGCMemoryInfo().TotalCommittedBytes,
    ["server_gc"] = GCSettings.IsServerGC ? 1 : 0,
}));
app.Run();
