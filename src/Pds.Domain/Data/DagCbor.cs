using System.Formats.Cbor;

namespace Pds.Domain.Data;

/// <summary>
/// Strict DAG-CBOR (DRISL) for the atproto data model: definite lengths only, shortest integer
/// encodings, map keys are text strings sorted length-first then bytewise, no duplicate keys,
/// no floats, no tags but 42 (CID links, a byte string with a 0x00 prefix), no undefined or other
/// simple values. The decoder rejects anything non-canonical and bounds nesting depth.
/// </summary>
public static class DagCbor
{
    /// <summary>CBOR tag for CID links.</summary>
    public const CborTag CidTag = (CborTag)42;

    /// <summary>Maximum nesting depth accepted by the decoders (System.Formats.Cbor also caps readers at 64).</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>Canonical mode of System.Formats.Cbor (RFC 7049 length-first key order, minimal integers, definite lengths).</summary>
    public const CborConformanceMode Mode = CborConformanceMode.Canonical;

    public static CborWriter CreateWriter(int initialCapacity = 256) =>
        new(Mode, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false, initialCapacity: initialCapacity);

    /// <summary>Encodes a data-model value to canonical DAG-CBOR bytes.</summary>
    public static byte[] Encode(LexValue value)
    {
        var writer = CreateWriter();
        Write(writer, value);
        return writer.Encode();
    }

    /// <summary>Encodes and returns the CID of the resulting block along with its bytes.</summary>
    public static (Cid Cid, byte[] Bytes) EncodeBlock(LexValue value)
    {
        var bytes = Encode(value);
        return (Cid.ForDagCbor(bytes), bytes);
    }

