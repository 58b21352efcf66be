using System.Text;

namespace Switchboard.Protocol.Codec;

/// <summary>
/// Error state threaded through the generated payload readers. Stays empty (and allocation free) on the success path;
/// on failure the innermost reader sets the code and message and every enclosing level pushes its path segment.
/// </summary>
internal struct ReadError
{
    private List<string>? _segments; // innermost first

    /// <summary>The error code (valid once a reader returned false).</summary>
    public ErrorCode Code;

    /// <summary>Human readable message.</summary>
    public string? Message;

    /// <summary>Records the error; always returns <see langword="false"/> so readers can <c>return error.Fail(...)</c>.</summary>
    public bool Fail(ErrorCode code, string message)
    {
        Code = code;
        Message = message;
        return false;
    }

    /// <summary>Adds the property that contains the failure; always returns <see langword="false"/>.</summary>
    public bool In(string property)
    {
        (_segments ??= []).Add(property);
        return false;
    }

    /// <summary>Adds the array index that contains the failure.</summary>
    public void PushIndex(int index) => (_segments ??= []).Add("[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");

    /// <summary>Builds the JSON path below <paramref name="prefix"/>, e.g. <c>$.request.user.id</c>.</summary>
    public readonly string BuildPath(string prefix)
    {
        if (_segments is null || _segments.Count == 0)
        {
            return prefix;
        }

        var sb = new StringBuilder(prefix);
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            var s = _segments[i];
            if (s.StartsWith('['))
            {
                sb.Append(s);
            }
            else
            {
                sb.Append('.').Append(s);
            }
        }

        return sb.ToString();
    }
}
