namespace Pds.Domain.Crypto;

/// <summary>
/// An atproto signing keypair. <see cref="Sign"/> hashes the data with SHA-256, signs the digest
/// with ECDSA and returns the 64-byte compact <c>r || s</c> form, always normalised to low-S.
/// </summary>
public interface IKeypair : IDisposable
{
    /// <summary><c>ES256K</c> for secp256k1, <c>ES256</c> for P-256.</summary>
    string JwtAlgorithm { get; }

    KeyType Type { get; }

    /// <summary>The 33-byte SEC1 compressed public point.</summary>
    byte[] PublicKeyCompressed { get; }

    PublicKey PublicKey { get; }

    /// <summary>The <c>did:key:z…</c> identifier of the public key.</summary>
    string DidKey();

    /// <summary>The multikey (<c>z…</c>, with multicodec prefix) form of the public key.</summary>
    string PublicKeyMultibase();

    byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary>Signs into <paramref name="signature64"/>; false if it is shorter than 64 bytes.</summary>
    bool TrySign(ReadOnlySpan<byte> data, Span<byte> signature64);

    /// <summary>The 32-byte raw private scalar. Handle the result as a secret.</summary>
    byte[] ExportPrivateKey();
}
