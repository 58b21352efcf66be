using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;

namespace Switchboard.Server.Auth;

/// <summary>
/// Mints and validates the HS256 access tokens of the contract (claims <c>sub</c>, <c>name</c>, <c>role</c>,
/// <c>exp</c>, <c>iat</c>, optional <c>ns</c> array). Expiry is checked against the server's <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class TokenService
{
    private readonly SymmetricSecurityKey _key;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly TimeSpan _skew;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    /// <summary>Creates the service from the signing key.</summary>
    public TokenService(SigningKeyProvider keyProvider, TimeProvider timeProvider, IOptions<SwitchboardOptions> options)
    {
        ArgumentNullException.ThrowIfNull(keyProvider);
        ArgumentNullException.ThrowIfNull(options);
        _key = new SymmetricSecurityKey(keyProvider.KeyBytes);
        _credentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256);
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _skew = options.Value.Auth.ClockSkew;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
        };
    }

    /// <summary>Mints a token.</summary>
    /// <param name="userId">The <c>sub</c> claim.</param>
    /// <param name="role">The <c>role</c> claim (<c>user</c>, <c>visitor</c>, <c>agent</c>, <c>admin</c>).</param>
    /// <param name="lifetime">Time until <c>exp</c> (may be negative to mint an already expired token for tests).</param>
    /// <param name="name">The <c>name</c> claim (omitted when null).</param>
    /// <param name="namespaces">The <c>ns</c> claim (omitted when null = both namespaces).</param>
    public string Mint(string userId, string role, TimeSpan lifetime, string? name = null, IReadOnlyCollection<string>? namespaces = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(role);
        var now = _time.GetUtcNow();
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = userId,
            ["role"] = role,
        };
        if (name is not null)
        {
            claims["name"] = name;
        }

        if (namespaces is not null)
        {
            claims["ns"] = namespaces.ToArray();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            Expires = now.Add(lifetime).UtcDateTime,
            SigningCredentials = _credentials,
        };
        return _handler.CreateToken(descriptor);
    }

    /// <summary>Validates a token (signature, algorithm, claims, expiry).</summary>
    public async ValueTask<AccessTokenResult> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return AccessTokenResult.Fail(ErrorCode.TokenMissing, "No access token was provided.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token is malformed.");
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token is invalid (signature or format).");
        }

        // SB-AUTH-004: exp (required) and nbf (optional) are NumericDates (RFC 7519 section 2): JSON numbers, read from the
        // payload itself so that a string, a boolean or a value beyond the representable range is "token invalid",
        // never a conversion that accepts "123" or throws (exp = 2^62 used to escape as HTTP 500).
        using var payload = ParsePayload(jwt);
        if (payload is null)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token's payload is not a JSON object.");
        }

        var (expState, exp) = ReadNumericDate(payload.RootElement, "exp");
        if (expState != ClaimState.Valid)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, expState == ClaimState.Absent
                ? "The access token has no exp claim."
                : "The access token's exp claim is not a NumericDate in range.");
        }

        var (nbfState, nbf) = ReadNumericDate(payload.RootElement, "nbf");
        if (nbfState == ClaimState.Invalid)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token's nbf claim is not a NumericDate in range.");
        }

        var subject = jwt.TryGetPayloadValue<string>("sub", out var sub) ? sub : null;
        if (subject is null || !UserIdPattern().IsMatch(subject))
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token's sub claim is missing or invalid.");
        }

        var role = jwt.TryGetPayloadValue<string>("role", out var r) ? r : Roles.User;
        if (!Roles.IsKnown(role))
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token's role claim is not a known role.");
        }

        var name = jwt.TryGetPayloadValue<string>("name", out var n) && !string.IsNullOrEmpty(n) ? n : subject;
        if (!TryReadNamespaces(payload.RootElement, out var namespaces))
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token's ns claim must be an array of namespace names.");
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
        var now = _time.GetUtcNow();
        if (nbfState == ClaimState.Valid && DateTimeOffset.FromUnixTimeSeconds(nbf) > now + _skew)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenInvalid, "The access token is not valid yet (nbf).");
        }

        var user = new UserIdentity(subject, name!, role!);
        if (expiresAt + _skew <= now)
        {
            return AccessTokenResult.Fail(ErrorCode.TokenExpired, CloseReasons.TokenExpired, user);
        }

        return new AccessTokenResult(true, null, null, user, expiresAt, namespaces);
    }

    /// <summary>
    /// Reads the <c>ns</c> claim from the payload: absent = null (both namespaces); an array of namespace names =
    /// that list, where an empty array allows no namespace (SB-AUTH-009: <c>[]</c> is not "absent"); anything else
    /// is invalid. Read from the JSON itself because the claim list flattens arrays and an empty array leaves no claim.
    /// </summary>
    private static bool TryReadNamespaces(JsonElement payload, out List<string>? namespaces)
    {
        namespaces = null;
        if (!payload.TryGetProperty("ns", out var ns))
        {
            return true;
        }

        if (ns.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        namespaces = [];
        foreach (var item in ns.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { } name || !Namespaces.IsKnown(name))
            {
                return false;
            }

            namespaces.Add(name);
        }

        return true;
    }

    /// <summary>The smallest NumericDate accepted: 0001-01-01T00:00:00Z, the start of <see cref="DateTimeOffset"/>'s range.</summary>
    internal const long MinNumericDate = -62_135_596_800;

    /// <summary>The largest NumericDate accepted: 9999-12-31T23:59:59Z, the end of <see cref="DateTimeOffset"/>'s range.</summary>
    internal const long MaxNumericDate = 253_402_300_799;

    private enum ClaimState
    {
        Absent,
        Valid,
        Invalid,
    }

    private static JsonDocument? ParsePayload(JsonWebToken jwt)
    {
        try
        {
            var document = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads a NumericDate claim: a JSON number (a fraction is allowed by RFC 7519 and dropped) from year 1 to year
    /// 9999 (<see cref="MinNumericDate"/>..<see cref="MaxNumericDate"/> seconds since the epoch). Anything else
    /// (a string, a boolean, 2^62) is invalid.
    /// </summary>
    private static (ClaimState State, long Seconds) ReadNumericDate(JsonElement payload, string claim)
    {
        if (!payload.TryGetProperty(claim, out var value))
        {
            return (ClaimState.Absent, 0);
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            return (ClaimState.Invalid, 0);
        }

        if (value.TryGetInt64(out var seconds))
        {
            return seconds is >= MinNumericDate and <= MaxNumericDate ? (ClaimState.Valid, seconds) : (ClaimState.Invalid, 0);
        }

        var real = value.GetDouble();
        return real is >= MinNumericDate and <= MaxNumericDate ? (ClaimState.Valid, (long)Math.Floor(real)) : (ClaimState.Invalid, 0);
    }

    [GeneratedRegex("^[A-Za-z0-9_.@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();
}

/// <summary>The outcome of <see cref="TokenService.ValidateAsync"/>.</summary>
/// <param name="IsValid">Whether the token is valid and not expired.</param>
/// <param name="Error">The error code when invalid: 2001 missing, 2002 invalid, 2003 expired.</param>
/// <param name="Message">The failure message.</param>
/// <param name="User">The user (also set for an expired but otherwise valid token).</param>
/// <param name="ExpiresAt">The <c>exp</c> instant.</param>
/// <param name="Namespaces">The allowed namespaces (<c>ns</c> claim), or null for both.</param>
public sealed record AccessTokenResult(bool IsValid, ErrorCode? Error, string? Message, UserIdentity? User, DateTimeOffset ExpiresAt, IReadOnlyList<string>? Namespaces)
{
    internal static AccessTokenResult Fail(ErrorCode code, string message, UserIdentity? user = null) => new(false, code, message, user, default, null);

    /// <summary>Whether the token allows <paramref name="ns"/>.</summary>
    public bool AllowsNamespace(string ns) => Namespaces is null || Namespaces.Contains(ns, StringComparer.Ordinal);
}
