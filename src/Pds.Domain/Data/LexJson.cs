using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Pds.Domain.Data;

/// <summary>
/// The JSON representation of the atproto data model: CID links as <c>{"$link": "..."}</c>,
/// bytes as <c>{"$bytes": "&lt;base64&gt;"}</c>, blobs as <c>$type: "blob"</c> maps. Parsing enforces
/// the data-model rules (no floats, well-formed <c>$link</c>/<c>$bytes</c>/blob objects, string
/// <c>$type</c>), so JSON that parses here always encodes to valid DAG-CBOR.
/// </summary>
public static class LexJson
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = DagCbor.DefaultMaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses a JSON document into a data-model value.</summary>
    /// <exception cref="DataModelException">Malformed JSON or not valid under the data model.</exception>
    public static LexValue Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new DataModelException("empty JSON document");
            }

            var value = ReadValue(ref reader);
            if (reader.Read())
            {
                throw new DataModelException("trailing data after the JSON value");
            }

            return value;
        }
        catch (JsonException e)
        {
            throw new DataModelException($"malformed JSON: {e.Message}", e);
        }
    }

    public static LexValue Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a JSON document whose top level must be an object (records, request bodies).</summary>
    public static LexMap ParseObject(ReadOnlySpan<byte> utf8Json) =>
        Parse(utf8Json) as LexMap ?? throw new DataModelException("the top-level value must be a JSON object");

    public static LexMap ParseObject(string json) => ParseObject(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Converts an already-parsed JSON element (e.g. part of a request body).</summary>
    public static LexValue FromElement(JsonElement element, int depthRemaining = DagCbor.DefaultMaxDepth)
    {
        if (depthRemaining <= 0)
        {
            throw new DataModelException("JSON nesting too deep");
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return LexNull.Instance;
            case JsonValueKind.True:
                return LexBoolean.True;
            case JsonValueKind.False:
                return LexBoolean.False;
            case JsonValueKind.String:
                return new LexString(element.GetString()!);
            case JsonValueKind.Number:
                return new LexInteger(IntegerFromNumber(element.GetRawText()));
            case JsonValueKind.Array:
            {
                var items = new List<LexValue>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(FromElement(item, depthRemaining - 1));
                }

                return new LexArray(items);
            }

            case JsonValueKind.Object:
            {
                var entries = new Dictionary<string, LexValue>(StringComparer.Ordinal);
                foreach (var p in element.EnumerateObject())
                {
                    if (!entries.TryAdd(p.Name, FromElement(p.Value, depthRemaining - 1)))
                    {
                        throw new DataModelException($"duplicate key \"{p.Name}\"");
                    }
                }

                return FromObject(entries);
            }

            default:
                throw new DataModelException("unsupported JSON value");
        }
    }

    private static LexValue ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return LexNull.Instance;
            case JsonTokenType.True:
                return LexBoolean.True;
            case JsonTokenType.False:
                return LexBoolean.False;
            case JsonTokenType.String:
                return new LexString(reader.GetString()!);
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l))
                {
                    return new LexInteger(l);
                }

                return new LexInteger(IntegerFromNumber(System.Text.Encoding.UTF8.GetString(
                    reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)));
            case JsonTokenType.StartArray:
            {
                var items = new List<LexValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader));
                }

                return new LexArray(items);
            }

            case JsonTokenType.StartObject:
            {
                var entries = new Dictionary<string, LexValue>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (!entries.TryAdd(key, ReadValue(ref reader)))
                    {
                        throw new DataModelException($"duplicate key \"{key}\"");
                    }
                }

                return FromObject(entries);
            }

            default:
                throw new DataModelException($"unexpected JSON token {reader.TokenType}");
        }
    }

    /// <summary>
    /// JSON numbers are accepted only when they denote an integer in the signed 64-bit range
    /// (so <c>123.0</c> is the integer 123, and <c>123.5</c> is rejected: no floats).
    /// </summary>
    private static long IntegerFromNumber(string raw)
    {
        if (long.TryParse(raw, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (decimal.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            && decimal.Truncate(d) == d && d >= long.MinValue && d <= long.MaxValue)
        {
            return (long)d;
        }

        throw new DataModelException($"number {raw} is not an integer in the 64-bit range (floats are not allowed)");
    }

    private static LexValue FromObject(Dictionary<string, LexValue> entries)
    {
        if (entries.TryGetValue("$link", out var link))
        {
            if (entries.Count != 1)
            {
                throw new DataModelException("a $link object must have no other fields");
            }

            if (link is not LexString s || !Cid.TryParse(s.Value, out var cid))
            {
                throw new DataModelException("$link must be a CID string");
            }

            return new LexLink(cid);
        }

        if (entries.TryGetValue("$bytes", out var bytes))
        {
            if (entries.Count != 1)
            {
                throw new DataModelException("a $bytes object must have no other fields");
            }

            if (bytes is not LexString s || !TryDecodeBase64(s.Value, out var decoded))
            {
                throw new DataModelException("$bytes must be a base64 string");
            }

            return new LexBytes(decoded);
        }

        var map = new LexMap(entries);
        CheckMapInvariants(map);
        return map;
    }

    /// <summary>Rules every map must satisfy in both encodings: a string, non-empty <c>$type</c>, and well-formed blobs.</summary>
    internal static void CheckMapInvariants(LexMap map)
    {
        if (map.Entries.TryGetValue("$type", out var type))
        {
            if (type is not LexString { Value.Length: > 0 })
            {
                throw new DataModelException("$type must be a non-empty string");
            }

            _ = BlobRef.FromMap(map);
        }
    }

    /// <summary>Standard base64 (RFC 4648 section 4), padding optional; no whitespace, no URL-safe alphabet.</summary>
    public static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = [];
        var len = text.Length;
        var unpadded = text.AsSpan().TrimEnd('=');
        if (len - unpadded.Length > 2 || unpadded.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in unpadded)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        var padded = unpadded.Length % 4 == 0 ? unpadded.ToString() : unpadded.ToString() + new string('=', 4 - (unpadded.Length % 4));
        if (len != unpadded.Length && padded.Length != len)
        {
            return false;
        }

        var ascii = System.Text.Encoding.ASCII.GetBytes(padded);
        ClearTrailingBits(ascii, unpadded.Length);
        var buffer = new byte[padded.Length / 4 * 3];
        if (Base64.DecodeFromUtf8(ascii, buffer, out _, out var written) != OperationStatus.Done)
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>
    /// A final partial group leaves 2 or 4 unused low bits in its last character. Encoders write
    /// them as zero, but the reference implementation's decoder ignores them (the official lexicon
    /// vectors carry <c>{"$bytes": "123"}</c> as valid), so they are cleared before the strict decode.
    /// </summary>
    private static void ClearTrailingBits(byte[] ascii, int unpaddedLength)
    {
        var unused = (unpaddedLength % 4) switch { 2 => 0x0F, 3 => 0x03, _ => 0 };
        if (unused == 0)
        {
            return;
        }

        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var last = unpaddedLength - 1;
        ascii[last] = (byte)Alphabet[Alphabet.IndexOf((char)ascii[last], StringComparison.Ordinal) & ~unused];
    }

    /// <summary>Writes a data-model value as JSON.</summary>
    public static void Write(Utf8JsonWriter writer, LexValue value)
    {
        switch (value)
        {
            case LexNull:
                writer.WriteNullValue();
                break;
            case LexBoolean b:
                writer.WriteBooleanValue(b.Value);
                break;
            case LexInteger i:
                writer.WriteNumberValue(i.Value);
                break;
            case LexString s:
                writer.WriteStringValue(s.Value);
                break;
            case LexBytes bytes:
                writer.WriteStartObject();
                writer.WriteString("$bytes", Convert.ToBase64String(bytes.Value.Span).TrimEnd('='));
                writer.WriteEndObject();
                break;
            case LexLink link:
                writer.WriteStartObject();
                writer.WriteString("$link", link.Value.ToString());
                writer.WriteEndObject();
                break;
            case LexArray array:
                writer.WriteStartArray();
                foreach (var item in array.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case LexMap map:
                writer.WriteStartObject();
                foreach (var (k, v) in map.Entries)
                {
                    writer.WritePropertyName(k);
                    Write(writer, v);
                }

                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"unsupported data-model value {value.GetType().Name}", nameof(value));
        }
    }

    public static byte[] ToUtf8Bytes(LexValue value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJsonString(LexValue value) => System.Text.Encoding.UTF8.GetString(ToUtf8Bytes(value));
}
