using System.Buffers;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Text.Json;

namespace Pds.Domain.Data;

/// <summary>
/// Transcodes a DAG-CBOR block to its atproto JSON form directly, without building the data-model
/// tree in between: the read path of stored records. The CBOR is read under the same canonical
/// rules as <see cref="DagCbor.Decode"/>; the output equals <see cref="LexJson.Write"/> of the
/// decoded value.
/// </summary>
public static class DagCborJson
{
    /// <exception cref="DataModelException">Malformed, non-canonical, or outside the atproto data model.</exception>
    public static void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> data, int maxDepth = DagCbor.DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(writer);
        DagCbor.ReadWhole(data, (writer, maxDepth), static (reader, state) =>
        {
            WriteValue(reader, state.writer, state.maxDepth);
            return true;
        });
    }

    private static void WriteValue(CborReader reader, Utf8JsonWriter writer, int depthRemaining)
    {
        if (depthRemaining <= 0)
        {
            throw new DataModelException("CBOR nesting too deep");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                writer.WriteNumberValue(DagCbor.ReadInteger(reader));
                break;

            case CborReaderState.TextString:
                writer.WriteStringValue(reader.ReadDefiniteLengthTextStringBytes().Span);
                break;
            case CborReaderState.ByteString:
                writer.WriteStartObject();
                writer.WritePropertyName("$bytes"u8);
                WriteUnpaddedBase64(writer, reader.ReadDefiniteLengthByteString().Span);
                writer.WriteEndObject();
                break;
            case CborReaderState.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case CborReaderState.Null:
                reader.ReadNull();
                writer.WriteNullValue();
                break;
            case CborReaderState.StartArray:
            {
                var count = reader.ReadStartArray() ?? throw new DataModelException("indefinite-length array");
                writer.WriteStartArray();
                for (var i = 0; i < count; i++)
                {
                    WriteValue(reader, writer, depthRemaining - 1);
                }

                reader.ReadEndArray();
                writer.WriteEndArray();
                break;
            }

            case CborReaderState.StartMap:
            {
                var count = reader.ReadStartMap() ?? throw new DataModelException("indefinite-length map");
                writer.WriteStartObject();
                for (var i = 0; i < count; i++)
                {
                    if (reader.PeekState() != CborReaderState.TextString)
                    {
                        throw new DataModelException("map keys must be text strings");
                    }

                    writer.WritePropertyName(reader.ReadDefiniteLengthTextStringBytes().Span);
                    WriteValue(reader, writer, depthRemaining - 1);
                }

                reader.ReadEndMap();
                writer.WriteEndObject();
                break;
            }

            case CborReaderState.Tag:
            {
                // Only tag 42, a CID link; DagCbor.ReadCid checks the tag and the CID.
                var cid = DagCbor.ReadCid(reader);
                writer.WriteStartObject();
                writer.WriteString("$link"u8, cid.ToString());
                writer.WriteEndObject();
                break;
            }

            default:
                throw DagCbor.NotInDataModel(reader.PeekState());
        }
    }

    private static void WriteUnpaddedBase64(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes)
    {
        var length = Base64.GetMaxEncodedToUtf8Length(bytes.Length);
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Base64.EncodeToUtf8(bytes, buffer, out _, out var written);
            var encoded = buffer[..written];
            while (encoded.Length > 0 && encoded[^1] == (byte)'=')
            {
                encoded = encoded[..^1];
            }

            writer.WriteStringValue(encoded);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
