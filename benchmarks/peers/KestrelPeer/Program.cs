using System.Runtime;
using Switchboard.Peers.Kestrel;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<RawHub>();

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(25) });
app.Map("/ws", async (HttpContext context, RawHub hub) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    var user = context.Request.Query["user"].ToString();
    using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
    await hub.RunAsync(socket, string.IsNullOrEmpty(user) ? context.TraceIdentifier : user, context.RequestAborted).ConfigureAwait(false);
});
app.MapGet("/health", () => "ok");
app.MapGet("/stats", (RawHub hub) => Results.Json(new Dictionary<string, long>
{
    ["heap_bytes"] = GC.GetTotalMemory(forceFullCollection: true),
    ["gc_committed_bytes"] = GC.GetGCMemoryInfo().TotalCommittedBytes,
    ["server_gc"] = GCSettings.IsServerGC ? 1 : 0,
    ["connections"] = hub.ConnectionCount,
}));
app.Run();
