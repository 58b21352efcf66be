namespace Switchboard.Server.Messaging;

/// <summary>
/// The authenticated user behind a connection, taken from the token claims (<c>sub</c>, <c>name</c>, <c>role</c>).
/// </summary>
/// <param name="Id">The user id (<c>sub</c> claim, 1-64 chars <c>[A-Za-z0-9_.@-]</c>).</param>
/// <param name="Name">The display name (<c>name</c> claim; defaults to <paramref name="Id"/>).</param>
/// <param name="Role">The role: one of <see cref="Roles"/> (<c>user</c> when the claim is absent).</param>
public sealed record UserIdentity(string Id, string Name, string Role)
{
    /// <summary>Whether the user has the given role (ordinal comparison).</summary>
    public bool IsInRole(string role) => string.Equals(Role, role, StringComparison.Ordinal);
}

/// <summary>The role names carried in the <c>role</c> claim.</summary>
public static class Roles
{
    /// <summary><c>user</c>: the default role (chat features).</summary>
    public const string User = "user";

    /// <summary><c>visitor</c>: a customer of the service desk.</summary>
    public const string Visitor = "visitor";

    /// <summary><c>agent</c>: a service-desk agent.</summary>
    public const string Agent = "agent";

    /// <summary><c>admin</c>: backend/administrator (HTTP API).</summary>
    public const string Admin = "admin";

    /// <summary>Whether <paramref name="role"/> is one of the four known roles.</summary>
    public static bool IsKnown(string? role) => role is User or Visitor or Agent or Admin;
}

/// <summary>The namespace names (WebSocket endpoints <c>/web</c> and <c>/app</c>).</summary>
public static class Namespaces
{
    /// <summary><c>web</c> (PC web clients, endpoint <c>/web</c>).</summary>
    public const string Web = "web";

    /// <summary><c>app</c> (mobile apps, endpoint <c>/app</c>).</summary>
    public const string App = "app";

    /// <summary>Both namespaces.</summary>
    public static IReadOnlyList<string> All { get; } = [Web, App];

    /// <summary>Whether <paramref name="ns"/> is a known namespace.</summary>
    public static bool IsKnown(string? ns) => ns is Web or App;
}
