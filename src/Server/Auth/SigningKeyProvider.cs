using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Switchboard.Server.Options;

namespace Switchboard.Server.Auth;

/// <summary>
/// Supplies the HS256 signing key: <c>Switchboard:Auth:SigningKey</c> when configured, otherwise the key kept in
/// <c>{DataDirectory}/signing-key</c>, generated (48 random bytes, base64url text) on first start with mode 0600.
/// The key bytes are the UTF-8 bytes of the key text (contract: raw UTF-8 string, at least 32 bytes).
/// </summary>
public sealed class SigningKeyProvider
{
    /// <summary>The key file name inside the data directory.</summary>
    public const string KeyFileName = "signing-key";

    /// <summary>Loads or creates the key.</summary>
    public SigningKeyProvider(IOptions<SwitchboardOptions> options, DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        if (options.Value.EffectiveSigningKey is { } configured)
        {
            KeyText = configured;
            Source = "configuration (Switchboard:Auth:SigningKey)";
        }
        else
        {
            var path = Path.Combine(dataDirectory.Path, KeyFileName);
            KeyText = LoadOrCreate(path);
            Source = path;
        }

        KeyBytes = Encoding.UTF8.GetBytes(KeyText);
        if (KeyBytes.Length < 32)
        {
            throw new InvalidOperationException($"The signing key from {Source} is shorter than 32 bytes.");
        }
    }

    /// <summary>
    /// A key obtained elsewhere (e.g. agreed by the nodes of a cluster through Redis); <paramref name="source"/> says
    /// where from, for the startup log.
    /// </summary>
    public SigningKeyProvider(string keyText, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyText);
        ArgumentException.ThrowIfNullOrEmpty(source);
        KeyText = keyText;
        Source = source;
        KeyBytes = Encoding.UTF8.GetBytes(KeyText);
        if (KeyBytes.Length < 32)
        {
            throw new InvalidOperationException($"The signing key from {Source} is shorter than 32 bytes.");
        }
    }

    /// <summary>The key text (UTF-8 string).</summary>
    public string KeyText { get; }

    /// <summary>The key bytes used for HMAC-SHA256.</summary>
    public byte[] KeyBytes { get; }

    /// <summary>Where the key came from (for the startup log; never the key itself).</summary>
    public string Source { get; }

    private static string LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path, Encoding.UTF8).Trim();
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var key = Base64UrlEncode(RandomNumberGenerator.GetBytes(48));
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, fileOptions))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(key);
        }

        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            File.Delete(temp);
            return File.ReadAllText(path, Encoding.UTF8).Trim();
        }

        return key;
    }

    /// <summary>A new random key text (48 random bytes, base64url).</summary>
    public static string NewKeyText() => Base64UrlEncode(RandomNumberGenerator.GetBytes(48));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The resolved absolute data directory (created at startup).</summary>
/// <param name="Path">The absolute path.</param>
public sealed record DataDirectory(string Path)
{
    /// <summary>
    /// Resolves <see cref="SwitchboardOptions.DataDirectory"/> against <paramref name="baseDirectory"/> (the current
    /// directory, like any relative path given on a command line: <c>dotnet run --project src/ReferenceServer</c> runs
    /// in the project folder, hence <c>src/ReferenceServer/data</c>) and creates it.
    /// </summary>
    public static DataDirectory Resolve(string configured, string baseDirectory)
    {
        var full = System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(configured) ? configured : System.IO.Path.Combine(baseDirectory, configured));
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
        }
        else
        {
            // Data at rest: the database holds every message; only the server's user may list or open it. An existing
            // directory keeps the mode its operator chose (it may be shared on purpose); the files inside are 0600.
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new DataDirectory(full);
    }
}
