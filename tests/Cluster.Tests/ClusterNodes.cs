using Switchboard.ReferenceServer;
using Switchboard.Server.Testing.Cluster;

namespace Switchboard.Cluster.Tests;

/// <summary>Starts three reference-server processes on one redis-server (the shape every test here uses).</summary>
internal static class ClusterNodes
{
    /// <summary>The built reference server next to this test assembly.</summary>
    public static string ServerDll => typeof(ReferenceServerHost).Assembly.Location;

    public static Task<SwitchboardClusterFixture> StartAsync(Action<SwitchboardClusterOptions>? configure = null) =>
        SwitchboardClusterFixture.StartAsync(o =>
        {
            o.ServerDll = ServerDll;
            o.Nodes = 3;
            configure?.Invoke(o);
        });
}
