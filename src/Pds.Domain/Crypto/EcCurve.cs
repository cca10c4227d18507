using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using BcPoint = Org.BouncyCastle.Math.EC.ECPoint;
using Org.BouncyCastle.Math.EC.Multiplier;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Pds.Domain.Crypto;

/// <summary>
/// Curve constants and the scalar / point helpers shared by signing, verification and key parsing.
/// Uses BouncyCastle's specialised field implementations (<c>CustomNamedCurves</c>), which are several
/// times faster than its generic prime-field arithmetic.
/// </summary>
internal sealed class EcCurve
{
    public const int ScalarLength = 32;
    public const int CompressedLength = 33;
    public const int UncompressedLength = 65;
    public const int SignatureLength = 64;

    public static readonly EcCurve Secp256k1 = new(KeyType.Secp256k1, "secp256k1");
    public static readonly EcCurve P256 = new(KeyType.P256, "secp256r1");

    private readonly byte[] order;
    private readonly byte[] halfOrder;

    private EcCurve(KeyType type, string name)
    {
        Type = type;
        var x9 = CustomNamedCurves.GetByName(name)
            ?? throw new InvalidOperationException($"Curve {name} is not available.");
        Domain = new ECDomainParameters(x9);
        order = ToFixed(Domain.N);
        halfOrder = ToFixed(Domain.N.ShiftRight(1));
    }

    public KeyType Type { get; }

    public ECDomainParameters Domain { get; }

    public static EcCurve For(KeyType type) => type switch
    {
        KeyType.Secp256k1 => Secp256k1,
        KeyType.P256 => P256,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>True when 0 &lt; value &lt; n (a valid private key, or a valid r / s component).</summary>
    public bool IsValidScalar(ReadOnlySpan<byte> value32) =>
        value32.Length == ScalarLength && value32.IndexOfAnyExcept((byte)0) >= 0 && value32.SequenceCompareTo(order) < 0;

    /// <summary>True when 0 &lt; s &lt;= n/2: the "low-S" form atproto requires.</summary>
    public bool IsLowS(ReadOnlySpan<byte> s32) =>
        s32.Length == ScalarLength && s32.IndexOfAnyExcept((byte)0) >= 0 && s32.SequenceCompareTo(halfOrder) <= 0;

    /// <summary>Replaces s with n - s when s is in the upper half, so the signature is low-S.</summary>
    public void NormalizeLowS(Span<byte> s32)
    {
        if (s32.SequenceCompareTo(halfOrder) <= 0)
        {
            return;
        }

        // Big-endian 256-bit subtraction n - s (s < n, so no final borrow).
        var borrow = 0;
        for (var i = ScalarLength - 1; i >= 0; i--)
        {
            var diff = order[i] - s32[i] - borrow;
            borrow = diff < 0 ? 1 : 0;
            s32[i] = (byte)(diff + (borrow << 8));
        }
    }

    /// <summary>Decodes a compressed (33) or uncompressed (65) SEC1 point and checks it lies on the curve.</summary>
    public bool TryDecodePoint(ReadOnlySpan<byte> encoded, out BcPoint point)
    {
        point = null!;
        var ok = (encoded.Length == CompressedLength && (encoded[0] == 0x02 || encoded[0] == 0x03))
            || (encoded.Length == UncompressedLength && encoded[0] == 0x04);
        if (!ok)
        {
            return false;
        }

        try
        {
            var decoded = Domain.Curve.DecodePoint(encoded.ToArray());
            if (decoded.IsInfinity || !decoded.IsValid())
            {
                return false;
            }

            point = decoded.Normalize();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Public point for a private scalar, using the fixed-base comb (precomputed once per curve).</summary>
    public BcPoint PublicPoint(BcBigInteger d) => new FixedPointCombMultiplier().Multiply(Domain.G, d).Normalize();

    public static BcBigInteger ToBigInteger(ReadOnlySpan<byte> bigEndian) => new(1, bigEndian);

    public static void WriteFixed(BcBigInteger value, Span<byte> destination32)
    {
        destination32.Clear();
        var length = value.GetLengthofByteArrayUnsigned();
        value.ToByteArrayUnsigned(destination32[(ScalarLength - length)..]);
    }

    private static byte[] ToFixed(BcBigInteger value)
    {
        var bytes = new byte[ScalarLength];
        WriteFixed(value, bytes);
        return bytes;
    }

    /// <summary>Random scalar in [1, n-1] from the OS CSPRNG (rejection sampling).</summary>
    public byte[] GeneratePrivateScalar()
    {
        var candidate = new byte[ScalarLength];
        do
        {
            RandomNumberGenerator.Fill(candidate);
        }
        while (!IsValidScalar(candidate));

        return candidate;
    }
}
