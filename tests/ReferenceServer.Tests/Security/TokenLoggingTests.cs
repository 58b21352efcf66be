using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Switchboard.Server.Hosting;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Security;

/// <summary>
/// SB-AUTH-020: no token reaches a log at any level — not from the query string (ASP.NET Core's request log), not
/// from an Authorization header, not from a REFRESH_TOKEN body — and the settings (appsettings.json) are found
/// whatever the current directory is.
/// </summary>
public sealed partial class TokenLoggingTests
{
    /// <summary>The parts of a JWS that must never appear: the whole token, its payload and its signature.</summary>
    private static IEnumerable<string> SecretParts(string token)
    {
        yield return token;
        var parts = token.Split('.');
        if (parts.Length == 3)
        {
            yield return parts[1];
            yield return parts[2];
        }
    }

    [Fact]
    public async Task No_token_reaches_any_log_at_trace_level()
    {
        var host = await TestServerHost.StartAsync(o => o.MinimumLogLevel = LogLevel.Trace);
        var secrets = new List<string>();
        try
        {
            // Query token (as browsers send it), with resume parameters around it.
            var queryToken = host.MintToken("logQuery");
            secrets.Add(queryToken);
            await using (var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", queryToken, since: 0, epoch: "x")))
            {
                Assert.Equal("CONNECT", (await client.ReceiveAsync()).Event);

                // In-band refresh: accepted, then a garbage and a foreign-subject token.
                var refresh = host.MintToken("logQuery", lifetime: TimeSpan.FromHours(2));
                var garbage = "garbage-refresh-token-0123456789abcdef";
                var foreign = host.MintToken("logSomeoneElse");
                secrets.AddRange([refresh, garbage, foreign]);
                Assert.Equal("ACK", (await client.RequestAsync("REFRESH_TOKEN", new { token = refresh })).Event);
                Assert.Equal(2002, (await client.RequestAsync("REFRESH_TOKEN", new { token = garbage })).GetInt64("code"));
                Assert.Equal(2006, (await client.RequestAsync("REFRESH_TOKEN", new { token = foreign })).GetInt64("code"));
            }

            // Bearer header on the WebSocket.
            var headerToken = host.MintToken("logHeader");
            secrets.Add(headerToken);
            await using (var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web"), configure: o => o.SetRequestHeader("Authorization", "Bearer " + headerToken)))
            {
                Assert.Equal("CONNECT", (await client.ReceiveAsync()).Event);
            }

            // Rejected tokens: garbage and expired, in the query (percent-encoded key too).
            var badQuery = "garbage-query-token-abcdef0123456789";
            var expired = host.MintToken("logExpired", lifetime: TimeSpan.FromMinutes(-5));
            secrets.AddRange([badQuery, expired]);
            await using (var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("app", badQuery)))
            {
                Assert.Equal(4401, (await client.WaitForCloseAsync()).CloseEvent!.GetInt64("code"));
            }

            var encodedKey = new UriBuilder(host.WebSocketUri("web")) { Query = "access%5Ftoken=" + expired }.Uri;
            await using (var client = await TestWebSocketClient.ConnectAsync(encodedKey))
            {
                Assert.Equal(4419, (await client.WaitForCloseAsync()).CloseEvent!.GetInt64("code"));
            }

            // HTTP: the admin API with a Bearer header, a bad one, and a token in the query of a plain request.
            var admin = host.MintToken("logAdmin", role: "admin");
            var badBearer = "garbage-bearer-token-fedcba9876543210";
            var plainQuery = host.MintToken("logPlain");
            secrets.AddRange([admin, badBearer, plainQuery]);
            using (var http = host.CreateHttpClient(admin))
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/namespaces/web/online")).StatusCode);
                using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/web/online");
                bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", badBearer);
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(bad)).StatusCode);
                Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/web?access_token=" + plainQuery)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health?access_token=" + plainQuery)).StatusCode);
            }

            // A malformed request line with a token in it (Kestrel quotes such lines in its bad-request log).
            const string badRequestLine = "garbage-request-line-token-13579";
            secrets.Add(badRequestLine);
            using (var tcp = new System.Net.Sockets.TcpClient())
            {
                await tcp.ConnectAsync(host.BaseUri.Host, host.BaseUri.Port);
                var stream = tcp.GetStream();
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /web?access_token={badRequestLine}\u0001 HTTP/1.1\r\nHost: x\r\n\r\n"));
                var buffer = new byte[1024];
                var read = await stream.ReadAsync(buffer);
                Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
            }

            // Stopping waits for every request to finish, so every "Request finished" line is written.
            await host.StopAsync();
            var logs = host.Logs;

            // The capture works: the request log is there, with the token replaced.
            Assert.Contains(logs, l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains("access_token=" + CredentialRedaction.Placeholder, StringComparison.Ordinal));
            Assert.Contains(logs, l => l.StartsWith("Trace ", StringComparison.Ordinal));
            foreach (var secret in secrets.SelectMany(SecretParts))
            {
                Assert.DoesNotContain(logs, l => l.Contains(secret, StringComparison.Ordinal));
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Started_as_a_dll_from_another_directory_the_server_loads_its_appsettings()
    {
        var serverDll = typeof(Switchboard.ReferenceServer.ReferenceServerHost).Assembly.Location;
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(serverDll)!, "appsettings.json")), "appsettings.json is next to the dll");
        var workDir = Directory.CreateTempSubdirectory("sb-cwd-").FullName;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { serverDll, "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(workDir, "data") })
        {
            start.ArgumentList.Add(arg);
        }

        // Only the appsettings.json shipped next to the dll may decide the log levels.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Switchboard__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var lines = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var authLogged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (ListeningPattern().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }

            if (e.Data.Contains("Authentication failed", StringComparison.Ordinal))
            {
                authLogged.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        try
        {
            Assert.True(process.Start());
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var baseUri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));

            const string secret = "dll-from-elsewhere-secret-token";
            using (var http = new HttpClient { BaseAddress = baseUri })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health?access_token=" + secret)).StatusCode);
            }

            // A logged authentication failure after the health request: everything logged for that request precedes it.
            using (var socket = new ClientWebSocket())
            {
                socket.Options.AddSubProtocol("switchboard.v1.json");
                await socket.ConnectAsync(new Uri($"ws://{baseUri.Authority}/web?access_token={secret}"), CancellationToken.None);
                await authLogged.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }

            string output;
            lock (lines)
            {
                output = string.Join('\n', lines);
            }

            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            // appsettings.json sets Microsoft.AspNetCore to Warning: no request log at Information.
            Assert.DoesNotContain("Microsoft.AspNetCore.Hosting.Diagnostics", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(workDir, "data", "switchboard.db")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            Directory.Delete(workDir, recursive: true);
        }
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}

/// <summary>The query rewrite that keeps tokens out of the request log.</summary>
public sealed class CredentialRedactionTests
{
    [Theory]
    [InlineData("", "", null)]
    [InlineData("?since=5&epoch=x", "?since=5&epoch=x", null)]
    [InlineData("?access_token=a.b.c", "?access_token=REDACTED", "a.b.c")]
    [InlineData("?since=1&access_token=a.b.c&epoch=e", "?since=1&access_token=REDACTED&epoch=e", "a.b.c")]
    [InlineData("?ACCESS_TOKEN=x%2By", "?access_token=REDACTED", "x+y")]
    [InlineData("?access%5Ftoken=t", "?access_token=REDACTED", "t")]
    [InlineData("?access_token=1&access_token=2", "?access_token=REDACTED&access_token=REDACTED", "1,2")]
    [InlineData("?access_token", "?access_token=REDACTED", "")]
    public void Redact_moves_every_access_token_value_out_of_the_query(string query, string expectedQuery, string? expectedToken)
        => Assert.Equal((expectedQuery, expectedToken), CredentialRedaction.Redact(query));
}
