using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Pds.Domain.Crypto;

/// <summary>
/// RFC 6979 deterministic nonces (HMAC-SHA-256, 256-bit group order) computed with the platform
/// HMAC, which uses the CPU's SHA extensions; BouncyCastle's managed HMAC costs about a quarter of a
/// secp256k1 signature. Produces exactly the nonces of <see cref="HMacDsaKCalculator"/>.
/// </summary>
internal sealed class Rfc6979Nonce : IDsaKCalculator
{
    private const int Size = 32;

    private readonly byte[] k = new byte[Size];
    private readonly byte[] v = new byte[Size];
    private BcBigInteger n = null!;

    public bool IsDeterministic => true;

    public void Init(BcBigInteger n, SecureRandom random) =>
        throw new InvalidOperationException("RFC 6979 nonces are derived from the key and message.");

    public void Init(BcBigInteger n, BcBigInteger d, byte[] message)
    {
        if (n.BitLength != 256 || message.Length != Size)
        {
            throw new ArgumentException("Only 256-bit orders with SHA-256 digests are supported.");
        }

        this.n = n;
        Span<byte> seed = stackalloc byte[Size + 1 + Size + Size];
        try
        {
            v.AsSpan().Fill(0x01);
            k.AsSpan().Clear();
            EcCurve.WriteFixed(d, seed.Slice(Size + 1, Size));

            // bits2octets(h1): the digest as an integer reduced once modulo n.
            var h = new BcBigInteger(1, message);
            if (h.CompareTo(n) >= 0)
            {
                h = h.Subtract(n);
            }

            EcCurve.WriteFixed(h, seed.Slice(Size + 1 + Size, Size));

            v.CopyTo(seed);
            seed[Size] = 0x00;
            Mac(k, seed, k);
            Mac(k, v, v);
            v.CopyTo(seed);
            seed[Size] = 0x01;
            Mac(k, seed, k);
            Mac(k, v, v);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public BcBigInteger NextK()
    {
        Span<byte> retry = stackalloc byte[Size + 1];
        while (true)
        {
            Mac(k, v, v);
            var candidate = new BcBigInteger(1, v);
            if (candidate.SignValue > 0 && candidate.CompareTo(n) < 0)
            {
                return candidate;
            }

            v.CopyTo(retry);
            retry[Size] = 0x00;
            Mac(k, retry, k);
            Mac(k, v, v);
        }
    }

    /// <summary>HMAC-SHA-256 through a temporary so the output may replace the key or the input.</summary>
    private static void Mac(byte[] key, ReadOnlySpan<byte> input, byte[] output)
    {
        Span<byte> result = stackalloc byte[Size];
        HMACSHA256.HashData(key, input, result);
        result.CopyTo(output);
    }
}
