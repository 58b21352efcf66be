using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using WireProblemDetails = Switchboard.Protocol.ProblemDetails;

namespace Switchboard.Server.Hosting;

/// <summary>
/// RFC 7807 problem+json responses (the generated <see cref="WireProblemDetails"/>) carrying the Switchboard error <c>code</c> (int) and <c>error</c> (name).
/// </summary>
public static class ApiProblems
{
    /// <summary>The media type of every error response (SB-API-002).</summary>
    public const string ContentType = "application/problem+json";

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
        var problem = new WireProblemDetails
        {
            Type = "urn:switchboard:error:" + name,
            Title = name,
            Status = status,
            Detail = detail,
            Code = (int)code,
            Error = name,
            Path = path,
        };
        return Results.Json(problem, SwitchboardJsonContext.Default.ProblemDetails, ContentType, status);
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

/// <summary>
/// Reads JSON request bodies of the HTTP API into the generated request types (<c>PushRequest</c>,
/// <c>CreateWorkOrderRequest</c>...) with the exact error codes of SB-API-015: 1001 not valid JSON, 1008 not an
/// object, then per property in schema order 1004 missing (or <c>null</c>) and 1005 wrong type or enum value, with
/// the path rooted at the body (<c>$.topic</c>). Range/length/pattern rules are checked by the endpoints.
/// </summary>
public static class ApiJson
{
    /// <summary>Reads and validates the request body as <typeparamref name="T"/> using the generated metadata.</summary>
    /// <typeparam name="T">A generated request type.</typeparam>
    /// <param name="request">The HTTP request.</param>
    /// <param name="typeInfo">The type's metadata from <see cref="SwitchboardJsonContext"/>.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(typeInfo);
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
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidEnvelope, "The request body must be a JSON object.", "$");
            }

            // Schema order (the generated types declare their properties in schema order): the first problem wins.
            foreach (var property in typeInfo.Properties)
            {
                var anyValue = property.PropertyType == typeof(JsonElement);
                if (!root.TryGetProperty(property.Name, out var value) || (value.ValueKind == JsonValueKind.Null && !anyValue))
                {
                    if (property.IsRequired)
                    {
                        throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.MissingField, $"Missing required field '{property.Name}'.", "$." + property.Name);
                    }

                    continue;
                }

                if (!anyValue)
                {
                    try
                    {
                        _ = value.Deserialize(typeInfo.Options.GetTypeInfo(property.PropertyType));
                    }
                    catch (JsonException)
                    {
                        throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, $"Field '{property.Name}' has the wrong type or an invalid value.", "$." + property.Name);
                    }
                }
            }

            try
            {
                return root.Deserialize(typeInfo) ?? throw new JsonException("null body");
            }
            catch (JsonException ex)
            {
                throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, "The request body does not match the schema.", ex.Path ?? "$");
            }
        }
    }
}
