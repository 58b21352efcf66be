using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Messaging;
using Switchboard.Server.Testing;

namespace Switchboard.Conformance.Tests.Faults;

/// <summary>The test-only faults, each a configuration flag <c>Switchboard:Faults:&lt;Name&gt;=true</c>.</summary>
public static class FaultNames
{
    /// <summary>Every PRIVATE_MESSAGE is also delivered to one other connection of the namespace.</summary>
    public const string PrivateMessageToWrongUser = nameof(PrivateMessageToWrongUser);

    /// <summary>Every GROUP_MESSAGE is also delivered to every connection of the other namespace.</summary>
    public const string GroupMessageAcrossNamespaces = nameof(GroupMessageAcrossNamespaces);

    /// <summary>Tokens expired up to 10 minutes ago are accepted (implemented by giving the server a lagging clock).</summary>
    public const string AcceptExpiredToken = nameof(AcceptExpiredToken);

    /// <summary>A GRAB that lost the race is told it won (a forged CONVERSATION active instead of ERROR 4002).</summary>
    public const string DoubleGrabWin = nameof(DoubleGrabWin);

    /// <summary>The first event replayed after a CONNECT with missed &gt; 0 is sent twice.</summary>
    public const string ResumeDuplicate = nameof(ResumeDuplicate);

    /// <summary>The first event replayed after a CONNECT with missed &gt; 0 is dropped.</summary>
    public const string ResumeDrop = nameof(ResumeDrop);

    /// <summary>ECHO replies are written with <c>respones</c> instead of <c>response</c>.</summary>
    public const string MisspellEnvelopeField = nameof(MisspellEnvelopeField);

    /// <summary>Rate-limit rejections (ERROR 5001, CLOSE 4429) never reach the client.</summary>
    public const string IgnoreRateLimit = nameof(IgnoreRateLimit);

    /// <summary>All faults.</summary>
    /// <summary>ECHO replies carry a cid the client never sent (the suite must fail on arrival, not after a timeout).</summary>
    public const string EchoWrongCid = nameof(EchoWrongCid);

    /// <summary>ECHO replies carry no cid.</summary>
    public const string EchoWithoutCid = nameof(EchoWithoutCid);

    /// <summary>PRIVATE_MESSAGE payloads list <c>namespace</c> before <c>to</c> (schema order violated, SB-ENV-002).</summary>
    public const string PayloadOrderSwapped = nameof(PayloadOrderSwapped);

    /// <summary>SEND_MESSAGE_SUCCESS <c>at</c> loses its milliseconds (SB-ENV-016).</summary>
    public const string TimestampWithoutMillis = nameof(TimestampWithoutMillis);

    /// <summary>ROOM_STATE <c>members</c> entries get <c>"name":null</c> (SB-ENV-002: no null).</summary>
    public const string NullProperty = nameof(NullProperty);

    public static IReadOnlyList<string> All { get; } =
        [PrivateMessageToWrongUser, GroupMessageAcrossNamespaces, AcceptExpiredToken, DoubleGrabWin, ResumeDuplicate, ResumeDrop, MisspellEnvelopeField, IgnoreRateLimit,
         EchoWrongCid, EchoWithoutCid, PayloadOrderSwapped, TimestampWithoutMillis, NullProperty];
}

/// <summary>
/// Implements the wire-level faults as an <see cref="IFrameInterceptor"/> (the test host wraps the server's WebSockets),
/// reading <c>Switchboard:Faults:*</c> from configuration. Used only by the fault-injection tests, to prove the
/// conformance cases catch the bugs they are meant to catch.
/// </summary>
internal sealed class ConformanceFaultInjector : IFrameInterceptor
{
    private readonly HashSet<string> _faults;
    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<string, byte> _leaked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _grabs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonNode> _visitors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _resuming = new(StringComparer.Ordinal);

    public ConformanceFaultInjector(IConfiguration configuration, IServiceProvider services)
    {
        _services = services;
        _faults = [.. FaultNames.All.Where(f => configuration.GetValue<bool>("Switchboard:Faults:" + f))];
    }

