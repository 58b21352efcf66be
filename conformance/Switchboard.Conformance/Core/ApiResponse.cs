using System.Net;
using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Core;

/// <summary>An HTTP response from the backend API.</summary>
/// <param name="Status">Status code.</param>
/// <param name="ContentType">Media type of the body, or null.</param>
/// <param name="Body">Parsed JSON body, or null.</param>
/// <param name="Text">Raw body text.</param>
public sealed record ApiResponse(HttpStatusCode Status, string? ContentType, JsonNode? Body, string Text)
{
    /// <summary>String at a body path.</summary>
    public string? Str(string path) => Jq.Str(Body, path);

    /// <summary>Integer at a body path.</summary>
    public long? Int(string path) => Jq.Int(Body, path);
}

/// <summary>Result of a raw upgrade attempt (status line, headers and body of the handshake response).</summary>
/// <param name="Status">HTTP status code (101 when the upgrade was accepted).</param>
/// <param name="Headers">Response headers (lower-case names).</param>
/// <param name="Body">Response body text (empty for 101).</param>
public sealed record UpgradeResult(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>Parsed body, or null.</summary>
    public JsonNode? Json
    {
        get
        {
            try
            {
                return Body.Length == 0 ? null : JsonNode.Parse(Body);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }
}
