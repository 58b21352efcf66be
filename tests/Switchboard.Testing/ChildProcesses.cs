using System.Diagnostics;

namespace Switchboard.Server.Testing;

/// <summary>
/// Every child process a fixture starts (redis-server, server nodes) is tracked here and killed by its PID when the
/// test process exits, so a test that fails before disposing its fixture leaves nothing running.
/// </summary>
public static class ChildProcesses
{
    private static readonly HashSet<Process> Running = [];

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Tracks <paramref name="process"/> until <see cref="Forget"/>.</summary>
    public static void Track(Process process)
    {
        lock (Running)
        {
            Running.Add(process);
        }
    }

    /// <summary>Stops tracking <paramref name="process"/> (it was stopped by its owner).</summary>
    public static void Forget(Process process)
    {
        lock (Running)
        {
            Running.Remove(process);
        }
    }

    private static void KillAll()
    {
        Process[] all;
        lock (Running)
        {
            all = [.. Running];
            Running.Clear();
        }

        foreach (var process in all)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: false);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
