using System.Security.Cryptography;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>did:plc identifiers: <c>did:plc:</c> + the first 24 base32 characters of SHA-256 over the signed genesis operation's DAG-CBOR.</summary>
public static class PlcDid
{
    public const string Prefix = "did:plc:";

    public const int IdentifierLength = 24;

    public const int Length = 32;

    /// <summary>The DID a signed genesis operation (regular or legacy) creates.</summary>
    public static string Derive(PlcOperation signedGenesis)
    {
        ArgumentNullException.ThrowIfNull(signedGenesis);
        if (!signedGenesis.IsGenesis || signedGenesis.Type == PlcOperationType.Tombstone)
        {
            throw new ArgumentException("only a genesis operation defines a DID", nameof(signedGenesis));
        }

        if (!signedGenesis.IsSigned)
        {
            throw new ArgumentException("the DID is the hash of the signed genesis operation", nameof(signedGenesis));
        }

        return Derive(signedGenesis.Cbor.Span);
    }

    /// <summary>The DID for the given signed genesis operation bytes.</summary>
    public static string Derive(ReadOnlySpan<byte> signedGenesisCbor)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(signedGenesisCbor, hash);
        Span<char> encoded = stackalloc char[Base32.EncodedLength(hash.Length)];
        Base32.Encode(hash, encoded);
        return string.Concat(Prefix, encoded[..IdentifierLength]);
    }

    /// <summary>Syntax check: <c>did:plc:</c> followed by 24 lower-case base32 characters.</summary>
    public static bool IsValid(string? did)
    {
        if (did is null || did.Length != Length || !did.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in did.AsSpan(Prefix.Length))
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '2' and <= '7')))
            {
                return false;
            }
        }

        return true;
    }
}
