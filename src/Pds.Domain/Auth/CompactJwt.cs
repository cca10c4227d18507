using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pds.Domain.Auth;

/// <summary>The registered header fields this code reads from a JWS header.</summary>
internal readonly record struct JwtHeader(string? Alg, string? Typ, string? Kid, bool HasCrit);

/// <summary>
/// The payload claims the PDS understands. Time claims are Unix seconds; fractional values are
/// truncated toward negative infinity. <c>Aud</c> is only accepted as a string (the PDS never
/// issues or accepts array audiences).
/// </summary>
internal readonly record struct JwtPayload(
    string? Iss,
    string? Sub,
    string? Aud,
    string? Scope,
    string? Jti,
    string? Lxm,
    long? Exp,
    long? Iat,
    long? Nbf,
    bool HasCnf);

/// <summary>A structurally valid compact JWS with decoded header, payload and signature.</summary>
internal sealed class ParsedJwt
{
    public required JwtHeader Header { get; init; }

    public required JwtPayload Payload { get; init; }

    /// <summary>The ASCII text that was signed: <c>header.payload</c>.</summary>
    public required byte[] SigningInput { get; init; }

    public required byte[] Signature { get; init; }
}

/// <summary>Delegate that signs <paramref name="signingInput"/> into <paramref name="signature"/>.</summary>
internal delegate void JwtSigner(ReadOnlySpan<byte> signingInput, Span<byte> signature);

