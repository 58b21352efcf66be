namespace Switchboard.Server.Messaging;

/// <summary>
/// The authenticated user behind a connection, taken from the token claims (<c>sub</c>, <c>name</c>, <c>role</c>).
/// </summary>
/// <param name="Id">The user id (<c>sub</c> claim, 1-64 chars <c>[A-Za-z0-9_.@-]</c>).</param>
/// <param name="Name">The display name (<c>name</c> claim; defaults to <paramref name="Id"/>).</param>
/// <param name="Role">The role: one of <see cref="Protocol.Roles"/> (<c>user</c> when the claim is absent).</param>
public sealed record UserIdentity(string Id, string Name, string Role)
{
    /// <summary>Whether the user has the given role (ordinal comparison).</summary>
    public bool IsInRole(string role) => string.Equals(Role, role, StringComparison.Ordinal);
}
