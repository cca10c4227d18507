using System.Buffers;
using Pds.Domain.Data;

namespace Pds.Domain.Repo.Car;

/// <summary>
/// Writes a CAR v1 stream: a varint-prefixed DAG-CBOR header <c>{version: 1, roots: [...]}</c>,
/// then one section per block, <c>varint(len(cid) + len(block)) || cid || block</c>.
/// Small writes are gathered in a pooled buffer; blocks larger than the free space go straight to
/// the stream, so memory stays at the buffer size whatever the CAR's length.
/// </summary>
public sealed class CarWriter : IAsyncDisposable
{
    public const int DefaultBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[]? _buffer;
    private int _used;
    private bool _headerWritten;

    public CarWriter(Stream stream, bool leaveOpen = true, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 256);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>Blocks written so far.</summary>
    public long BlockCount { get; private set; }

    /// <summary>Bytes written so far (header and sections), including those still buffered.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The encoded header: varint length followed by the DAG-CBOR map.</summary>
    public static byte[] EncodeHeader(IReadOnlyList<Cid> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var writer = DagCbor.CreateWriter(16 + (roots.Count * 40));
        writer.WriteStartMap(2);
        writer.WriteTextString("roots");
        writer.WriteStartArray(roots.Count);
        foreach (var root in roots)
        {
            DagCbor.WriteCid(writer, root);
        }

        writer.WriteEndArray();
        writer.WriteTextString("version");
        writer.WriteInt32(1);
        writer.WriteEndMap();
        var map = writer.Encode();
        var prefix = Varint.SizeOf((ulong)map.Length);
        var result = new byte[prefix + map.Length];
        Varint.Write((ulong)map.Length, result);
        map.CopyTo(result.AsSpan(prefix));
        return result;
    }

    /// <summary>Writes the header; must be called once, before any block.</summary>
    public ValueTask WriteHeaderAsync(IReadOnlyList<Cid> roots, CancellationToken cancellationToken = default)
    {
        if (_headerWritten)
        {
            throw new InvalidOperationException("the CAR header has already been written");
        }

        _headerWritten = true;
        return WriteBytesAsync(EncodeHeader(roots), cancellationToken);
    }

    /// <summary>Appends one block. The caller vouches that <paramref name="cid"/> is the block's CID.</summary>
    public ValueTask WriteBlockAsync(Cid cid, ReadOnlyMemory<byte> block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return WriteBlockAsync(cid.Memory, block, cancellationToken);
    }

    /// <summary>
    /// Appends one block given the binary form of its CID (decoded straight from storage, say,
    /// without a <see cref="Cid"/> object); the caller vouches that it is the block's CID and
    /// keeps both memories unchanged until the returned task completes.
    /// </summary>
    public ValueTask WriteBlockAsync(ReadOnlyMemory<byte> cid, ReadOnlyMemory<byte> block, CancellationToken cancellationToken = default)
    {
        // Fast path: the whole section fits in the buffer's free space.
        if (TryWriteBlock(cid.Span, block.Span))
        {
            return ValueTask.CompletedTask;
        }

        var sectionLength = (ulong)(cid.Length + block.Length);
        var prefixLength = Varint.SizeOf(sectionLength) + cid.Length;
        BlockCount++;
        BytesWritten += prefixLength + block.Length;
        return WriteSectionSlowAsync(cid, sectionLength, prefixLength, block, cancellationToken);
    }

