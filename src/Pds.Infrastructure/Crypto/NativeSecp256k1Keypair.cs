using System.Security.Cryptography;
using Pds.Domain.Crypto;

namespace Pds.Infrastructure.Crypto;

/// <summary>
/// A secp256k1 (K-256) repository signing key whose signatures come from libsecp256k1 (the native
/// library the Secp256k1.Net package ships): 24.5 µs per signature against BouncyCastle's ~94 µs
/// (ADR 0002). Its signatures are the same bytes the domain's <see cref="Secp256k1Keypair"/>
/// makes: ECDSA over SHA-256 with RFC 6979 nonces, compact <c>r || s</c>, low-S. Everything but
/// signing (public key, did:key, export) is the domain keypair's. Where the native library cannot
/// be loaded, <see cref="Wrap"/> hands back the domain keypair itself.
/// </summary>
public sealed class NativeSecp256k1Keypair : IKeypair
{
    private const int SignatureLength = 64;

    private static readonly Lazy<bool> Available = new(Probe);

    private readonly Secp256k1Keypair _inner;
    private readonly byte[] _privateKey;
    private bool _disposed;

    private NativeSecp256k1Keypair(Secp256k1Keypair inner)
    {
        _inner = inner;
        _privateKey = inner.ExportPrivateKey();
    }

    /// <summary>Whether libsecp256k1 loaded and signs as the domain keypair does (checked once).</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>The key with native signing; the key itself when the native library is unavailable.</summary>
    public static IKeypair Wrap(Secp256k1Keypair key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IsAvailable ? new NativeSecp256k1Keypair(key) : key;
    }

    public string JwtAlgorithm => _inner.JwtAlgorithm;

    public KeyType Type => _inner.Type;

    public byte[] PublicKeyCompressed => _inner.PublicKeyCompressed;

    public PublicKey PublicKey => _inner.PublicKey;

    public string DidKey() => _inner.DidKey();

    public string PublicKeyMultibase() => _inner.PublicKeyMultibase();

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = new byte[SignatureLength];
        TrySign(data, signature);
        return signature;
    }

    public bool TrySign(ReadOnlySpan<byte> data, Span<byte> signature64)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signature64.Length < SignatureLength)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        // libsecp256k1 signs with RFC 6979 nonces and always returns the low-S form.
        Secp256k1Net.Secp256k1.Sign(digest, _privateKey).AsSpan().CopyTo(signature64);
        return true;
    }

    public byte[] ExportPrivateKey() => _inner.ExportPrivateKey();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_privateKey);
        _inner.Dispose();
    }

    /// <summary>Loads the native library and checks one signature against the domain keypair's.</summary>
    private static bool Probe()
    {
        try
        {
            using var key = Secp256k1Keypair.Generate();
            var data = "native secp256k1 probe"u8;
            var expected = key.Sign(data);
            var secret = key.ExportPrivateKey();
            try
            {
                using var native = new NativeSecp256k1Keypair(Secp256k1Keypair.Import(secret));
                return native.Sign(data).AsSpan().SequenceEqual(expected);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
#pragma warning disable CA1031 // Any failure to load or to agree means the managed signer is used.
        catch (Exception)
        {
            return false;
        }
#pragma warning restore CA1031
    }
}
