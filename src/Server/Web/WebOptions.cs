namespace Switchboard.Server.Web;

/// <summary>
/// <c>Switchboard:Web</c>: the demo pages served from the web root and the demo sign-in endpoint
/// (<c>POST /demo/token</c>). Kept apart from <see cref="Options.SwitchboardOptions"/>: nothing here touches the protocol.
/// </summary>
public sealed class WebOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Switchboard:Web";

    /// <summary>Serve the static pages (landing page, chat, service desk) of the host's web root. Default false; the reference server's appsettings.json turns it on.</summary>
    public bool Pages { get; set; }

    /// <summary>The folder the pages are served from. Default: the host's web root (<c>{ContentRoot}/wwwroot</c>).</summary>
    public string? Root { get; set; }

    /// <summary>
    /// The folder holding <c>asyncapi.yaml</c> and <c>PROTOCOL.md</c>, served as <c>/spec/asyncapi.yaml</c> and
    /// <c>/spec/PROTOCOL.md</c> for the landing page's links. Default: a <c>spec</c> folder found at or above the content
    /// root (the repository's when run with <c>dotnet run --project src/ReferenceServer</c>); none found = not served.
    /// </summary>
    public string? SpecDirectory { get; set; }

    /// <summary>
    /// Enable <c>POST /demo/token</c>, which mints a short-lived token for any name and role (user, visitor, agent) without
    /// a password. Default false. Even when true it answers 404 unless every address the server listens on is loopback.
    /// </summary>
    public bool DemoSignIn { get; set; }

    /// <summary>Lifetime of a demo token. Default 10 minutes (the pages refresh in-band before it ends).</summary>
    public TimeSpan DemoTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
