using Microsoft.Playwright;
using Switchboard.Server.Testing;
using static Microsoft.Playwright.Assertions;

namespace Switchboard.Browser.Tests;

/// <summary>Starts the real reference server with the repository's web root and the demo sign-in, and opens pages.</summary>
public abstract class PageTestBase(BrowserFixture browser) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    protected TestServerHost Server { get; set; } = null!;

    protected string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "switchboard-browser-" + Guid.NewGuid().ToString("N"));

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string WebRoot => Path.Combine(RepoRoot, "src", "ReferenceServer", "wwwroot");

    /// <summary>Screenshots land next to the test binaries: bin/Release/net10.0/screenshots/*.png.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        Server = await StartServerAsync(port: 0);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected Task<TestServerHost> StartServerAsync(int port) => TestServerHost.StartAsync(o =>
    {
        o.Port = port;
        o.DataDirectory = DataDirectory;
        o.Settings["Switchboard:Web:Root"] = WebRoot;
        o.Settings["Switchboard:Web:DemoSignIn"] = "true";
    });

    /// <summary>A page in its own browser context (own storage, like another person's browser).</summary>
    protected async Task<IPage> NewPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Console.WriteLine($"[browser console] {message.Text}");
            }
        };
        return page;
    }

    /// <summary>Opens <paramref name="path"/>, signs in as <paramref name="name"/> and waits until the client is connected.</summary>
    protected async Task<IPage> SignInAsync(string path, string name)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(new Uri(Server.BaseUri, path).ToString());
        await page.Locator("#name").FillAsync(name);
        await page.Locator("#signin-form button").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        return page;
    }

    protected static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Protocol.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Protocol.sln not found above " + AppContext.BaseDirectory);
    }
}
