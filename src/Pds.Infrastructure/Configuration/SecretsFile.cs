using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;

namespace Pds.Infrastructure.Configuration;

/// <summary>
/// Development-mode secrets: generated with a CSPRNG on first run and kept in
/// <c>&lt;data directory&gt;/secrets.json</c> (mode 0600), then read back on later runs so sessions,
/// the PLC rotation key and encrypted signing keys survive restarts.
/// </summary>
public static class SecretsFile
{
    public const string FileName = "secrets.json";

    // Order of the secp256k1 group; a private key must lie in [1, n-1].
    private static readonly BigInteger Secp256k1Order = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Returns the stored secrets, creating the file with every missing one generated.</summary>
    public static IReadOnlyDictionary<string, string> LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            try
            {
                var stored = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(path));
                if (stored is not null)
                {
                    foreach (var (key, value) in stored)
                    {
                        secrets[key] = value;
                    }
                }
            }
            catch (JsonException)
            {
                throw new PdsConfigurationException(path, "is not a valid secrets file (expected a JSON object of strings)");
            }
        }

        var changed = false;
        changed |= Generate(secrets, PdsConfigurationKeys.JwtSecret, () => RandomHex(32));
        changed |= Generate(secrets, PdsConfigurationKeys.AdminPassword, () => RandomHex(16));
        changed |= Generate(secrets, PdsConfigurationKeys.PlcRotationKeyK256PrivateKeyHex, NewK256PrivateKeyHex);
        changed |= Generate(secrets, PdsConfigurationKeys.RepoSigningKeyEncryptionKeyHex, () => RandomHex(32));
        changed |= Generate(secrets, PdsConfigurationKeys.DpopSecret, () => RandomHex(32));
        if (changed)
        {
            Write(path, secrets);
        }

        return secrets;
    }

    public static string NewK256PrivateKeyHex()
    {
        Span<byte> key = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(key);
            var value = new BigInteger(key, isUnsigned: true, isBigEndian: true);
            if (!value.IsZero && value < Secp256k1Order)
            {
                return Convert.ToHexStringLower(key);
            }
        }
    }

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static bool Generate(Dictionary<string, string> secrets, string key, Func<string> create)
    {
        if (secrets.TryGetValue(key, out var existing) && !string.IsNullOrEmpty(existing))
        {
            return false;
        }

        secrets[key] = create();
        return true;
    }

    private static void Write(string path, Dictionary<string, string> secrets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created owner-only from the start, so the secrets are never readable by others.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, secrets, new JsonSerializerOptions { WriteIndented = true });
        }

        File.Move(temp, path, overwrite: true);
    }
}
