using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Switchboard.Conformance.Core;

/// <summary>
/// Mints HS256 JWTs with the server's signing key, as the spec's token section describes: claims
/// <c>sub</c>, <c>name</c>, <c>role</c>, <c>exp</c>, <c>iat</c>, optional <c>ns</c> array. Valid tokens go through
/// <see cref="JsonWebTokenHandler"/> (a standard library, so we do not test against our own encoder); deliberately
/// broken tokens are assembled by hand.
/// </summary>
public sealed class TokenFactory
{
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates a factory.</summary>
    public TokenFactory(string signingKey, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingKey);
        _key = Encoding.UTF8.GetBytes(signingKey);
        _time = time;
    }

    /// <summary>Mints a valid token.</summary>
    /// <param name="sub">User id.</param>
    /// <param name="role">Role claim (<c>user</c>, <c>visitor</c>, <c>agent</c>, <c>admin</c>), or null to omit.</param>
    /// <param name="name">Display name, or null to omit.</param>
    /// <param name="namespaces">Allowed namespaces (<c>ns</c> claim), or null to omit.</param>
    /// <param name="lifetime">Lifetime from now (negative = already expired). Defaults to one hour.</param>
    public string Mint(string sub, string? role = "user", string? name = null, IReadOnlyList<string>? namespaces = null, TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow();
        var exp = now + (lifetime ?? TimeSpan.FromHours(1));
        var claims = new Dictionary<string, object> { ["sub"] = sub };
        if (role is not null)
        {
            claims["role"] = role;
        }

        if (name is not null)
        {
            claims["name"] = name;
        }

        if (namespaces is not null)
        {
            claims["ns"] = namespaces.ToArray();
        }

        var issuedAt = exp < now ? exp - TimeSpan.FromHours(1) : now;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = issuedAt.UtcDateTime,
            Expires = exp.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_key), SecurityAlgorithms.HmacSha256),
        };
        return _handler.CreateToken(descriptor);
    }

    /// <summary>A well-formed token signed with a different key.</summary>
    public string MintWithWrongKey(string sub)
    {
        var other = new TokenFactory("this-is-not-the-servers-signing-key-0123456789", _time);
        return other.Mint(sub);
    }

    /// <summary>A signed token with an arbitrary payload (for missing-claim / bad-claim cases).</summary>
    public string MintRaw(JsonObject payload, string alg = "HS256")
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        var h = Base64UrlEncoder.Encode(header.ToJsonString());
        var p = Base64UrlEncoder.Encode(payload.ToJsonString());
        var signingInput = $"{h}.{p}";
        if (alg == "none")
        {
            return signingInput + ".";
        }

        var sig = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64UrlEncoder.Encode(sig)}";
    }

    /// <summary>Seconds since the Unix epoch for <paramref name="offset"/> from now.</summary>
    public long UnixTime(TimeSpan offset) => (_time.GetUtcNow() + offset).ToUnixTimeSeconds();
}
