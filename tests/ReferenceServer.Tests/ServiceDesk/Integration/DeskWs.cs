using System.Text.Json;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.ServiceDesk.Integration;

/// <summary>Helpers over the core's test client: wait on the received history without consuming it.</summary>
internal static class DeskWs
{
    public static Task<TestSession> AgentAsync(this TestServerHost host, string id, string ns = "web") =>
        host.ConnectAsync(id, "agent", ns, "Agent " + id);

    public static Task<TestSession> VisitorAsync(this TestServerHost host, string id, string ns = "web") =>
        host.ConnectAsync(id, "visitor", ns, "Visitor " + id);

    public static IReadOnlyList<TestEnvelope> Received(this TestSession session, string eventName, Func<TestEnvelope, bool>? match = null)
    {
        lock (session.Client.History)
        {
            return session.Client.History.Where(e => e.Event == eventName && (match is null || match(e))).ToArray();
        }
    }

    public static async Task<TestEnvelope> WaitForAsync(this TestSession session, string eventName, Func<TestEnvelope, bool>? match = null, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var found = session.Received(eventName, match);
            if (found.Count > 0)
            {
                return found[0];
            }

            if (Environment.TickCount64 > deadline)
            {
                string seen;
                lock (session.Client.History)
                {
                    seen = string.Join("\n", session.Client.History.Select(e => e.Raw));
                }

                throw new TimeoutException($"No {eventName} matching within {timeoutMs} ms. Received:\n{seen}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Round-trips an ECHO so that everything queued to this connection before it has arrived.</summary>
    public static Task SettleAsync(this TestSession session) => session.Client.DrainAsync();

    public static bool For(this TestEnvelope e, string conversationId) => e.GetString("conversation_id") == conversationId;

    public static string? AgentId(this TestEnvelope e) =>
        e.Response.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.Object ? agent.GetProperty("id").GetString() : null;

    public static string Nested(this TestEnvelope e, string property, string inner) => e.Response.GetProperty(property).GetProperty(inner).GetString()!;

    public static int IndexOf(this TestSession session, TestEnvelope envelope)
    {
        lock (session.Client.History)
        {
            return session.Client.History.IndexOf(envelope);
        }
    }
}
