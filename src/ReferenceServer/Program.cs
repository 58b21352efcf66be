using Switchboard.ReferenceServer;
using Switchboard.ReferenceServer.Cli;

// `dotnet run --project src/ReferenceServer` starts the server on embedded defaults (http://127.0.0.1:8080, ./data).
// `dotnet run --project src/ReferenceServer -- token --user alice --role agent` prints a token signed with the same key.
// The server itself is the Switchboard.Server library (src/Server): ReferenceServerHost is
// `WebApplication.CreateBuilder` + `AddSwitchboard().AddServiceDesk()` + `MapSwitchboard()` on embedded defaults.
if (args.Length > 0 && args[0] == TokenCli.Verb)
{
    return await TokenCli.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

var app = ReferenceServerHost.Build(ReferenceServerHost.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
return 0;
