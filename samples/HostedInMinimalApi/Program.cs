using Switchboard.Samples.HostedInMinimalApi;

// An existing minimal-API app that hosts Switchboard next to its own endpoints:
//   dotnet run --project samples/HostedInMinimalApi -- --urls http://127.0.0.1:5000
//   curl http://127.0.0.1:5000/hello; WebSocket ws://127.0.0.1:5000/web?access_token=... (subprotocol switchboard.v1.json)
// Switchboard reads its settings from the app's configuration (section "Switchboard": data directory, signing key,
// limits...), as the reference server does.
await HostedApp.Build(args).RunAsync().ConfigureAwait(false);