    /// <summary>
    /// Appends one block from spans (read straight out of storage, say) when its whole section fits
    /// in the buffer's free space, and returns true; returns false and writes nothing when it does
    /// not. Then <see cref="WriteBufferedAsync"/> frees the whole buffer for another try, and a block
    /// larger than the buffer goes through <see cref="WriteBlockAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// The caller vouches that <paramref name="cid"/> is the block's CID.
    /// </summary>
    public bool TryWriteBlock(ReadOnlySpan<byte> cid, ReadOnlySpan<byte> block)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(CarWriter));
        if (!_headerWritten)
        {
            throw new InvalidOperationException("write the CAR header before any block");
        }

        var sectionLength = (ulong)(cid.Length + block.Length);
        var length = Varint.SizeOf(sectionLength) + cid.Length + block.Length;
        if (buffer.Length - _used < length)
        {
            return false;
        }

        _used += Varint.Write(sectionLength, buffer.AsSpan(_used));
        cid.CopyTo(buffer.AsSpan(_used));
        _used += cid.Length;
        block.CopyTo(buffer.AsSpan(_used));
        _used += block.Length;
        BlockCount++;
        BytesWritten += length;
        return true;
    }

    /// <summary>Writes the gathered bytes to the stream, without flushing it, so the whole buffer is free again.</summary>
    public ValueTask WriteBufferedAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        return FlushBufferAsync(cancellationToken);
    }

    private async ValueTask WriteSectionSlowAsync(ReadOnlyMemory<byte> cid, ulong sectionLength, int prefixLength, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var buffer = _buffer!;
        if (buffer.Length - _used < prefixLength)
        {
            await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        _used += Varint.Write(sectionLength, buffer.AsSpan(_used));
        cid.Span.CopyTo(buffer.AsSpan(_used));
        _used += cid.Length;
        if (buffer.Length - _used >= block.Length)
        {
            block.Span.CopyTo(buffer.AsSpan(_used));
            _used += block.Length;
            return;
        }

        // Large block: flush what is gathered and hand the block to the stream without copying it.
        await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(block, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(CarWriter));
        BytesWritten += bytes.Length;
        if (buffer.Length - _used < bytes.Length)
        {
            await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
            if (buffer.Length < bytes.Length)
            {
                await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        bytes.Span.CopyTo(buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    private async ValueTask FlushBufferAsync(CancellationToken cancellationToken)
    {
        if (_used > 0)
        {
            await _stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken).ConfigureAwait(false);
            _used = 0;
        }
    }

    /// <summary>Writes buffered bytes to the stream and flushes it.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes and releases the buffer (and the stream unless <c>leaveOpen</c>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_buffer is null)
        {
            return;
        }

        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes a complete CAR of <paramref name="blocks"/> in their insertion order.</summary>
    public static async Task WriteAsync(Stream stream, IReadOnlyList<Cid> roots, BlockMap blocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var writer = new CarWriter(stream);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteHeaderAsync(roots, cancellationToken).ConfigureAwait(false);
            foreach (var (cid, bytes) in blocks)
            {
                await writer.WriteBlockAsync(cid, bytes, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes a complete CAR, pulling blocks from <paramref name="blocks"/> as it goes.</summary>
    public static async Task WriteAsync(Stream stream, IReadOnlyList<Cid> roots, IAsyncEnumerable<(Cid Cid, ReadOnlyMemory<byte> Bytes)> blocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var writer = new CarWriter(stream);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteHeaderAsync(roots, cancellationToken).ConfigureAwait(false);
            await foreach (var (cid, bytes) in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteBlockAsync(cid, bytes, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Encodes a small CAR (a firehose diff or a single-commit slice) into one exactly-sized array.
    /// </summary>
    public static byte[] ToArray(IReadOnlyList<Cid> roots, IEnumerable<KeyValuePair<Cid, ReadOnlyMemory<byte>>> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var header = EncodeHeader(roots);
        var list = blocks as IReadOnlyCollection<KeyValuePair<Cid, ReadOnlyMemory<byte>>> ?? blocks.ToList();
        long total = header.Length;
        foreach (var (cid, bytes) in list)
        {
            var section = (ulong)(cid.ByteLength + bytes.Length);
            total += Varint.SizeOf(section) + (long)section;
        }

        var result = new byte[checked((int)total)];
        header.CopyTo(result, 0);
        var pos = header.Length;
        foreach (var (cid, bytes) in list)
        {
            pos += Varint.Write((ulong)(cid.ByteLength + bytes.Length), result.AsSpan(pos));
            cid.CopyTo(result.AsSpan(pos));
            pos += cid.ByteLength;
            bytes.Span.CopyTo(result.AsSpan(pos));
            pos += bytes.Length;
        }

        return result;
    }
}
