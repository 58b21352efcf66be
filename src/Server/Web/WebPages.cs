using Switchboard.Protocol;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Switchboard.Server.Auth;
using Switchboard.Server.Features;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Web;

/// <summary>
/// The browser side of the reference server: static pages from the web root (<c>GET /</c> = the landing page) and the
/// demo sign-in endpoint. The pages use the TypeScript client (src/client-ts) bundled into <c>wwwroot/js</c>.
/// </summary>
public static partial class WebPages
{
    /// <summary>The demo sign-in path.</summary>
    public const string DemoTokenPath = "/demo/token";

    /// <summary>Maps the static files and <c>POST /demo/token</c> per <see cref="WebOptions"/>.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Configuration.GetSection(WebOptions.Section).Get<WebOptions>() ?? new WebOptions();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchboard.ReferenceServer.Web");
        if (options.Pages)
        {
            var root = options.Root is { Length: > 0 } configured
                ? Path.GetFullPath(configured, app.Environment.ContentRootPath)
                : app.Environment.WebRootPath ?? Path.Combine(app.Environment.ContentRootPath, "wwwroot");
            if (Directory.Exists(root))
            {
                var files = new PhysicalFileProvider(root);
                app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
                app.UseStaticFiles(new StaticFileOptions
                {
                    FileProvider = files,
                    // Pages and bundles change with the server version; make browsers revalidate instead of caching stale code.
                    OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
                });
            }
            else
            {
                LogNoWebRoot(logger, root);
            }
        }

        if (options.Pages && FindSpecDirectory(options, app.Environment.ContentRootPath) is { } spec)
        {
            // Fixed names only (no path from the request): the spec the pages link to, shown as text.
            foreach (var file in SpecFiles)
            {
                var path = Path.Combine(spec, file);
                app.MapGet("/spec/" + file, () => Results.File(path, "text/plain; charset=utf-8"));
            }
        }

        if (options.DemoSignIn)
        {
            app.MapPost(DemoTokenPath, (HttpContext http, TokenService tokens, IServer server) => MintDemoTokenAsync(http, tokens, server, options));
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var addresses = ListenAddresses(app.Services.GetRequiredService<IServer>());
                if (AllLoopback(addresses))
                {
                    LogDemoSignInOn(logger, DemoTokenPath);
                }
                else
                {
                    LogDemoSignInRefused(logger, string.Join(", ", addresses));
                }
            });
        }
    }

    private static async Task<IResult> MintDemoTokenAsync(HttpContext http, TokenService tokens, IServer server, WebOptions options)
    {
        // Refuse unless the server can only be reached from this machine: a demo token needs no password.
        if (!AllLoopback(ListenAddresses(server)))
        {
            return Results.NotFound();
        }

        DemoTokenRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync(WebJsonContext.Default.DemoTokenRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Results.Problem(statusCode: 400, title: "The body must be JSON: {\"user\": \"alice\", \"name\": \"Alice\", \"role\": \"user\"}.");
        }

        if (request?.User is not { } user || !Validation.IsUserId(user))
        {
            return Results.Problem(statusCode: 400, title: "user must be 1-64 characters of [A-Za-z0-9_.@-].");
        }

        var role = request.Role ?? Roles.User;
        if (role is not (Roles.User or Roles.Visitor or Roles.Agent))
        {
            return Results.Problem(statusCode: 400, title: "role must be user, visitor or agent (no admin tokens from the demo sign-in).");
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? user : request.Name.Trim();
        if (name.Length > 64)
        {
            return Results.Problem(statusCode: 400, title: "name must be at most 64 characters.");
        }

        http.Response.Headers.CacheControl = "no-store";
        var token = tokens.Mint(user, role, options.DemoTokenLifetime, name);
        return Results.Json(new DemoTokenResponse(token, (long)options.DemoTokenLifetime.TotalSeconds), WebJsonContext.Default.DemoTokenResponse);
    }

    private static readonly string[] SpecFiles = ["asyncapi.yaml", "PROTOCOL.md"];

    private static string? FindSpecDirectory(WebOptions options, string contentRoot)
    {
        if (options.SpecDirectory is { Length: > 0 } configured)
        {
            var full = Path.GetFullPath(configured, contentRoot);
            return SpecFiles.All(f => File.Exists(Path.Combine(full, f))) ? full : null;
        }

        var dir = new DirectoryInfo(contentRoot);
        for (var i = 0; dir is not null && i < 4; i++, dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "spec");
            if (SpecFiles.All(f => File.Exists(Path.Combine(candidate, f))))
            {
                return candidate;
            }
        }

        return null;
    }

    private static IReadOnlyList<string> ListenAddresses(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>Whether every listen address is a loopback address (127.0.0.0/8, ::1, localhost); false for none or a wildcard.</summary>
    public static bool AllLoopback(IReadOnlyCollection<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return addresses.Count > 0 && addresses.All(IsLoopback);
    }

    private static bool IsLoopback(string address)
    {
        // Kestrel reports "http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080", "http://[::]:8080",
        // "http://0.0.0.0:8080", "http://*:8080", "http://+:8080".
        var rest = address.Contains("://", StringComparison.Ordinal) ? address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..] : address;
        string host;
        if (rest.StartsWith('['))
        {
            var end = rest.IndexOf(']', StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            host = rest[1..end];
        }
        else
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var stop = colon >= 0 ? colon : slash >= 0 ? slash : rest.Length;
            host = rest[..stop];
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "No web root at {Root}: the pages are not served.")]
    private static partial void LogNoWebRoot(ILogger logger, string root);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Demo sign-in is on at POST {Path}: anyone who can reach this machine's loopback interface can get a token for any name (Switchboard:Web:DemoSignIn).")]
    private static partial void LogDemoSignInOn(ILogger logger, string path);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Demo sign-in is configured but refused (404): the server listens on {Addresses}, not on loopback only.")]
    private static partial void LogDemoSignInRefused(ILogger logger, string addresses);
}

/// <summary>Body of <c>POST /demo/token</c>.</summary>
/// <param name="User">The user id (<c>sub</c>).</param>
/// <param name="Name">The display name (default = user id).</param>
/// <param name="Role">user (default), visitor or agent.</param>
public sealed record DemoTokenRequest(string? User, string? Name, string? Role);

/// <summary>Answer of <c>POST /demo/token</c>.</summary>
/// <param name="Token">The HS256 access token.</param>
/// <param name="ExpiresIn">Lifetime in seconds.</param>
public sealed record DemoTokenResponse(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);

/// <summary>Source-generated JSON for the demo sign-in (no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DemoTokenRequest))]
[JsonSerializable(typeof(DemoTokenResponse))]
internal sealed partial class WebJsonContext : JsonSerializerContext;
