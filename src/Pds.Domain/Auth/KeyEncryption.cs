using System.Security.Cryptography;
using System.Text;

namespace Pds.Domain.Auth;

/// <summary>Raised when an encrypted key blob cannot be opened: wrong secret, wrong DID, corruption or tampering.</summary>
public sealed class KeyDecryptionException : CryptographicException
{
    public KeyDecryptionException()
        : base("The encrypted key could not be decrypted.")
    {
    }

    public KeyDecryptionException(string message)
        : base(message)
    {
    }

    public KeyDecryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Encryption of private keys at rest with AES-256-GCM under a key derived from a server secret.
/// Blob layout: <c>version (1 byte) | nonce (12) | ciphertext | tag (16)</c>. The AES key is
/// HKDF-SHA256(secret, info = "pds key-encryption v1"), so a secret of any length works and the same
/// secret used elsewhere yields an unrelated key. The associated data is the version byte followed by the
/// UTF-8 owner identifier (the account DID), so a blob moved to another account's row, or relabelled
/// with another version, fails authentication. Instances are immutable and thread-safe.
/// </summary>
public sealed class KeyEncryption
{
    public const byte Version1 = 1;
    public const int NonceLength = 12;
    public const int TagLength = 16;
    public const int Overhead = 1 + NonceLength + TagLength;

    private const int KeyLength = 32;
    private static readonly byte[] HkdfInfo = "pds key-encryption v1"u8.ToArray();

    private readonly byte[] key;

    /// <param name="secret">The configured server secret (any non-empty length).</param>
    public KeyEncryption(ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The key-encryption secret must not be empty.", nameof(secret));
        }

        key = new byte[KeyLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, key, salt: [], info: HkdfInfo);
    }

    /// <summary>Uses the UTF-8 bytes of a configured secret string.</summary>
    public KeyEncryption(string secret)
        : this(Encoding.UTF8.GetBytes(secret ?? throw new ArgumentNullException(nameof(secret))))
    {
    }

    /// <summary>One-shot form of <see cref="Encrypt(ReadOnlySpan{byte}, string)"/>.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> keyMaterial, string associatedData) =>
        new KeyEncryption(keyMaterial).Encrypt(plaintext, associatedData);

    /// <summary>One-shot form of <see cref="Decrypt(ReadOnlySpan{byte}, string)"/>.</summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> keyMaterial, string associatedData) =>
        new KeyEncryption(keyMaterial).Decrypt(blob, associatedData);

    /// <summary>Encrypts <paramref name="plaintext"/> bound to <paramref name="associatedData"/> (the DID) with a fresh random nonce.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        var blob = new byte[Overhead + plaintext.Length];
        blob[0] = Version1;
        var nonce = blob.AsSpan(1, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = blob.AsSpan(1 + NonceLength, plaintext.Length);
        var tag = blob.AsSpan(1 + NonceLength + plaintext.Length, TagLength);

        var ad = AssociatedData(Version1, associatedData);
        using var aes = new AesGcm(key, TagLength);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, ad);
        return blob;
    }

    /// <summary>
    /// Opens a blob made by <see cref="Encrypt(ReadOnlySpan{byte}, string)"/>. Throws
    /// <see cref="KeyDecryptionException"/> (with a fixed message, no data) for an unknown version, a
    /// truncated blob, a wrong secret, a different associated data value or any modification.
    /// </summary>
    public byte[] Decrypt(ReadOnlySpan<byte> blob, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        if (blob.Length < Overhead || blob[0] != Version1)
        {
            throw new KeyDecryptionException();
        }

        var nonce = blob.Slice(1, NonceLength);
        var ciphertext = blob[(1 + NonceLength)..^TagLength];
        var tag = blob[^TagLength..];
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData(Version1, associatedData));
            return plaintext;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new KeyDecryptionException();
        }
    }

    private static byte[] AssociatedData(byte version, string associatedData)
    {
        var ad = new byte[1 + Encoding.UTF8.GetByteCount(associatedData)];
        ad[0] = version;
        Encoding.UTF8.GetBytes(associatedData, ad.AsSpan(1));
        return ad;
    }
}
