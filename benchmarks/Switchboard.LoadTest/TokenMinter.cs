using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Switchboard.LoadTest;

/// <summary>Mints Switchboard access tokens (JWT HS256 signed with the server's signing key, raw UTF-8, &gt;= 32 bytes).</summary>
internal sealed class TokenMinter
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials credentials;
    private readonly string role;

    /// <summary>Initializes a new instance of the <see cref="TokenMinter"/> class.</summary>
    /// <param name="signingKey">The server's signing key.</param>
    /// <param name="role">The <c>role</c> claim of every token.</param>
    public TokenMinter(string signingKey, string role = "user")
    {
        var bytes = Encoding.UTF8.GetBytes(signingKey);
        if (bytes.Length < 32)
        {
            throw new ArgumentException("the signing key must be at least 32 bytes (raw UTF-8)", nameof(signingKey));
        }

        credentials = new SigningCredentials(new SymmetricSecurityKey(bytes), SecurityAlgorithms.HmacSha256);
        this.role = role;
    }

    /// <summary>Mints a token for <paramref name="user"/>, valid for 2 hours.</summary>
    /// <param name="user">The <c>sub</c> claim.</param>
    /// <returns>The compact JWT.</returns>
    public string Mint(string user)
    {
        var now = Clock.Time.GetUtcNow();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sub"] = user,
                ["name"] = user,
                ["role"] = role,
            },
            IssuedAt = now.UtcDateTime,
            Expires = now.AddHours(2).UtcDateTime,
            SigningCredentials = credentials,
        });
    }
}