/// <summary>
/// Compact JWS serialisation (RFC 7515 section 7.1) for the few token shapes atproto uses. Parsing is
/// strict and total: unpadded base64url only (canonical trailing bits), UTF-8 JSON objects, no
/// duplicate member names, known claims of the right JSON type, bounded length. It never throws.
/// </summary>
internal static class CompactJwt
{
    /// <summary>Tokens longer than this are rejected before any decoding; real ones are a few hundred characters.</summary>
    public const int MaxTokenLength = 8192;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The JSON is base64url-encoded, never embedded in HTML, so only JSON-mandatory escaping is
        // needed; this also keeps the bytes equal to what JSON.stringify produces for the same object.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 16,
    };

    /// <summary>Writes a JSON object with <paramref name="write"/> and returns its UTF-8 bytes.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Assembles <c>b64u(header).b64u(payload).b64u(signature)</c>.</summary>
    public static string Encode(ReadOnlySpan<byte> headerJson, ReadOnlySpan<byte> payloadJson, int signatureLength, JwtSigner sign)
    {
        var headerLength = Base64Url.GetEncodedLength(headerJson.Length);
        var payloadLength = Base64Url.GetEncodedLength(payloadJson.Length);
        var signingLength = headerLength + 1 + payloadLength;
        var total = signingLength + 1 + Base64Url.GetEncodedLength(signatureLength);

        var rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var buffer = rented.AsSpan(0, total);
            Base64Url.EncodeToUtf8(headerJson, buffer[..headerLength]);
            buffer[headerLength] = (byte)'.';
            Base64Url.EncodeToUtf8(payloadJson, buffer.Slice(headerLength + 1, payloadLength));
            buffer[signingLength] = (byte)'.';

            Span<byte> signature = stackalloc byte[signatureLength];
            sign(buffer[..signingLength], signature);
            Base64Url.EncodeToUtf8(signature, buffer[(signingLength + 1)..]);
            return Encoding.ASCII.GetString(buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static bool TryParse(string? token, out ParsedJwt jwt, out JwtFailure failure)
    {
        jwt = null!;
        failure = JwtFailure.Malformed;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return false;
        }

        var span = token.AsSpan();
        var firstDot = span.IndexOf('.');
        if (firstDot <= 0)
        {
            return false;
        }

        var secondDot = span[(firstDot + 1)..].IndexOf('.');
        if (secondDot <= 0)
        {
            return false;
        }

        secondDot += firstDot + 1;
        var headerPart = span[..firstDot];
        var payloadPart = span[(firstDot + 1)..secondDot];
        var signaturePart = span[(secondDot + 1)..];
        if (signaturePart.IsEmpty || signaturePart.Contains('.'))
        {
            return false;
        }

        if (!TryDecode(headerPart, out var headerJson)
            || !TryDecode(payloadPart, out var payloadJson)
            || !TryDecode(signaturePart, out var signature)
            || !TryReadHeader(headerJson, out var header)
            || !TryReadPayload(payloadJson, out var payload))
        {
            return false;
        }

        // Every character was checked to be base64url or '.', so the ASCII encoding is exact.
        var signingInput = Encoding.ASCII.GetBytes(token, 0, secondDot);
        jwt = new ParsedJwt { Header = header, Payload = payload, SigningInput = signingInput, Signature = signature };
        failure = JwtFailure.None;
        return true;
    }

    /// <summary>
    /// Compares a <c>typ</c> header the way JOSE libraries do (RFC 7515 section 4.1.9): case-insensitive,
    /// with an optional <c>application/</c> prefix.
    /// </summary>
    public static bool TypIs(string? typ, string expected)
    {
        if (typ is null)
        {
            return false;
        }

        const string prefix = "application/";
        var value = typ.AsSpan();
        if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value[prefix.Length..];
        }

        return value.Equals(expected, StringComparison.OrdinalIgnoreCase);
    }

    internal static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsBase64UrlChar(c))
            {
                return false;
            }
        }

        // Reject non-canonical encodings: the unused low bits of the last character must be zero,
        // otherwise one value has several textual forms.
        var last = Base64UrlValue(text[^1]);
        if ((text.Length % 4 == 2 && (last & 0x0F) != 0) || (text.Length % 4 == 3 && (last & 0x03) != 0))
        {
            return false;
        }

        var decoded = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, decoded, out _, out var written) != OperationStatus.Done)
        {
            return false;
        }

        bytes = written == decoded.Length ? decoded : decoded.AsSpan(0, written).ToArray();
        return true;
    }

    private static bool IsBase64UrlChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static int Base64UrlValue(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };

    private static bool TryReadHeader(byte[] json, out JwtHeader header)
    {
        header = default;
        string? alg = null, typ = null, kid = null;
        var crit = false;
        var seen = 0;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("alg"u8) ? 0
                    : reader.ValueTextEquals("typ"u8) ? 1
                    : reader.ValueTextEquals("kid"u8) ? 2
                    : reader.ValueTextEquals("crit"u8) ? 3
                    : -1;
                if (!reader.Read() || !FirstSighting(ref seen, field))
                {
                    return false;
                }

                var ok = field switch
                {
                    0 => TryString(ref reader, out alg),
                    1 => TryString(ref reader, out typ),
                    2 => TryString(ref reader, out kid),
                    3 => crit = true,
                    _ => true,
                };
                if (!ok)
                {
                    return false;
                }

                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        header = new JwtHeader(alg, typ, kid, crit);
        return true;
    }

    private static bool TryReadPayload(byte[] json, out JwtPayload payload)
    {
        payload = default;
        string? iss = null, sub = null, aud = null, scope = null, jti = null, lxm = null;
        long? exp = null, iat = null, nbf = null;
        var cnf = false;
        var seen = 0;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = PayloadField(ref reader);
                if (!reader.Read() || !FirstSighting(ref seen, field))
                {
                    return false;
                }

                var ok = field switch
                {
                    0 => TryString(ref reader, out iss),
                    1 => TryString(ref reader, out sub),
                    2 => TryString(ref reader, out aud),
                    3 => TryString(ref reader, out scope),
                    4 => TryString(ref reader, out jti),
                    5 => TryString(ref reader, out lxm),
                    6 => TrySeconds(ref reader, out exp),
                    7 => TrySeconds(ref reader, out iat),
                    8 => TrySeconds(ref reader, out nbf),
                    9 => cnf = true,
                    _ => true,
                };
                if (!ok)
                {
                    return false;
                }

                // Steps over the value of an ignored member; a no-op for the scalars read above.
                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        payload = new JwtPayload(iss, sub, aud, scope, jti, lxm, exp, iat, nbf, cnf);
        return true;
    }

    private static int PayloadField(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("iss"u8) ? 0
        : reader.ValueTextEquals("sub"u8) ? 1
        : reader.ValueTextEquals("aud"u8) ? 2
        : reader.ValueTextEquals("scope"u8) ? 3
        : reader.ValueTextEquals("jti"u8) ? 4
        : reader.ValueTextEquals("lxm"u8) ? 5
        : reader.ValueTextEquals("exp"u8) ? 6
        : reader.ValueTextEquals("iat"u8) ? 7
        : reader.ValueTextEquals("nbf"u8) ? 8
        : reader.ValueTextEquals("cnf"u8) ? 9
        : -1;

    /// <summary>
    /// Duplicate members are rejected for every claim this code reads: JSON parsers disagree on which
    /// copy wins, and a token must not mean different things to different verifiers.
    /// </summary>
    private static bool FirstSighting(ref int seen, int field)
    {
        if (field < 0)
        {
            return true;
        }

        var bit = 1 << field;
        if ((seen & bit) != 0)
        {
            return false;
        }

        seen |= bit;
        return true;
    }

    private static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return value is not null;
    }

    private static bool TrySeconds(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        if (reader.TryGetInt64(out var integer))
        {
            value = integer;
            return true;
        }

        // NumericDate may be fractional (RFC 7519 section 2); keep whole seconds.
        if (reader.TryGetDouble(out var real) && double.IsFinite(real) && Math.Abs(real) < 1e15)
        {
            value = (long)Math.Floor(real);
            return true;
        }

        return false;
    }
}
