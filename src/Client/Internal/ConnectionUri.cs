using System.Globalization;
using System.Text;

namespace Switchboard.Client.Internal;

/// <summary>Builds the WebSocket address of a connection attempt: namespace path, <c>access_token</c> (when in the query), <c>since</c>/<c>epoch</c> (SB-DLV-006).</summary>
internal static class ConnectionUri
{
    /// <summary>The address to connect to: namespace path, the token when it travels in the query, and the resume position.</summary>
    public static Uri Build(SwitchboardClientOptions options, string token, string? epoch, long since)
    {
        var baseUrl = options.Url!;
        var builder = new UriBuilder(baseUrl)
        {
            Scheme = baseUrl.Scheme switch
            {
                "http" => "ws",
                "https" => "wss",
                _ => baseUrl.Scheme,
            },
            Port = baseUrl.IsDefaultPort ? -1 : baseUrl.Port,
            Path = baseUrl.AbsolutePath.TrimEnd('/') + "/" + options.Namespace,
        };

        var query = new StringBuilder(builder.Query.TrimStart('?'));
        if (options.SendAccessTokenInQuery)
        {
            Append(query, "access_token", token);
        }

        if (epoch is not null)
        {
            Append(query, "since", since.ToString(CultureInfo.InvariantCulture));
            Append(query, "epoch", epoch);
        }

        builder.Query = query.ToString();
        return builder.Uri;

        static void Append(StringBuilder query, string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    /// <summary>The address for logs: without the token.</summary>
    public static string Redacted(SwitchboardClientOptions options, string? epoch, long since) =>
        $"{options.Url!.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{options.Namespace}" + (epoch is null ? string.Empty : $"?since={since}&epoch={epoch}");
}
