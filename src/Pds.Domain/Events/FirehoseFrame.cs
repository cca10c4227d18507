using System.Formats.Cbor;
using Pds.Domain.Data;

namespace Pds.Domain.Events;

/// <summary>
/// Event-stream framing: each binary WebSocket message is a DAG-CBOR header
/// (<c>{op: 1, t: "#commit"}</c>, or <c>{op: -1}</c> for an error) followed by the DAG-CBOR payload.
/// </summary>
public static class FirehoseFrame
{
    /// <summary>A message frame for a stored event payload, with its sequence number added.</summary>
    public static byte[] Message(string type, long seq, LexMap payloadWithoutSeq)
    {
        var fields = new Dictionary<string, LexValue>(payloadWithoutSeq.Entries, StringComparer.Ordinal) { ["seq"] = seq };
        return Concat(Header(1, type), DagCbor.Encode(new LexMap(fields)));
    }

    public static byte[] Message(RepoEvent evt, long seq) => Message(evt.Type, seq, evt.ToPayload());

    /// <summary>An <c>#info</c> message (e.g. <c>OutdatedCursor</c>); it has no sequence number.</summary>
    public static byte[] Info(string name, string? message)
    {
        var payload = message is null ? LexValue.Map(("name", name)) : LexValue.Map(("name", name), ("message", message));
        return Concat(Header(1, "#info"), DagCbor.Encode(payload));
    }

    /// <summary>An error frame (<c>FutureCursor</c>, <c>ConsumerTooSlow</c>, ...); the stream closes after it.</summary>
    public static byte[] Error(string error, string? message)
    {
        var payload = message is null ? LexValue.Map(("error", error)) : LexValue.Map(("error", error), ("message", message));
        return Concat(Header(-1, null), DagCbor.Encode(payload));
    }

    /// <summary>Splits a frame into its header fields and payload.</summary>
    public static (int Op, string? Type, LexMap Payload) Decode(ReadOnlyMemory<byte> frame)
    {
        var reader = new CborReader(frame, DagCbor.Mode, allowMultipleRootLevelValues: true);
        LexMap header;
        LexValue body;
        try
        {
            header = DagCbor.Read(reader) as LexMap ?? throw new DataModelException("frame header must be a map");
            body = DagCbor.Read(reader);
            if (reader.BytesRemaining != 0)
            {
                throw new DataModelException("trailing bytes after the frame payload");
            }
        }
        catch (CborContentException e)
        {
            throw new DataModelException($"invalid frame: {e.Message}", e);
        }

        var op = header.GetInteger("op") ?? throw new DataModelException("frame header needs an integer op");
        return ((int)op, header.GetString("t"), body as LexMap ?? throw new DataModelException("frame payload must be a map"));
    }

    private static byte[] Header(int op, string? type) =>
        DagCbor.Encode(type is null ? LexValue.Map(("op", (long)op)) : LexValue.Map(("op", (long)op), ("t", type)));

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}
