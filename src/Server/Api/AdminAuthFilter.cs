using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Server.Auth;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Api;

/// <summary>
/// Endpoint filter of the <c>/api/v1</c> group: requires <c>Authorization: Bearer &lt;token&gt;</c> with role
/// <c>admin</c> (401 with code 2001/2002/2003, 403 with 2004) and converts <see cref="SwitchboardApiException"/> to
/// problem+json. The authenticated user is in <c>HttpContext.Items["switchboard.user"]</c>.
/// </summary>
public sealed class AdminAuthFilter(TokenService tokens, ILogger<AdminAuthFilter> logger) : IEndpointFilter
{
    /// <summary>The <c>HttpContext.Items</c> key of the authenticated <see cref="UserIdentity"/>.</summary>
    public const string UserItemKey = "switchboard.user";

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var result = await tokens.ValidateAsync(token, http.RequestAborted).ConfigureAwait(false);
        if (!result.IsValid)
        {
            Log.ApiRejected(logger, 401, (int)result.Error!.Value, result.Message ?? string.Empty);
            http.Response.Headers.WWWAuthenticate = "Bearer";
            var detail = result.Error == ErrorCode.TokenMissing ? "An admin bearer token is required." : result.Message ?? "Unauthorized.";
            return ApiProblems.Create(StatusCodes.Status401Unauthorized, result.Error!.Value, detail);
        }

        if (!result.User!.IsInRole(Roles.Admin))
        {
            Log.ApiRejected(logger, 403, (int)ErrorCode.Forbidden, "role is not admin");
            return ApiProblems.Create(StatusCodes.Status403Forbidden, ErrorCode.Forbidden, $"Role '{result.User.Role}' may not use the backend API.");
        }

        if (http.Request.RouteValues.TryGetValue("ns", out var nsValue) && nsValue is string ns && Namespaces.IsKnown(ns) && !result.AllowsNamespace(ns))
        {
            Log.ApiRejected(logger, 403, (int)ErrorCode.NamespaceForbidden, "ns claim excludes the namespace");
            return ApiProblems.Create(StatusCodes.Status403Forbidden, ErrorCode.NamespaceForbidden, $"The token's ns claim does not allow namespace '{ns}'.");
        }

        http.Items[UserItemKey] = result.User;
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (SwitchboardApiException ex)
        {
            Log.ApiRejected(logger, ex.Status, (int)ex.Code, ex.Message);
            return ApiProblems.Create(ex.Status, ex.Code, ex.Message, ex.Path);
        }
    }
}
