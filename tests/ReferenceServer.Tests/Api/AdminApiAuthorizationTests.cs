using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Api;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Api;

/// <summary>
/// The admin HTTP API is guarded by ASP.NET Core authentication and an authorization policy (issue 10), not by code of
/// its own; the problem+json bodies stay those of the spec (HttpVectorConformanceTests replays spec/vectors/http).
/// </summary>
public sealed class AdminApiAuthorizationTests
{
    [Fact]
    public async Task Every_api_v1_endpoint_requires_the_admin_policy_and_other_endpoints_are_not_judged_by_its_scheme()
    {
        await using var host = await TestServerHost.StartAsync(o => o.MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Information);
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.Contains(e.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == AdminApiAuthentication.PolicyName));

        var schemes = host.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.NotNull(await schemes.GetSchemeAsync(AdminApiAuthentication.SchemeName));

        // Another endpoint of the host with a bad bearer token: not the admin scheme's business (no 401, nothing logged).
        using var http = host.CreateHttpClient("not-a-jwt");
        var health = await http.GetAsync(new Uri("health", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain(host.Logs, l => l.Contains("[400] HTTP API request rejected", StringComparison.Ordinal));

        // The same token on the API is judged: 401, logged.
        var api = await http.GetAsync(new Uri("api/v1/namespaces/web/online", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains(host.Logs, l => l.Contains("[400] HTTP API request rejected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_admin_token_for_one_namespace_is_forbidden_on_the_other_with_2005()
    {
        await using var host = await TestServerHost.StartAsync();
        using var http = host.CreateHttpClient(host.MintToken("ops", "admin", namespaces: ["web"]));
        var ok = await http.GetAsync(new Uri("api/v1/namespaces/web/online", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        var forbidden = await http.GetAsync(new Uri("api/v1/namespaces/app/online", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":2005", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
