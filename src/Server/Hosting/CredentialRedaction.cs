using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Server.Hosting;

/// <summary>
/// SB-AUTH-020: takes the <c>access_token</c> query parameter out of every request before anything can log it.
/// ASP.NET Core's hosting diagnostics log "Request starting ... ?query" before the first middleware runs, so the
/// redaction happens one step earlier, in a decorator of the server (<see cref="IServer"/>) that rewrites the
/// request's query string and raw target to <c>access_token=REDACTED</c> and keeps the real value in
/// <see cref="RequestCredentialsFeature"/> for <see cref="RequestCredentials.GetToken"/>.
/// </summary>
internal static class CredentialRedaction
{
    /// <summary>The query parameter that carries a token (SB-AUTH-001).</summary>
    public const string QueryParameter = "access_token";

    /// <summary>What replaces the token's value in the query string seen by the rest of the pipeline.</summary>
    public const string Placeholder = "REDACTED";

    /// <summary>Wraps the registered <see cref="IServer"/> (Kestrel) with the redacting decorator.</summary>
    public static void DecorateServer(IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IServer));
        if (inner is null || inner.ImplementationType == typeof(RedactingServer))
        {
            return;
        }

        services.Remove(inner);
        services.AddSingleton<IServer>(sp => new RedactingServer(inner.ImplementationInstance as IServer
            ?? inner.ImplementationFactory?.Invoke(sp) as IServer
            ?? (IServer)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!)));
    }

    /// <summary>
    /// Removes every <c>access_token</c> value from <paramref name="queryString"/> (a <c>?a=b&amp;c=d</c> string).
    /// Returns the rewritten query and the decoded token values joined with a comma (as <see cref="IQueryCollection"/>
    /// would present them), or null when the query has none.
    /// </summary>
    public static (string Query, string? Token) Redact(string queryString)
    {
        if (queryString.Length < 2 || queryString.IndexOf(QueryParameter, StringComparison.OrdinalIgnoreCase) < 0 && !queryString.Contains('%', StringComparison.Ordinal))
        {
            return (queryString, null);
        }

        var rewritten = new StringBuilder(queryString.Length);
        string? token = null;
        foreach (var segment in queryString.AsSpan(1).ToString().Split('&'))
        {
            rewritten.Append(rewritten.Length == 0 ? '?' : '&');
            var equals = segment.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? segment : segment[..equals]);
            if (!string.Equals(key, QueryParameter, StringComparison.OrdinalIgnoreCase))
            {
                rewritten.Append(segment);
                continue;
            }

            var value = equals < 0 ? string.Empty : Decode(segment[(equals + 1)..]);
            token = token is null ? value : token + "," + value;
            rewritten.Append(QueryParameter).Append('=').Append(Placeholder);
        }

        return (rewritten.ToString(), token);
    }

    private static string Decode(string component) => Uri.UnescapeDataString(component.Replace('+', ' '));

    private static void RedactRequest(IFeatureCollection features)
    {
        var request = features.Get<IHttpRequestFeature>();
        string? token = null;
        if (request is not null)
        {
            var (query, found) = Redact(request.QueryString);
            if (found is not null)
            {
                token = found;
                request.QueryString = query;
                var questionMark = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
                if (questionMark >= 0)
                {
                    request.RawTarget = request.RawTarget[..questionMark] + query;
                }
            }
        }

        // Always set: servers reuse feature collections across requests on a keep-alive connection.
        features.Set(token is null ? null : new RequestCredentialsFeature(token));
    }

    private sealed class RedactingServer(IServer inner) : IServer
    {
        public IFeatureCollection Features => inner.Features;

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
            => inner.StartAsync(new RedactingApplication<TContext>(application), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingApplication<TContext>(IHttpApplication<TContext> inner) : IHttpApplication<TContext>
        where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures)
        {
            RedactRequest(contextFeatures);
            return inner.CreateContext(contextFeatures);
        }

        public Task ProcessRequestAsync(TContext context) => inner.ProcessRequestAsync(context);

        public void DisposeContext(TContext context, Exception? exception) => inner.DisposeContext(context, exception);
    }
}

/// <summary>The <c>access_token</c> query value of the current request, moved out of the query string.</summary>
/// <param name="QueryToken">The decoded value.</param>
internal sealed record RequestCredentialsFeature(string QueryToken);

/// <summary>Reads the request's token (SB-AUTH-001).</summary>
internal static class RequestCredentials
{
    /// <summary>The <c>Authorization: Bearer</c> token when present (it wins), else the <c>access_token</c> query value.</summary>
    public static string? GetToken(HttpContext http, bool allowQuery = true)
    {
        ArgumentNullException.ThrowIfNull(http);
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (!allowQuery)
        {
            return null;
        }

        return http.Features.Get<RequestCredentialsFeature>()?.QueryToken ?? http.Request.Query[CredentialRedaction.QueryParameter].ToString();
    }
}
