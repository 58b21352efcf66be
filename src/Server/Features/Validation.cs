using System.Text.RegularExpressions;

namespace Switchboard.Server.Features;

/// <summary>Identifier patterns of the contract.</summary>
public static partial class Validation
{
    /// <summary>User ids: 1-64 chars <c>[A-Za-z0-9_.@-]</c>.</summary>
    public static bool IsUserId(string? value) => value is not null && UserIdPattern().IsMatch(value);

    /// <summary>Room names: 1-64 chars <c>[A-Za-z0-9_.:-]</c>.</summary>
    public static bool IsRoom(string? value) => value is not null && RoomPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9_.@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex RoomPattern();
}
