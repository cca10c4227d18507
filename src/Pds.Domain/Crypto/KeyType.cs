namespace Pds.Domain.Crypto;

/// <summary>The two elliptic curves atproto supports for signing keys.</summary>
public enum KeyType
{
    /// <summary>secp256k1 ("k256"), JWT algorithm <c>ES256K</c>, multicodec <c>secp256k1-pub</c> (0xe7).</summary>
    Secp256k1 = 1,

    /// <summary>NIST P-256 ("p256", secp256r1), JWT algorithm <c>ES256</c>, multicodec <c>p256-pub</c> (0x1200).</summary>
    P256 = 2,
}

/// <summary>JWT algorithm names and related constants per <see cref="KeyType"/>.</summary>
public static class KeyTypes
{
    public const string Es256K = "ES256K";
    public const string Es256 = "ES256";

    public static string JwtAlgorithm(this KeyType type) => type switch
    {
        KeyType.Secp256k1 => Es256K,
        KeyType.P256 => Es256,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Maps a JWT <c>alg</c> value to a key type; false for anything else.</summary>
    public static bool TryFromJwtAlgorithm(string? alg, out KeyType type)
    {
        switch (alg)
        {
            case Es256K:
                type = KeyType.Secp256k1;
                return true;
            case Es256:
                type = KeyType.P256;
                return true;
            default:
                type = default;
                return false;
        }
    }
}
