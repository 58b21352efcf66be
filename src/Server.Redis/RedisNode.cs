using System.Security.Cryptography;

namespace Switchboard.Server.Redis;

/// <summary>This node of the cluster: its id (unique among live nodes) and the key prefix shared by all of them.</summary>
public sealed class RedisNode
{
    /// <summary>Creates the node identity.</summary>
    public RedisNode(string id, string keyPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        if (id.Contains('{', StringComparison.Ordinal) || id.Contains('}', StringComparison.Ordinal) || id.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A node id must not contain '{', '}' or ':'.", nameof(id));
        }

        Id = id;
        Keys = new RedisKeys(keyPrefix);
    }

    /// <summary>This node's id.</summary>
    public string Id { get; }

    /// <summary>The key and channel names of the cluster.</summary>
    public RedisKeys Keys { get; }

    /// <summary>A new random node id (machine name + 8 random hex digits).</summary>
    public static string NewId()
    {
        var machine = new string([.. Environment.MachineName.Where(char.IsAsciiLetterOrDigit)]);
        return $"{(machine.Length == 0 ? "node" : machine)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }
}
