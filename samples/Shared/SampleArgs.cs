using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Switchboard.Samples;

/// <summary>Command-line settings shared by the samples.</summary>
internal sealed class SampleArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public SampleArgs(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var key = args[i][2..];
                var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
                _values[key] = value;
            }
        }
    }

    public string? this[string key] => _values.TryGetValue(key, out var v) ? v : Environment.GetEnvironmentVariable("SWITCHBOARD_" + key.Replace('-', '_').ToUpperInvariant());

    public Uri Url => new(this["url"] ?? "http://127.0.0.1:8080");

    public string Namespace => this["ns"] ?? "web";

    public bool Has(string key) => this[key] is not null;

    /// <summary>
    /// The token: <c>--token</c> (e.g. from <c>dotnet run --project src/ReferenceServer -- token --user alice</c>), or minted
    /// here from <c>--user</c>, <c>--role</c> and the server's <c>--signing-key</c> (development only).
    /// </summary>
    public string Token(string defaultRole)
    {
        if (this["token"] is { } token)
        {
            return token;
        }

        var user = this["user"] ?? throw new ArgumentException("Pass --token <jwt>, or --user <id> with --signing-key <server key>.");
        var key = this["signing-key"] ?? throw new ArgumentException("Pass --signing-key <server key> (or --token <jwt>).");
        return DevToken.Mint(key, user, this["role"] ?? defaultRole, this["name"], TimeSpan.FromHours(1));
    }
}

/// <summary>Mints HS256 tokens the way the spec describes for test suites (development only: the key must stay on the server).</summary>
internal static class DevToken
{
    public static string Mint(string signingKey, string user, string role, string? name, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8.ToArray());
        var claims = new Dictionary<string, object> { ["sub"] = user, ["role"] = role, ["iat"] = now, ["exp"] = now + (long)lifetime.TotalSeconds };
        if (name is not null)
        {
            claims["name"] = name;
        }

        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Encode(signature);
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