    public ValueTask OnReceivedAsync(IConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (_faults.Contains(FaultNames.DoubleGrabWin) && Parse(message.Span) is JsonObject cmd && (string?)cmd["command"] == "GRAB" && cmd["cid"] is JsonValue cid)
        {
            _grabs[connection.ClientId + "/" + cid.GetValue<string>()] = (string?)cmd["request"]?["conversation_id"] ?? string.Empty;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> OnSendAsync(IConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (Parse(frame.Span) is not JsonObject env)
        {
            return ValueTask.FromResult(true);
        }

        var ev = (string?)env["event"];
        var response = env["response"] as JsonObject;
        var registry = _services.GetRequiredService<IConnectionRegistry>();
        var messageId = (string?)response?["message_id"];

        if (_faults.Contains(FaultNames.PrivateMessageToWrongUser) && ev == "PRIVATE_MESSAGE" && messageId is not null && _leaked.TryAdd(messageId, 0))
        {
            var to = (string?)response!["to"];
            var from = (string?)response["user"]?["id"];
            var victim = registry.GetNamespaceConnections(connection.Namespace).FirstOrDefault(c => c.User.Id != to && c.User.Id != from);
            victim?.TrySend(frame);
        }

        if (_faults.Contains(FaultNames.GroupMessageAcrossNamespaces) && ev == "GROUP_MESSAGE" && messageId is not null && _leaked.TryAdd(messageId, 0))
        {
            var other = connection.Namespace == Switchboard.Protocol.Namespaces.Web ? Switchboard.Protocol.Namespaces.App : Switchboard.Protocol.Namespaces.Web;
            foreach (var c in registry.GetNamespaceConnections(other))
            {
                c.TrySend(frame);
            }
        }

        if (_faults.Contains(FaultNames.DoubleGrabWin))
        {
            if (ev == "QIANGDAN" && (string?)response?["conversation_id"] is { } qid && response["visitor"] is { } visitor)
            {
                _visitors[qid] = visitor.DeepClone();
            }

            if (ev == "ERROR" && (int?)response?["code"] == 4002 && (string?)env["cid"] is { } cid && _grabs.TryGetValue(connection.ClientId + "/" + cid, out var conversationId))
            {
                var forged = new JsonObject
                {
                    ["event"] = "CONVERSATION",
                    ["cid"] = cid,
                    ["seq"] = 1,
                    ["response"] = new JsonObject
                    {
                        ["conversation_id"] = conversationId,
                        ["state"] = "active",
                        ["visitor"] = _visitors.TryGetValue(conversationId, out var v) ? v.DeepClone() : null,
                        ["agent"] = new JsonObject { ["id"] = connection.User.Id, ["name"] = connection.User.Name, ["role"] = connection.User.Role },
                        ["at"] = (string?)response!["at"] ?? "2026-01-01T00:00:00.000Z",
                    },
                };
                connection.TrySend(Encoding.UTF8.GetBytes(forged.ToJsonString()));
                return ValueTask.FromResult(false);
            }
        }

        if ((_faults.Contains(FaultNames.ResumeDuplicate) || _faults.Contains(FaultNames.ResumeDrop)) && ev is not null)
        {
            if (ev == "CONNECT" && (long?)response?["missed"] > 0)
            {
                _resuming[connection.ClientId] = 0;
            }
            else if (env["seq"] is not null && _resuming.TryRemove(connection.ClientId, out _))
            {
                if (_faults.Contains(FaultNames.ResumeDrop))
                {
                    return ValueTask.FromResult(false);
                }

                connection.TrySend(frame.ToArray());
            }
        }

        if (_faults.Contains(FaultNames.MisspellEnvelopeField) && ev == "ECHO" && response is not null)
        {
            var text = Encoding.UTF8.GetString(frame.Span).Replace("\"response\":", "\"respones\":", StringComparison.Ordinal);
            connection.TrySend(Encoding.UTF8.GetBytes(text));
            return ValueTask.FromResult(false);
        }

        if ((_faults.Contains(FaultNames.EchoWrongCid) || _faults.Contains(FaultNames.EchoWithoutCid)) && ev == "ECHO" && env["cid"] is JsonValue echoCid && !echoCid.GetValue<string>().EndsWith("-wrong", StringComparison.Ordinal))
        {
            if (_faults.Contains(FaultNames.EchoWrongCid))
            {
                env["cid"] = echoCid.GetValue<string>() + "-wrong";
            }
            else
            {
                env.Remove("cid");
            }

            return Replace(connection, env);
        }

        if (_faults.Contains(FaultNames.PayloadOrderSwapped) && ev == "PRIVATE_MESSAGE" && response?["to"] is { } toNode && response["namespace"] is not null
            && response.Select(p => p.Key).ToList() is var keys && keys.IndexOf("to") < keys.IndexOf("namespace"))
        {
            var to = toNode.DeepClone();
            response.Remove("to");
            var reordered = new JsonObject();
            foreach (var (k, v) in response)
            {
                reordered[k] = v?.DeepClone();
                if (k == "namespace")
                {
                    reordered["to"] = to;
                }
            }

            env["response"] = reordered;
            return Replace(connection, env);
        }

        // Rewritten frames pass through this seam again when re-sent: each rewrite below is idempotent.
        if (_faults.Contains(FaultNames.TimestampWithoutMillis) && ev == "SEND_MESSAGE_SUCCESS" && (string?)response?["at"] is { Length: 24 } at)
        {
            response!["at"] = at[..19] + "Z";
            return Replace(connection, env);
        }

        if (_faults.Contains(FaultNames.NullProperty) && ev == "ROOM_STATE" && response?["members"] is JsonArray members && members.OfType<JsonObject>().Any(m => m["name"] is not null))
        {
            foreach (var m in members.OfType<JsonObject>())
            {
                m["name"] = null;
            }

            return Replace(connection, env);
        }

        if (_faults.Contains(FaultNames.IgnoreRateLimit) && ((ev == "ERROR" && (int?)response?["code"] == 5001) || (ev == "CLOSE" && (int?)response?["code"] == 4429)))
        {
            return ValueTask.FromResult(false);
        }

        return ValueTask.FromResult(true);
    }

    private static ValueTask<bool> Replace(IConnection connection, JsonObject env)
    {
        connection.TrySend(Encoding.UTF8.GetBytes(env.ToJsonString()));
        return ValueTask.FromResult(false);
    }

    private static JsonNode? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonNode.Parse(utf8);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
