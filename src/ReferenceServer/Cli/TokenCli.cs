using Switchboard.Protocol;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Server.Auth;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;

namespace Switchboard.ReferenceServer.Cli;

/// <summary>
/// The <c>token</c> verb: mints an HS256 access token with the server's signing key (configured, or the one kept in
/// the data directory — created if needed) and prints it to standard output.
/// <code>dotnet run --project src/ReferenceServer -- token --user alice [--role agent] [--name Alice] [--ns web] [--ttl 1h] [--data-dir ./data]</code>
/// </summary>
public static class TokenCli
{
    /// <summary>The verb name.</summary>
    public const string Verb = "token";

    /// <summary>Runs the verb; returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? user = null, name = null, role = Roles.User;
        TimeSpan? ttl = null;
        List<string>? namespaces = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            try
            {
                switch (args[i])
                {
                    case "--user" or "-u": user = Value(); break;
                    case "--name": name = Value(); break;
                    case "--role" or "-r": role = Value(); break;
                    case "--ns": (namespaces ??= []).AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                    case "--ttl": ttl = ParseDuration(Value()); break;
                    case "--help" or "-h": stdout.WriteLine(Usage); return Task.FromResult(0);
                    default: rest.Add(args[i]); break;
                }
            }
            catch (FormatException ex)
            {
                stderr.WriteLine(ex.Message);
                stderr.WriteLine(Usage);
                return Task.FromResult(2);
            }
        }

        if (user is null || !Switchboard.Server.Features.Validation.IsUserId(user))
        {
            stderr.WriteLine("--user is required (1-64 chars [A-Za-z0-9_.@-]).");
            stderr.WriteLine(Usage);
            return Task.FromResult(2);
        }

        if (!Roles.IsKnown(role))
        {
            stderr.WriteLine("--role must be user, visitor, agent or admin.");
            return Task.FromResult(2);
        }

        if (namespaces is not null && namespaces.Any(n => !Namespaces.IsKnown(n)))
        {
            stderr.WriteLine("--ns must be web and/or app.");
            return Task.FromResult(2);
        }

        var builder = ReferenceServerHost.CreateBuilder([.. rest]);
        builder.Logging.ClearProviders();
        using var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<SwitchboardOptions>>().Value;
        var tokens = app.Services.GetRequiredService<TokenService>();
        stdout.WriteLine(tokens.Mint(user, role!, ttl ?? options.Auth.DefaultTokenLifetime, name, namespaces));
        return Task.FromResult(0);
    }

    /// <summary>Usage text.</summary>
    public const string Usage = "usage: token --user <id> [--role user|visitor|agent|admin] [--name <display name>] [--ns web[,app]] [--ttl 1h|30m|90s|7d|hh:mm:ss] [--data-dir <dir>] [--Switchboard:Auth:SigningKey=<key>]";

    /// <summary>Parses <c>500ms</c>, <c>90s</c>, <c>30m</c>, <c>1h</c>, <c>7d</c> or a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        (string Suffix, double Factor)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return TimeSpan.FromSeconds(n * factor);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var ts) ? ts : throw new FormatException($"Invalid duration '{text}'.");
    }
}
