using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocol;
using Switchboard.ReferenceServer.Messaging;

namespace Switchboard.ReferenceServer.Hosting;

/// <summary>
/// RFC 7807 problem+json responses carrying the Switchboard error <c>code</c> (int) and <c>error</c> (name).
/// </summary>
public static class ApiProblems
{
    /// <summary>Writes a problem response.</summary>
    public static Task WriteAsync(HttpContext http, int status, ErrorCode code, string detail, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Create(status, code, detail, path).ExecuteAsync(http);
    }

    /// <summary>
    /// Creates a problem result (SB-API-002): <c>type</c> = <c>urn:switchboard:error:NAME</c>, <c>title</c> = NAME,
    /// <c>status</c>, <c>detail</c>, <c>code</c>, <c>error</c>, and <c>path</c> for validation errors.
    /// </summary>
    public static IResult Create(int status, ErrorCode code, string detail, string? path = null)
    {
        var name = ErrorNames.Of(code);
        var extensions = new Dictionary<string, object?> { ["code"] = (int)code, ["error"] = name };
        if (path is not null)
        {
            extensions["path"] = path;
        }

        return Results.Problem(detail: detail, statusCode: status, title: name, type: "urn:switchboard:error:" + name, extensions: extensions);
    }
}

/// <summary>
/// Throw from an HTTP API endpoint to answer with problem+json (the <c>/api/v1</c> group converts it).
/// </summary>
/// <param name="status">HTTP status.</param>
/// <param name="code">Switchboard error code.</param>
/// <param name="message">Detail message.</param>
/// <param name="path">JSON path of the offending field (<c>$.topic</c>, <c>$.ns</c>...), if any.</param>
public sealed class SwitchboardApiException(int status, ErrorCode code, string message, string? path = null) : Exception(message)
{
    /// <summary>JSON path of the offending field.</summary>
    public string? Path { get; } = path;

    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>Switchboard error code.</summary>
    public ErrorCode Code { get; } = code;
}

/// <summary>Helpers to read JSON bodies of the HTTP API with exact error codes.</summary>
public static class ApiJson
{
    /// <summary>Reads the request body as a JSON object (400 1001 malformed / 1008 not an object).</summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.MalformedJson, "The request body is not valid JSON.");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidEnvelope, "The request body must be a JSON object.", "$");
            }

            return doc.RootElement.Clone();
        }
    }

    /// <summary>A required string property (400 1004 missing / 1005 wrong type or length).</summary>
    public static string RequiredString(JsonElement body, string name, int maxLength = int.MaxValue)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.MissingField, $"Missing required field '{name}'.", "$." + name);
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } s || s.Length > maxLength)
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, $"Field '{name}' must be a non-empty string of at most {maxLength} characters.", "$." + name);
        }

        return s;
    }

    /// <summary>A required property of any JSON type (400 1004 when missing).</summary>
    public static JsonElement RequiredValue(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value))
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.MissingField, $"Missing required field '{name}'.", "$." + name);
        }

        return value.Clone();
    }
}
