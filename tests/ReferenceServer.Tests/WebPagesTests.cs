using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Hosting;
using Switchboard.Server.Testing;
using Switchboard.Server.Web;

namespace Switchboard.Server.Tests;

/// <summary>The pages from the web root and the loopback-only demo sign-in (src/ReferenceServer/Web).</summary>
public sealed class WebPagesTests
{
    private static readonly string WebRoot = Path.Combine(FindRepoRoot(), "src", "ReferenceServer", "wwwroot");

    [Fact]
    public async Task Landing_page_is_served_at_the_root_and_links_the_pages()
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:Web:Root"] = WebRoot);
        using var http = host.CreateHttpClient();
        var html = await http.GetStringAsync("/");
        Assert.Contains("href=\"/chat.html\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/visitor.html\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/agent.html\"", html, StringComparison.Ordinal);
        foreach (var page in new[] { "/chat.html", "/visitor.html", "/agent.html", "/js/chat.js", "/js/visitor.js", "/js/agent.js", "/style.css" })
        {
            using var response = await http.GetAsync(page);
            Assert.True(response.IsSuccessStatusCode, $"{page}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_spec_the_landing_page_links_is_served_as_text()
    {
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:Web:Root"] = WebRoot;
            o.Settings["Switchboard:Web:SpecDirectory"] = Path.Combine(FindRepoRoot(), "spec");
        });
        using var http = host.CreateHttpClient();
        var html = await http.GetStringAsync("/");
        Assert.Contains("href=\"/spec/PROTOCOL.md\"", html, StringComparison.Ordinal);
        using var yaml = await http.GetAsync("/spec/asyncapi.yaml");
        Assert.Equal(HttpStatusCode.OK, yaml.StatusCode);
        Assert.StartsWith("text/plain", yaml.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("asyncapi:", await yaml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var protocol = await http.GetAsync("/spec/PROTOCOL.md");
        Assert.Equal(HttpStatusCode.OK, protocol.StatusCode);
        using var other = await http.GetAsync("/spec/README.md");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Demo_sign_in_is_off_by_default()
    {
        await using var host = await TestServerHost.StartAsync();
        using var http = host.CreateHttpClient();
        using var response = await http.PostAsJsonAsync(WebPages.DemoTokenPath, new { user = "alice" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Demo_sign_in_on_loopback_mints_a_short_lived_token_that_connects_with_the_chosen_name_and_role()
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:Web:DemoSignIn"] = "true");
        using var http = host.CreateHttpClient();
        using var response = await http.PostAsJsonAsync(WebPages.DemoTokenPath, new { user = "ann", name = "Ann Agent", role = "agent" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(600, body.RootElement.GetProperty("expires_in").GetInt64());
        var token = body.RootElement.GetProperty("token").GetString()!;

        await using var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", token));
        var connect = await client.ReceiveAsync();
        Assert.Equal("CONNECT", connect.Event);
        Assert.Contains("\"name\":\"Ann Agent\"", connect.Raw, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"agent\"", connect.Raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"user\":\"root\",\"role\":\"admin\"}")]
    [InlineData("{\"user\":\"bad user!\"}")]
    [InlineData("{\"role\":\"user\"}")]
    [InlineData("not json")]
    public async Task Demo_sign_in_refuses_admin_and_invalid_requests_with_400(string json)
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:Web:DemoSignIn"] = "true");
        using var http = host.CreateHttpClient();
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(WebPages.DemoTokenPath, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Demo_sign_in_is_refused_with_404_when_the_server_listens_on_a_non_loopback_address()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "switchboard-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var builder = Switchboard.ReferenceServer.ReferenceServerHost.CreateBuilder(
        [
            "--urls", "http://0.0.0.0:0", "--data-dir", dataDir, "--signing-key", TestServerHost.DefaultSigningKey,
            "--Switchboard:Web:DemoSignIn=true", "--Logging:LogLevel:Default=Warning",
        ], new Microsoft.AspNetCore.Builder.WebApplicationOptions { Args = [], ContentRootPath = dataDir, EnvironmentName = "Testing" });
        await using var app = Switchboard.ReferenceServer.ReferenceServerHost.Build(builder);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Assert.StartsWith("http://0.0.0.0:", address, StringComparison.Ordinal);
            var port = new Uri(address).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var response = await http.PostAsJsonAsync(WebPages.DemoTokenPath, new { user = "alice" });
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode); // the server itself is up: only the demo sign-in is off
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData(true, new[] { "http://127.0.0.1:8080" })]
    [InlineData(true, new[] { "http://localhost:8080", "http://[::1]:8080" })]
    [InlineData(true, new[] { "http://127.0.0.2:80/" })]
    [InlineData(false, new[] { "http://0.0.0.0:8080" })]
    [InlineData(false, new[] { "http://[::]:8080" })]
    [InlineData(false, new[] { "http://*:8080" })]
    [InlineData(false, new[] { "http://+:8080" })]
    [InlineData(false, new[] { "http://127.0.0.1:8080", "http://192.168.1.5:8080" })]
    [InlineData(false, new string[0])]
    public void Loopback_check_accepts_only_loopback_addresses(bool expected, string[] addresses) =>
        Assert.Equal(expected, WebPages.AllLoopback(addresses));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Protocol.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Protocol.sln not found");
    }
}
