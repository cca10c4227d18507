using System.Globalization;
using Pds.Domain.Data;
using Pds.Domain.Repo;

namespace Pds.Domain.Tests.Repo.Car;

/// <summary>Deterministic blocks for CAR tests: post-like records encoded as DAG-CBOR.</summary>
internal static class CarTestData
{
    public static (Cid Cid, byte[] Bytes) Record(int i)
    {
        var value = LexValue.Map(
            ("$type", "app.bsky.feed.post"),
            ("text", "post number " + i.ToString(CultureInfo.InvariantCulture) + new string('x', i % 97)),
            ("createdAt", "2024-01-01T00:00:00.000Z"),
            ("n", (long)i));
        return DagCbor.EncodeBlock(value);
    }

    public static BlockMap Blocks(int count)
    {
        var map = new BlockMap();
        for (var i = 0; i < count; i++)
        {
            var (cid, bytes) = Record(i);
            map.Set(cid, bytes);
        }

        return map;
    }

    public static async IAsyncEnumerable<(Cid Cid, ReadOnlyMemory<byte> Bytes)> StreamRecords(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (cid, bytes) = Record(i);
            yield return (cid, bytes);
            if (i % 1000 == 0)
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>A stream that hands out at most one byte per read, to split every varint and section.</summary>
    public sealed class TrickleStream(byte[] data) : Stream
    {
        private int _pos;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (_pos >= data.Length || count == 0)
            {
                return 0;
            }

            buffer[offset] = data[_pos++];
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
