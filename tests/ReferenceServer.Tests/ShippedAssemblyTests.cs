using Switchboard.Server.Connections;

namespace Switchboard.Server.Tests;

/// <summary>The shipped server assembly carries neither test support nor a fault seam (issue 10).</summary>
public sealed class ShippedAssemblyTests
{
    [Fact]
    public void The_server_assembly_has_no_test_support_and_no_fault_seam()
    {
        var types = typeof(WebSocketGateway).Assembly.GetTypes().Where(t => !t.IsNested).ToList();
        Assert.NotEmpty(types);
        Assert.DoesNotContain(types, t => t.Namespace?.Contains("Testing", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(types, t => t.Name.Contains("Fault", StringComparison.Ordinal));
        Assert.DoesNotContain(types, t => t.Name.Contains("Interceptor", StringComparison.Ordinal));
    }
}
