using Switchboard.Client;
using Switchboard.Protocol;

namespace Switchboard.Samples;

/// <summary>The README quickstart (compiled here so it cannot rot). Run it with <c>--quickstart</c>.</summary>
internal static class Quickstart
{
    public static async Task RunAsync(string token, CancellationToken cancellationToken)
    {
        #region Quickstart
        await using var client = new SwitchboardClient(new SwitchboardClientOptions
        {
            Url = new Uri("ws://127.0.0.1:8080"),
            Namespace = SwitchboardNamespaces.Web,
            AccessTokenProvider = _ => ValueTask.FromResult(token), // called on every (re)connect and refresh
        });

        // Typed events: a handler, or `await foreach (var m in client.Events<PrivateMessageEvent>())`.
        await using var subscription = client.On<PrivateMessageEvent>(m => Console.WriteLine($"{m.User.Name}: {m.Data}"));

        await client.ConnectAsync(cancellationToken);
        EchoEvent echo = await client.EchoAsync("hello", cancellationToken);
        Console.WriteLine($"echo: {echo.Data}");
        try
        {
            await client.SendPrivateMessageAsync(to: "bob", data: "hi bob", cancellationToken: cancellationToken);
        }
        catch (SwitchboardException ex) when (ex.Code == ErrorCode.RecipientUnknown)
        {
            Console.WriteLine("bob has never connected");
        }
        #endregion
    }
}
