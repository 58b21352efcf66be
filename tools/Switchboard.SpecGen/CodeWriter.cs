using System.Text;

namespace Switchboard.SpecGen;

/// <summary>A tiny indenting text builder that always writes LF line endings.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public CodeWriter Line(string text = "")
    {
        if (text.Contains('\n', StringComparison.Ordinal))
        {
            foreach (var part in text.Split('\n'))
            {
                Line(part);
            }

            return this;
        }

        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
            _sb.Append(text);
        }

        _sb.Append('\n');
        return this;
    }

    public CodeWriter Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        // No blank line right before a closing brace.
        if (_sb.Length >= 2 && _sb[^1] == '\n' && _sb[^2] == '\n')
        {
            _sb.Length--;
        }

        _indent--;
        Line("}" + suffix);
        return this;
    }

    /// <summary>Writes an XML doc element; the text is escaped and split into lines.</summary>
    public CodeWriter Doc(string element, string? text, bool escape = true)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return this;
        }

        var body = escape ? Naming.DocText(text.Trim()) : text.Trim();
        var lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 1)
        {
            Line($"/// <{element}>{lines[0]}</{element}>");
            return this;
        }

        Line($"/// <{element}>");
        foreach (var l in lines)
        {
            Line(l.Length == 0 ? "///" : "/// " + l.TrimEnd());
        }

        Line($"/// </{element}>");
        return this;
    }

    public override string ToString() => _sb.ToString();
}
