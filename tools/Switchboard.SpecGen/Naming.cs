using System.Globalization;
using System.Text;

namespace Switchboard.SpecGen;

/// <summary>Name conversions used by the generator.</summary>
public static class Naming
{
    /// <summary>Converts <c>NEW_MESSAGE</c>, <c>message_id</c>, <c>rooms-history</c> to PascalCase.</summary>
    public static string Pascal(string wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var sb = new StringBuilder(wire.Length);
        var upperNext = true;
        foreach (var c in wire)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upperNext = true;
                continue;
            }

            sb.Append(upperNext ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            upperNext = char.IsAsciiDigit(c);
        }

        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, 'V');
        }

        return sb.ToString();
    }

    /// <summary>Turns a wire name into a safe C# local name (<c>p_message_id</c>).</summary>
    public static string Local(string wire) => "p_" + new string(wire.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>A C# string literal.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string XmlEscape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
    }

    /// <summary>Escapes text for an XML doc comment and turns Markdown <c>`code`</c> spans into <c>&lt;c&gt;</c> elements.</summary>
    public static string DocText(string text)
    {
        var escaped = XmlEscape(text);
        var sb = new StringBuilder(escaped.Length + 16);
        var open = false;
        foreach (var c in escaped)
        {
            if (c == '`')
            {
                sb.Append(open ? "</c>" : "<c>");
                open = !open;
            }
            else
            {
                sb.Append(c);
            }
        }

        if (open)
        {
            // Unbalanced backtick: keep the text as written.
            return escaped;
        }

        return sb.ToString();
    }

    /// <summary>Invariant number text.</summary>
    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";
}
