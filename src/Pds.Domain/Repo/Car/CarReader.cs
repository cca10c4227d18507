using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Pds.Domain.Data;

namespace Pds.Domain.Repo.Car;

/// <summary>One block of a CAR stream.</summary>
public readonly record struct CarBlock(Cid Cid, ReadOnlyMemory<byte> Data);

/// <summary>
/// Reads a CAR v1 stream block by block with bounded memory. Every block is checked against its
/// CID (sha2-256) before it is handed out, and every length read from the stream is checked against
/// <see cref="CarLimits"/> before it sizes anything, so hostile input fails fast with a
/// <see cref="CarException"/> instead of allocating or waiting on bytes that will never come.
/// </summary>
public sealed class CarReader : IAsyncDisposable
{
    /// <summary>Room for a binary CID in a section: version, codec, hash code and length varints plus a digest of up to 128 bytes.</summary>
    public const int MaxCidBytes = (4 * Varint.MaxLength) + 128;

    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly CarLimits _limits;
    private readonly bool _leaveOpen;

    // One hash context for the whole stream: cheaper than a fresh one per block.
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private long _totalRead;
    private bool _eof;
    private IReadOnlyList<Cid> _roots = [];

    private CarReader(Stream stream, CarLimits limits, bool leaveOpen)
    {
        _stream = stream;
        _limits = limits;
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>The header's roots; the first is the commit for atproto repository CARs.</summary>
    public IReadOnlyList<Cid> Roots => _roots;

    /// <summary>The first root.</summary>
    public Cid Root => _roots.Count > 0 ? _roots[0] : throw new CarException("the CAR header has no roots");

    /// <summary>Blocks read so far.</summary>
    public long BlockCount { get; private set; }

    /// <summary>Bytes of the CAR consumed so far (header and complete sections).</summary>
    public long BytesConsumed => _totalRead - (_end - _start);

    /// <summary>Reads and validates the header, leaving the reader positioned at the first block.</summary>
    public static async Task<CarReader> OpenAsync(Stream stream, CarLimits? limits = null, bool leaveOpen = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new CarReader(stream, limits ?? CarLimits.Default, leaveOpen);
        try
        {
            await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads a whole CAR into memory (for diffs, imports and tests; bounded by <paramref name="limits"/>).</summary>
    public static async Task<(IReadOnlyList<Cid> Roots, BlockMap Blocks)> ReadAllAsync(Stream stream, CarLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var reader = await OpenAsync(stream, limits, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var blocks = new BlockMap();
            while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } block)
            {
                blocks.Set(block.Cid, block.Data.ToArray());
            }

            return (reader.Roots, blocks);
        }
    }

    /// <summary>Reads a whole in-memory CAR (a firehose <c>blocks</c> field, for instance).</summary>
    public static Task<(IReadOnlyList<Cid> Roots, BlockMap Blocks)> ReadAllAsync(ReadOnlyMemory<byte> car, CarLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(car, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(car.ToArray(), writable: false);
        return ReadAllAsync(stream, limits, cancellationToken);
    }

    /// <summary>
    /// Enumerates the remaining blocks, each with its own copy of the bytes (safe to keep).
    /// </summary>
    public async IAsyncEnumerable<CarBlock> ReadBlocksAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } block)
        {
            yield return new CarBlock(block.Cid, block.Data.ToArray());
        }
    }

    /// <summary>
    /// Reads the next verified block, or null at the end of the stream. The returned
    /// <see cref="CarBlock.Data"/> points into the reader's pooled buffer and is only valid until the
    /// next call; copy it to keep it.
    /// </summary>
    public async ValueTask<CarBlock?> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        var declared = await ReadVarintAsync("section length", allowEndOfStream: true, cancellationToken).ConfigureAwait(false);
        if (declared is not { } length)
        {
            return null;
        }

        if (length == 0)
        {
            throw new CarException($"empty CAR section at byte {BytesConsumed}");
        }

        var maxSection = (ulong)_limits.MaxBlockBytes + MaxCidBytes;
        if (length > maxSection)
        {
            throw new CarException($"CAR section declares {length} bytes, over the limit of {maxSection}");
        }

        var sectionLength = (int)length;
        if (!await FillAsync(sectionLength, cancellationToken).ConfigureAwait(false))
        {
            throw new CarException($"truncated CAR section: {sectionLength} bytes declared, {_end - _start} present");
        }

        var section = _buffer.AsMemory(_start, sectionLength);
        if (!Cid.TryRead(section.Span, out var cid, out var cidLength))
        {
            throw new CarException($"invalid CID at the start of the CAR section at byte {BytesConsumed}");
        }

        var data = section[cidLength..];
        if (data.Length > _limits.MaxBlockBytes)
        {
            throw new CarException($"block {cid} is {data.Length} bytes, over the limit of {_limits.MaxBlockBytes}");
        }

        if (cid!.MultihashCode == Cid.Sha256Code)
        {
            if (!HashMatches(cid, data.Span))
            {
                throw new CarException($"block {cid} does not match its hash");
            }
        }
        else if (!_limits.AllowUnverifiableHashes)
        {
            throw new CarException($"block {cid} uses unsupported hash 0x{cid.MultihashCode:x}; only sha2-256 is accepted");
        }

        BlockCount++;
        if (_limits.MaxBlocks is { } maxBlocks && BlockCount > maxBlocks)
        {
            throw new CarException($"CAR has more than {maxBlocks} blocks");
        }

        _start += sectionLength;
        return new CarBlock(cid, data);
    }

    private bool HashMatches(Cid cid, ReadOnlySpan<byte> data)
    {
        if (cid.Digest.Length != Cid.Sha256Length)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[Cid.Sha256Length];
        _sha256.AppendData(data);
        _sha256.GetHashAndReset(digest);
        return digest.SequenceEqual(cid.Digest);
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var declared = await ReadVarintAsync("header length", allowEndOfStream: true, cancellationToken).ConfigureAwait(false)
            ?? throw new CarException("empty CAR stream: no header");
        if (declared == 0)
        {
            throw new CarException("CAR header is empty");
        }

        if (declared > (ulong)_limits.MaxHeaderBytes)
        {
            throw new CarException($"CAR header declares {declared} bytes, over the limit of {_limits.MaxHeaderBytes}");
        }

        var length = (int)declared;
        if (!await FillAsync(length, cancellationToken).ConfigureAwait(false))
        {
            throw new CarException($"truncated CAR header: {length} bytes declared, {_end - _start} present");
        }

        var headerBytes = _buffer.AsMemory(_start, length).ToArray();
        _start += length;

        LexMap header;
        try
        {
            header = DagCbor.DecodeMap(headerBytes);
        }
        catch (DataModelException e)
        {
            throw new CarException($"invalid CAR header: {e.Message}", e);
        }

        if (header["version"] is not LexInteger version)
        {
            throw new CarException("CAR header has no integer version");
        }

        if (version.Value != 1)
        {
            throw new CarException($"unsupported CAR version {version.Value}; only CAR v1 is accepted");
        }

        if (header["roots"] is not LexArray rootsArray)
        {
            throw new CarException("CAR header has no roots array");
        }

        var roots = new Cid[rootsArray.Count];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i] = rootsArray[i] is LexLink link ? link.Value : throw new CarException("CAR header roots must be CID links");
        }

        if (roots.Length == 0 && _limits.RequireRoots)
        {
            throw new CarException("CAR header has no roots");
        }

        _roots = roots;
    }

    /// <summary>
    /// Reads a minimally encoded varint, pulling bytes only as needed. Returns null when the stream
    /// ends cleanly before its first byte and <paramref name="allowEndOfStream"/> is set.
    /// </summary>
    private async ValueTask<ulong?> ReadVarintAsync(string what, bool allowEndOfStream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = _end - _start;
            if (TryParseVarint(_buffer.AsSpan(_start, available), what, out var value, out var consumed))
            {
                _start += consumed;
                return value;
            }

            if (!await FillAsync(available + 1, cancellationToken).ConfigureAwait(false))
            {
                if (available == 0 && allowEndOfStream)
                {
                    return null;
                }

                throw new CarException($"truncated CAR {what} at byte {BytesConsumed}");
            }
        }
    }

    private bool TryParseVarint(ReadOnlySpan<byte> input, string what, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        var shift = 0;
        for (var i = 0; i < input.Length; i++)
        {
            if (i == Varint.MaxLength)
            {
                throw new CarException($"CAR {what} varint at byte {BytesConsumed} is longer than {Varint.MaxLength} bytes");
            }

            var b = input[i];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new CarException($"CAR {what} varint at byte {BytesConsumed} is not minimally encoded");
                }

                consumed = i + 1;
                return true;
            }

            shift += 7;
        }

        if (input.Length >= Varint.MaxLength)
        {
            throw new CarException($"CAR {what} varint at byte {BytesConsumed} is longer than {Varint.MaxLength} bytes");
        }

        return false;
    }

    /// <summary>
    /// Ensures at least <paramref name="needed"/> unread bytes are buffered. Callers only pass sizes
    /// already checked against the limits. Returns false if the stream ends first.
    /// </summary>
    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        while (_end - _start < needed)
        {
            if (_eof)
            {
                return false;
            }

            if (_buffer!.Length - _start < needed)
            {
                MakeRoom(needed);
            }

            var max = _buffer!.Length - _end;
            if (_limits.MaxTotalBytes is { } cap)
            {
                // Read at most one byte past the cap: enough to detect an oversized stream.
                var allowed = cap - _totalRead + 1;
                if (allowed < max)
                {
                    max = (int)Math.Max(1, allowed);
                }
            }

            var n = await _stream.ReadAsync(_buffer.AsMemory(_end, max), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                _eof = true;
                return false;
            }

            _end += n;
            _totalRead += n;
            if (_limits.MaxTotalBytes is { } limit && _totalRead > limit)
            {
                throw new CarException($"CAR exceeds the limit of {limit} bytes");
            }
        }

        return true;
    }

    private void MakeRoom(int needed)
    {
        var buffer = _buffer!;
        var available = _end - _start;
        if (needed <= buffer.Length)
        {
            buffer.AsSpan(_start, available).CopyTo(buffer);
        }
        else
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(buffer.Length * 2, Array.MaxLength)));
            buffer.AsSpan(_start, available).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = larger;
        }

        _start = 0;
        _end = available;
    }

    public async ValueTask DisposeAsync()
    {
        if (_buffer is null)
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _sha256.Dispose();
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
