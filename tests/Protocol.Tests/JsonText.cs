using System.Text;

namespace Switchboard.Protocol.Tests;

/// <summary>Text-level JSON helpers that do not depend on the code under test.</summary>
internal static class JsonText
{
    /// <summary>Removes whitespace outside strings, keeping every other byte (escapes included) as written.</summary>
    public static string Minify(string json)
    {
        var sb = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\')
                {
                    sb.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
                sb.Append(c);
            }
            else if (c is not (' ' or '\n' or '\r' or '\t'))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
