using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Infrastructure;

/// <summary>
/// Theory data over the stores: tests of delivery, rooms, presence, chat and the HTTP API run once on the SQLite
/// single node and once in cluster mode on a real Redis (<c>AddRedis()</c>, the test process's shared redis-server with
/// a key prefix per server). <c>[Theory, MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]</c>.
/// </summary>
public static class Stores
{
    /// <summary>SQLite and Redis.</summary>
    public static TheoryData<TestStore> Both => new() { TestStore.Sqlite, TestStore.Redis };
}