    public static void Write(CborWriter writer, LexValue value)
    {
        switch (value)
        {
            case LexNull:
                writer.WriteNull();
                break;
            case LexBoolean b:
                writer.WriteBoolean(b.Value);
                break;
            case LexInteger i:
                writer.WriteInt64(i.Value);
                break;
            case LexString s:
                writer.WriteTextString(s.Value);
                break;
            case LexBytes bytes:
                writer.WriteByteString(bytes.Value.Span);
                break;
            case LexLink link:
                WriteCid(writer, link.Value);
                break;
            case LexArray array:
                writer.WriteStartArray(array.Items.Count);
                foreach (var item in array.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case LexMap map:
                // The canonical writer orders the keys (length-first, then bytewise) at WriteEndMap.
                writer.WriteStartMap(map.Entries.Count);
                foreach (var (k, v) in map.Entries)
                {
                    writer.WriteTextString(k);
                    Write(writer, v);
                }

                writer.WriteEndMap();
                break;
            default:
                throw new ArgumentException($"unsupported data-model value {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>Writes a CID link: tag 42 over a byte string of 0x00 followed by the binary CID.</summary>
    public static void WriteCid(CborWriter writer, Cid cid)
    {
        Span<byte> buffer = stackalloc byte[cid.ByteLength + 1];
        buffer[0] = 0;
        cid.CopyTo(buffer[1..]);
        writer.WriteTag(CidTag);
        writer.WriteByteString(buffer);
    }

    /// <summary>Decodes one canonical DAG-CBOR value that must span all of <paramref name="data"/>.</summary>
    /// <exception cref="DataModelException">Malformed, non-canonical, or outside the atproto data model.</exception>
    public static LexValue Decode(ReadOnlyMemory<byte> data, int maxDepth = DefaultMaxDepth) =>
        ReadWhole(data, maxDepth, static (reader, depth) => Read(reader, depth));

    /// <summary>
    /// Reads one value that must span all of <paramref name="data"/> under the strict rules, with
    /// the reader's own errors reported as <see cref="DataModelException"/>.
    /// </summary>
    internal static T ReadWhole<TState, T>(ReadOnlyMemory<byte> data, TState state, Func<CborReader, TState, T> read)
    {
        var reader = new CborReader(data, Mode, allowMultipleRootLevelValues: false);
        try
        {
            var value = read(reader, state);
            if (reader.BytesRemaining != 0)
            {
                throw new DataModelException("trailing bytes after the CBOR value");
            }

            return value;
        }
        catch (CborContentException e)
        {
            throw new DataModelException($"invalid DAG-CBOR: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new DataModelException($"invalid DAG-CBOR: {e.Message}", e);
        }
        catch (FormatException e) when (e is not DataModelException)
        {
            throw new DataModelException($"invalid DAG-CBOR: {e.Message}", e);
        }
    }

    /// <summary>Decodes a DAG-CBOR value that must be a map (records, commits, MST nodes).</summary>
    public static LexMap DecodeMap(ReadOnlyMemory<byte> data, int maxDepth = DefaultMaxDepth) =>
        Decode(data, maxDepth) as LexMap ?? throw new DataModelException("expected a CBOR map");

    /// <summary>
    /// Checks that <paramref name="data"/> is one canonical DAG-CBOR map, under the same rules as
    /// <see cref="DecodeMap"/>, without building it: strings, byte strings and maps are not
    /// materialized (a map that says it is a blob is decoded, to check its shape). For blocks that
    /// are only checked, such as an imported repository's records.
    /// </summary>
    /// <exception cref="DataModelException">Malformed, non-canonical, not a map, or outside the atproto data model.</exception>
    public static void CheckMap(ReadOnlyMemory<byte> data, int maxDepth = DefaultMaxDepth) =>
        ReadWhole(data, (data, maxDepth), static (reader, state) =>
        {
            if (reader.PeekState() != CborReaderState.StartMap)
            {
                throw new DataModelException("expected a CBOR map");
            }

            Check(reader, state.data, state.maxDepth);
            return true;
        });

    private static void Check(CborReader reader, ReadOnlyMemory<byte> data, int depthRemaining)
    {
        if (depthRemaining <= 0)
        {
            throw new DataModelException("CBOR nesting too deep");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                _ = ReadInteger(reader);
                return;
            case CborReaderState.TextString:
                CheckUtf8(reader.ReadDefiniteLengthTextStringBytes().Span);
                return;
            case CborReaderState.ByteString:
                _ = reader.ReadDefiniteLengthByteString();
                return;
            case CborReaderState.Boolean:
                _ = reader.ReadBoolean();
                return;
            case CborReaderState.Null:
                reader.ReadNull();
                return;
            case CborReaderState.StartArray:
            {
                var count = reader.ReadStartArray() ?? throw new DataModelException("indefinite-length array");
                for (var i = 0; i < count; i++)
                {
                    Check(reader, data, depthRemaining - 1);
                }

                reader.ReadEndArray();
                return;
            }

            case CborReaderState.StartMap:
            {
                var start = data.Length - reader.BytesRemaining;
                var count = reader.ReadStartMap() ?? throw new DataModelException("indefinite-length map");
                var blob = false;
                for (var i = 0; i < count; i++)
                {
                    if (reader.PeekState() != CborReaderState.TextString)
                    {
                        throw new DataModelException("map keys must be text strings");
                    }

                    var key = reader.ReadDefiniteLengthTextStringBytes().Span;
                    CheckUtf8(key);
                    if (!key.SequenceEqual("$type"u8))
                    {
                        Check(reader, data, depthRemaining - 1);
                        continue;
                    }

                    // The rule Decode checks on the built map (LexJson.CheckMapInvariants).
                    if (reader.PeekState() != CborReaderState.TextString)
                    {
                        throw new DataModelException("$type must be a non-empty string");
                    }

                    var type = reader.ReadDefiniteLengthTextStringBytes().Span;
                    CheckUtf8(type);
                    if (type.IsEmpty)
                    {
                        throw new DataModelException("$type must be a non-empty string");
                    }

                    blob = type.SequenceEqual("blob"u8);
                }

                reader.ReadEndMap();
                if (blob)
                {
                    // Rare: decoding this map checks its blob shape exactly as Decode does.
                    _ = Decode(data[start..(data.Length - reader.BytesRemaining)], depthRemaining);
                }

                return;
            }

            case CborReaderState.Tag:
                _ = ReadTaggedCid(reader);
                return;
            default:
                throw NotInDataModel(reader.PeekState());
        }
    }

    private static void CheckUtf8(ReadOnlySpan<byte> text)
    {
        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw new DataModelException("invalid DAG-CBOR: text string is not valid UTF-8");
        }
    }

    public static bool TryDecode(ReadOnlyMemory<byte> data, out LexValue? value)
    {
        try
        {
            value = Decode(data);
            return true;
        }
        catch (DataModelException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>Reads one value from a reader positioned at it (strict rules as <see cref="Decode"/>).</summary>
    public static LexValue Read(CborReader reader, int depthRemaining = DefaultMaxDepth)
    {
        if (depthRemaining <= 0)
        {
            throw new DataModelException("CBOR nesting too deep");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return new LexInteger(ReadInteger(reader));

            case CborReaderState.TextString:
                return new LexString(reader.ReadTextString());
            case CborReaderState.ByteString:
                return new LexBytes(reader.ReadByteString());
            case CborReaderState.Boolean:
                return reader.ReadBoolean() ? LexBoolean.True : LexBoolean.False;
            case CborReaderState.Null:
                reader.ReadNull();
                return LexNull.Instance;
            case CborReaderState.StartArray:
            {
                var count = reader.ReadStartArray() ?? throw new DataModelException("indefinite-length array");
                var items = new LexValue[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = Read(reader, depthRemaining - 1);
                }

                reader.ReadEndArray();
                return new LexArray(items);
            }

            case CborReaderState.StartMap:
            {
                var count = reader.ReadStartMap() ?? throw new DataModelException("indefinite-length map");
                var entries = new Dictionary<string, LexValue>(Math.Min(count, 1024), StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    if (reader.PeekState() != CborReaderState.TextString)
                    {
                        throw new DataModelException("map keys must be text strings");
                    }

                    var key = reader.ReadTextString();
                    entries.Add(key, Read(reader, depthRemaining - 1));
                }

                reader.ReadEndMap();
                var map = new LexMap(entries);
                LexJson.CheckMapInvariants(map);
                return map;
            }

            case CborReaderState.Tag:
                return new LexLink(ReadTaggedCid(reader));
            default:
                throw NotInDataModel(reader.PeekState());
        }
    }

    /// <summary>Reads the tagged item the reader is at: only tag 42 around a CID's bytes (a link) is allowed.</summary>
    private static Cid ReadTaggedCid(CborReader reader)
    {
        var tag = reader.ReadTag();
        if (tag != CidTag)
        {
            throw new DataModelException($"CBOR tag {(ulong)tag} is not allowed (only 42)");
        }

        if (reader.PeekState() != CborReaderState.ByteString)
        {
            throw new DataModelException("tag 42 must wrap a byte string");
        }

        return ReadCidBytes(reader.ReadByteString());
    }

    /// <summary>The error for a CBOR item the atproto data model has no place for (floats, undefined, simple values).</summary>
    internal static DataModelException NotInDataModel(CborReaderState state) => state switch
    {
        CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat =>
            new DataModelException("floats are not allowed in the atproto data model"),
        _ => new DataModelException($"CBOR item not allowed in the atproto data model ({state})"),
    };

    /// <summary>Reads an integer (the reader is at an unsigned or negative one); it must fit in a signed 64-bit integer.</summary>
    internal static long ReadInteger(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.UnsignedInteger)
        {
            var u = reader.ReadUInt64();
            return u <= long.MaxValue ? (long)u : throw new DataModelException("integer out of 64-bit signed range");
        }

        // -1 - n
        var n = reader.ReadCborNegativeIntegerRepresentation();
        return n <= long.MaxValue ? -1 - (long)n : throw new DataModelException("integer out of 64-bit signed range");
    }

    /// <summary>Reads a tag-42 CID link (after checking the tag) from the reader.</summary>
    public static Cid ReadCid(CborReader reader)
    {
        if (reader.ReadTag() != CidTag)
        {
            throw new DataModelException("expected a CID link (tag 42)");
        }

        return ReadCidBytes(reader.ReadByteString());
    }

    private static Cid ReadCidBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0)
        {
            throw new DataModelException("CID link bytes must start with the 0x00 multibase prefix");
        }

        if (!Cid.TryRead(bytes[1..], out var cid, out var consumed) || consumed != bytes.Length - 1)
        {
            throw new DataModelException("invalid CID in link");
        }

        return cid!;
    }
}
