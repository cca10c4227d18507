using System.Security.Cryptography;
using System.Text;
using Pds.Domain.Auth;

namespace Pds.Domain.Tests.Auth;

public sealed class KeyEncryptionTests
{
    private const string Did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("server-key-encryption-secret");

    private static byte[] PrivateKey()
    {
        var key = new byte[32];
        RandomNumberGenerator.Fill(key);
        return key;
    }

    [Fact]
    public void Decrypt_RoundTrip_ReturnsPlaintext()
    {
        var plaintext = PrivateKey();
        var sealedKey = new KeyEncryption(Secret);

        var blob = sealedKey.Encrypt(plaintext, Did);

        Assert.Equal(plaintext, sealedKey.Decrypt(blob, Did));
        Assert.Equal(plaintext, new KeyEncryption("server-key-encryption-secret").Decrypt(blob, Did));
        Assert.Equal(plaintext, KeyEncryption.Decrypt(blob, Secret, Did));
    }

    [Fact]
    public void Encrypt_Layout_IsVersionNonceCiphertextTag()
    {
        var plaintext = PrivateKey();

        var blob = KeyEncryption.Encrypt(plaintext, Secret, Did);

        Assert.Equal(1 + 12 + plaintext.Length + 16, blob.Length);
        Assert.Equal(KeyEncryption.Version1, blob[0]);
        Assert.False(blob.AsSpan(13, 32).SequenceEqual(plaintext));
    }

    [Fact]
    public void Encrypt_SamePlaintextTwice_UsesFreshNonces()
    {
        var plaintext = PrivateKey();
        var sealedKey = new KeyEncryption(Secret);

        var a = sealedKey.Encrypt(plaintext, Did);
        var b = sealedKey.Encrypt(plaintext, Did);

        Assert.False(a.AsSpan(1, 12).SequenceEqual(b.AsSpan(1, 12)));
        Assert.False(a.AsSpan().SequenceEqual(b));
    }

    [Fact]
    public void Decrypt_AnyFlippedBit_ThrowsKeyDecryptionException()
    {
        var sealedKey = new KeyEncryption(Secret);
        var blob = sealedKey.Encrypt(PrivateKey(), Did);

        for (var i = 0; i < blob.Length; i++)
        {
            var tampered = (byte[])blob.Clone();
            tampered[i] ^= (byte)(1 << (i % 8));
            Assert.Throws<KeyDecryptionException>(() => sealedKey.Decrypt(tampered, Did));
        }
    }

    [Fact]
    public void Decrypt_OtherDid_ThrowsKeyDecryptionException()
    {
        var sealedKey = new KeyEncryption(Secret);
        var blob = sealedKey.Encrypt(PrivateKey(), Did);

        Assert.Throws<KeyDecryptionException>(() => sealedKey.Decrypt(blob, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"));
        Assert.Throws<KeyDecryptionException>(() => sealedKey.Decrypt(blob, Did + " "));
    }

    [Fact]
    public void Decrypt_OtherSecret_ThrowsWithoutRevealingAnything()
    {
        var blob = KeyEncryption.Encrypt(PrivateKey(), Secret, Did);

        var error = Assert.Throws<KeyDecryptionException>(() => KeyEncryption.Decrypt(blob, "server-key-encryption-secreT"u8, Did));

        Assert.Equal(new KeyDecryptionException().Message, error.Message);
        Assert.Null(error.InnerException);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(28)]
    public void Decrypt_TruncatedBlob_ThrowsKeyDecryptionException(int length)
    {
        var blob = KeyEncryption.Encrypt(PrivateKey(), Secret, Did);

        Assert.Throws<KeyDecryptionException>(() => KeyEncryption.Decrypt(blob.AsSpan(0, length), Secret, Did));
        Assert.Throws<KeyDecryptionException>(() => KeyEncryption.Decrypt(blob.AsSpan(0, blob.Length - 1), Secret, Did));
    }

    [Fact]
    public void Decrypt_UnknownVersion_ThrowsKeyDecryptionException()
    {
        var blob = KeyEncryption.Encrypt(PrivateKey(), Secret, Did);
        blob[0] = 2;

        Assert.Throws<KeyDecryptionException>(() => KeyEncryption.Decrypt(blob, Secret, Did));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(32)]
    [InlineData(200)]
    public void Encrypt_SecretsOfAnyLength_RoundTrip(int secretLength)
    {
        var secret = new byte[secretLength];
        RandomNumberGenerator.Fill(secret);
        var plaintext = PrivateKey();

        Assert.Equal(plaintext, KeyEncryption.Decrypt(KeyEncryption.Encrypt(plaintext, secret, Did), secret, Did));
    }

    [Fact]
    public void Encrypt_EmptyPlaintext_RoundTrips()
    {
        var blob = KeyEncryption.Encrypt([], Secret, Did);

        Assert.Equal(KeyEncryption.Overhead, blob.Length);
        Assert.Empty(KeyEncryption.Decrypt(blob, Secret, Did));
    }

    [Fact]
    public void Constructor_EmptySecret_Throws()
    {
        Assert.Throws<ArgumentException>(() => new KeyEncryption(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Encrypt_DerivedKey_IsNotTheRawSecret()
    {
        // A 32-byte secret must not be used directly as the AES key: HKDF separates it from other uses.
        var secret = new byte[32];
        RandomNumberGenerator.Fill(secret);
        var blob = KeyEncryption.Encrypt(PrivateKey(), secret, Did);

        using var raw = new AesGcm(secret, 16);
        var ad = new byte[1 + Did.Length];
        ad[0] = KeyEncryption.Version1;
        Encoding.UTF8.GetBytes(Did, ad.AsSpan(1));
        var output = new byte[32];
        Assert.ThrowsAny<CryptographicException>(() =>
            raw.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(13, 32), blob.AsSpan(45, 16), output, ad));
    }

    [Fact]
    public void Encrypt_StoredFormat_OpensWithDocumentedDerivation()
    {
        // Blobs outlive releases: pin the documented key derivation and associated data layout.
        var plaintext = PrivateKey();
        var blob = KeyEncryption.Encrypt(plaintext, Secret, Did);

        var aesKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Secret, 32, [], "pds key-encryption v1"u8.ToArray());
        using var aes = new AesGcm(aesKey, 16);
        var ad = new byte[1 + Did.Length];
        ad[0] = KeyEncryption.Version1;
        Encoding.UTF8.GetBytes(Did, ad.AsSpan(1));
        var output = new byte[32];
        aes.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(13, 32), blob.AsSpan(45, 16), output, ad);

        Assert.Equal(plaintext, output);
    }
}
