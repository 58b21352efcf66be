using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Connections;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>GET /stats</c>: cheap process diagnostics for loopback callers (load tools, local operators):
/// <c>{"heap_bytes","rss_bytes","gc_heap_size_bytes","gc_committed_bytes","gc_count_gen0/1/2","gc_server","connections","gc_forced"}</c>.
/// <c>heap_bytes</c> is <see cref="GC.GetTotalMemory(bool)"/>; with <c>?gc=1</c> it is measured after a full blocking
/// collection (the same figure the benchmark peers report), otherwise no collection is triggered. Remote (non-loopback)
/// callers get 404, so the endpoint can neither leak process figures nor be used to force collections from outside.
/// </summary>
internal static class StatsEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/stats", static (HttpContext http) =>
        {
            var remote = http.Connection.RemoteIpAddress;
            if (remote is null || !IPAddress.IsLoopback(remote))
            {
                return Results.NotFound();
            }

            var force = http.Request.Query.TryGetValue("gc", out var gc) && gc == "1";
            var heap = GC.GetTotalMemory(forceFullCollection: force);
            var info = GC.GetGCMemoryInfo();
            using var process = Process.GetCurrentProcess();
            var registry = http.RequestServices.GetRequiredService<ConnectionRegistry>();
            return Results.Json(new Dictionary<string, object>
            {
                ["heap_bytes"] = heap,
                ["gc_forced"] = force,
                ["rss_bytes"] = process.WorkingSet64,
                ["gc_heap_size_bytes"] = info.HeapSizeBytes,
                ["gc_committed_bytes"] = info.TotalCommittedBytes,
                ["gc_count_gen0"] = GC.CollectionCount(0),
                ["gc_count_gen1"] = GC.CollectionCount(1),
                ["gc_count_gen2"] = GC.CollectionCount(2),
                ["gc_server"] = System.Runtime.GCSettings.IsServerGC,
                ["connections"] = registry.Count,
            });
        });
    }
}
