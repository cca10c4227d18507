using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Pds.Domain.OAuth;

/// <summary>A public elliptic-curve key in JWK form (RFC 7517), as OAuth clients present them.</summary>
public sealed class Jwk
{
    private Jwk(string curve, byte[] x, byte[] y, string? kid, string? alg, JsonElement json)
    {
        Curve = curve;
        X = x;
        Y = y;
        Kid = kid;
        Alg = alg;
        Json = json;
    }

    /// <summary><c>P-256</c> or <c>secp256k1</c>.</summary>
    public string Curve { get; }

    public byte[] X { get; }

    public byte[] Y { get; }

    public string? Kid { get; }

    public string? Alg { get; }

    /// <summary>The key as received.</summary>
    public JsonElement Json { get; }

    /// <summary>The JWS algorithm this key signs with.</summary>
    public string Algorithm => Curve == "P-256" ? "ES256" : "ES256K";

    /// <summary>
    /// Reads a public EC key. Refuses private keys (a <c>d</c> member), other key types and curves,
    /// and coordinates that are not exactly 32 bytes.
    /// </summary>
    public static bool TryParse(JsonElement json, out Jwk jwk)
    {
        jwk = null!;
        if (json.ValueKind != JsonValueKind.Object
            || Str(json, "kty") != "EC"
            || json.TryGetProperty("d", out _)
            || Str(json, "crv") is not ("P-256" or "secp256k1"))
        {
            return false;
        }

        var crv = Str(json, "crv")!;
        if (!TryB64(Str(json, "x"), out var x) || !TryB64(Str(json, "y"), out var y) || x.Length != 32 || y.Length != 32)
        {
            return false;
        }

        var alg = Str(json, "alg");
        if (alg is not null && alg != (crv == "P-256" ? "ES256" : "ES256K"))
        {
            return false;
        }

        jwk = new Jwk(crv, x, y, Str(json, "kid"), alg, json.Clone());
        return true;
    }

    /// <summary>The RFC 7638 thumbprint (SHA-256, base64url): what DPoP binds tokens to (<c>jkt</c>).</summary>
    public string Thumbprint()
    {
        var canonical = $"{{\"crv\":\"{Curve}\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(X)}\",\"y\":\"{Base64Url.EncodeToString(Y)}\"}}";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Checks an IEEE P1363 (r || s) signature, as JWS carries it.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
        {
            return false;
        }

        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = Curve == "P-256" ? ECCurve.NamedCurves.nistP256 : ECCurve.CreateFromFriendlyName("secP256k1"),
                Q = new ECPoint { X = X, Y = Y },
            });
            return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false; // Not a point on the curve.
        }
    }

    public static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool TryB64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Contains('=', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            bytes = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// A compact JWS signed with an elliptic-curve key, decoded but not yet trusted: header and claims
/// as JSON, the signing input and the signature. Parsing is bounded and never throws.
/// </summary>
public sealed class Jws
{
    public const int MaxLength = 16 * 1024;

    private Jws(JsonElement header, JsonElement claims, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Claims = claims;
        SigningInput = signingInput;
        Signature = signature;
    }

    public JsonElement Header { get; }

    public JsonElement Claims { get; }

    public byte[] SigningInput { get; }

    public byte[] Signature { get; }

    public string? Alg => Jwk.Str(Header, "alg");

    public string? Typ => Jwk.Str(Header, "typ");

    public string? Kid => Jwk.Str(Header, "kid");

    public string? Claim(string name) => Jwk.Str(Claims, name);

    /// <summary>A numeric (seconds) claim, or null.</summary>
    public long? Seconds(string name) =>
        Claims.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? (long)Math.Floor(d) : null;

    public static bool TryParse(string? token, out Jws jws)
    {
        jws = null!;
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength)
        {
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 3
            || !Jwk.TryB64(parts[0], out var headerBytes)
            || !Jwk.TryB64(parts[1], out var claimBytes)
            || !Jwk.TryB64(parts[2], out var signature))
        {
            return false;
        }

        try
        {
            var options = new JsonDocumentOptions { MaxDepth = 16 };
            using var header = JsonDocument.Parse(headerBytes, options);
            using var claims = JsonDocument.Parse(claimBytes, options);
            if (header.RootElement.ValueKind != JsonValueKind.Object || claims.RootElement.ValueKind != JsonValueKind.Object
                || header.RootElement.TryGetProperty("crit", out _))
            {
                return false;
            }

            jws = new Jws(header.RootElement.Clone(), claims.RootElement.Clone(), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>True when the algorithm is the key's and the signature verifies.</summary>
    public bool VerifyWith(Jwk key) => Alg == key.Algorithm && key.Verify(SigningInput, Signature);
}

/// <summary>PKCE (RFC 7636) with the only method atproto allows, S256.</summary>
public static class Pkce
{
    /// <summary>A verifier is 43 to 128 unreserved characters.</summary>
    public static bool IsValidVerifier(string? verifier) =>
        verifier is { Length: >= 43 and <= 128 } && verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    /// <summary>A challenge is the base64url SHA-256 of a verifier: 43 characters.</summary>
    public static bool IsValidChallenge(string? challenge) =>
        challenge is { Length: 43 } && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string Challenge(string verifier) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static bool Verify(string? verifier, string challenge) =>
        IsValidVerifier(verifier) && Auth.ConstantTime.SecretEquals(Challenge(verifier!), challenge);
}
