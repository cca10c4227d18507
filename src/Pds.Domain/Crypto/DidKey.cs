namespace Pds.Domain.Crypto;

/// <summary><c>did:key</c> identifiers: the ASCII prefix <c>did:key:</c> followed by a multikey.</summary>
public static class DidKey
{
    public const string Prefix = "did:key:";

    public static string Format(KeyType type, ReadOnlySpan<byte> compressedPoint) =>
        Prefix + Multikey.Format(type, compressedPoint);

    public static bool TryParse(string? didKey, out PublicKey key)
    {
        key = null!;
        return didKey is not null
            && didKey.StartsWith(Prefix, StringComparison.Ordinal)
            && Multikey.TryParse(didKey.AsSpan(Prefix.Length), out key);
    }

    public static PublicKey Parse(string didKey) =>
        TryParse(didKey, out var key) ? key : throw new FormatException("Not a valid secp256k1 or P-256 did:key.");
}
