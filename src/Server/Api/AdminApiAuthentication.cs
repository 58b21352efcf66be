using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Protocol;
using Switchboard.Server.Auth;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Api;

/// <summary>
/// ASP.NET Core authentication and authorization of the <c>/api/v1</c> group: the <see cref="SchemeName"/> scheme reads
/// <c>Authorization: Bearer &lt;token&gt;</c> and validates it with the same <see cref="TokenService"/> as the WebSocket
/// handshake; the <see cref="PolicyName"/> policy requires role <c>admin</c> and a <c>ns</c> claim that allows the route's
/// namespace. Failures answer with the spec's problem+json bodies: 401 with code 2001/2002/2003 (SB-API-001), 403 with
/// 2004 (role) or 2005 (namespace).
/// </summary>
/// <remarks>
/// A small handler rather than JwtBearer: the admin credential is the same HS256 token the WebSocket endpoints take, and
/// TokenService already implements the spec's rules for it (which failure is TOKEN_MISSING, TOKEN_INVALID or
/// TOKEN_EXPIRED, claim types, the <c>sub</c> format, no clock skew, the server's <see cref="TimeProvider"/>). JwtBearer
/// would validate the same token a second way, with its own skew and error classification to map back to codes.
/// Only the policy names the scheme; requests to other endpoints are not judged by it (see HandleAuthenticateAsync).
/// </remarks>
public static class AdminApiAuthentication
{
    /// <summary>The authentication scheme name.</summary>
    public const string SchemeName = "SwitchboardAdminBearer";

    /// <summary>The authorization policy of the <c>/api/v1</c> group.</summary>
    public const string PolicyName = "SwitchboardAdminApi";

    /// <summary>The <c>HttpContext.Items</c> key of the authenticated <see cref="UserIdentity"/>.</summary>
    public const string UserItemKey = "switchboard.user";

    private const string FailureItemKey = "switchboard.auth-failure";

    internal static AuthorizationPolicy Policy { get; } = new AuthorizationPolicyBuilder(SchemeName)
        .RequireAuthenticatedUser()
        .AddRequirements(new AdminApiRequirement())
        .Build();

    /// <summary>The reason recorded for the 401/403 answer.</summary>
    internal sealed record Failure(ErrorCode Code, string Detail);

    internal static void SetFailure(HttpContext http, ErrorCode code, string detail) => http.Items[FailureItemKey] = new Failure(code, detail);

    internal static Failure? GetFailure(HttpContext http) => http.Items[FailureItemKey] as Failure;
}

/// <summary>Authenticates the admin bearer token with <see cref="TokenService"/>; answers challenges and forbids as problem+json.</summary>
internal sealed class AdminBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private readonly ILogger _log = loggerFactory.CreateLogger<AdminBearerHandler>();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // ASP.NET Core makes a sole registered scheme the default, so UseAuthentication may call this for every request of
        // the host: only the endpoints that carry the admin policy are ours to judge.
        if (Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == AdminApiAuthentication.PolicyName) != true)
        {
            return AuthenticateResult.NoResult();
        }

        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var result = await tokens.ValidateAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var code = result.Error!.Value;
            AdminApiAuthentication.SetFailure(Context, code, code == ErrorCode.TokenMissing ? "An admin bearer token is required." : result.Message ?? "Unauthorized.");
            Log.ApiRejected(_log, 401, (int)code, result.Message ?? string.Empty);
            return AuthenticateResult.Fail(result.Message ?? "Unauthorized.");
        }

        var user = result.User!;
        Context.Items[AdminApiAuthentication.UserItemKey] = user;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, user.Role),
        };
        var identity = new ClaimsIdentity(claims, Scheme.Name);
        var principal = new ClaimsPrincipal(identity);
        Context.Features.Set(result); // the namespace check of the policy needs the token's ns claim
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = AdminApiAuthentication.GetFailure(Context) ?? new AdminApiAuthentication.Failure(ErrorCode.TokenMissing, "An admin bearer token is required.");
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, failure.Code, failure.Detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var failure = AdminApiAuthentication.GetFailure(Context) ?? new AdminApiAuthentication.Failure(ErrorCode.Forbidden, "Forbidden.");
        return ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, failure.Code, failure.Detail);
    }
}

/// <summary>Role <c>admin</c>, and a <c>ns</c> claim that allows the route's <c>{ns}</c> (when the route has one).</summary>
internal sealed class AdminApiRequirement : IAuthorizationRequirement;

/// <summary>Checks <see cref="AdminApiRequirement"/> and records which rule failed for the 403 body.</summary>
internal sealed class AdminApiRequirementHandler(ILogger<AdminApiRequirementHandler> logger) : AuthorizationHandler<AdminApiRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminApiRequirement requirement)
    {
        if (context.Resource is not HttpContext http || http.Items[AdminApiAuthentication.UserItemKey] is not UserIdentity user
            || http.Features.Get<AccessTokenResult>() is not { } token)
        {
            return Task.CompletedTask; // not authenticated by our scheme: the policy challenges
        }

        if (!user.IsInRole(Roles.Admin))
        {
            Log.ApiRejected(logger, 403, (int)ErrorCode.Forbidden, "role is not admin");
            AdminApiAuthentication.SetFailure(http, ErrorCode.Forbidden, $"Role '{user.Role}' may not use the backend API.");
            context.Fail(new AuthorizationFailureReason(this, "role is not admin"));
            return Task.CompletedTask;
        }

        if (http.Request.RouteValues.TryGetValue("ns", out var nsValue) && nsValue is string ns && Namespaces.IsKnown(ns) && !token.AllowsNamespace(ns))
        {
            Log.ApiRejected(logger, 403, (int)ErrorCode.NamespaceForbidden, "ns claim excludes the namespace");
            AdminApiAuthentication.SetFailure(http, ErrorCode.NamespaceForbidden, $"The token's ns claim does not allow namespace '{ns}'.");
            context.Fail(new AuthorizationFailureReason(this, "ns claim excludes the namespace"));
            return Task.CompletedTask;
        }

        context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>Converts <see cref="SwitchboardApiException"/> thrown by an <c>/api/v1</c> endpoint to problem+json.</summary>
internal sealed class ApiExceptionFilter(ILogger<ApiExceptionFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
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
