using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Pds.Domain.Identity;

/// <summary>Signature checks against did:key rotation keys (P-256 and secp256k1, compact low-S signatures over SHA-256).</summary>
internal static class PlcKeys
{
    private static readonly Lazy<ECDomainParameters> K256 = new(() => Domain("secp256k1"));
    private static readonly Lazy<ECDomainParameters> P256 = new(() => Domain("secp256r1"));

    public static bool IsSupportedRotationKey(string didKey) => Multikey.CurveOf(didKey) != MultikeyCurve.Unknown;

    /// <summary>True when <paramref name="signature"/> is a valid low-S compact signature of <paramref name="data"/> by <paramref name="didKey"/>.</summary>
    public static bool Verify(string didKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var curve = Multikey.CurveOf(didKey);
        if (curve == MultikeyCurve.Unknown || signature.Length != PlcSignature.CompactLength
            || !Multikey.TryDecodeMultibase(didKey[DidDocument.DidKeyPrefix.Length..], out var prefixed))
        {
            return false;
        }

        var domain = curve == MultikeyCurve.P256 ? P256.Value : K256.Value;
        var r = new Org.BouncyCastle.Math.BigInteger(1, signature[..32]);
        var s = new Org.BouncyCastle.Math.BigInteger(1, signature[32..]);
        if (r.SignValue == 0 || s.SignValue == 0 || r.CompareTo(domain.N) >= 0 || s.CompareTo(domain.N.ShiftRight(1)) > 0)
        {
            return false;
        }

        try
        {
            var point = domain.Curve.DecodePoint(prefixed[2..]);
            var signer = new ECDsaSigner();
            signer.Init(false, new ECPublicKeyParameters(point, domain));
            return signer.VerifySignature(SHA256.HashData(data), r, s);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static ECDomainParameters Domain(string name)
    {
        var x9 = ECNamedCurveTable.GetByName(name);
        return new ECDomainParameters(x9.Curve, x9.G, x9.N, x9.H, x9.GetSeed());
    }
}
