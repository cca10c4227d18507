namespace Pds.Domain.Repo.Car;

/// <summary>
/// Bounds and policy for <see cref="CarReader"/>. Every declared length in a CAR stream is checked
/// against these limits before any buffer is sized from it.
/// </summary>
public sealed record CarLimits
{
    /// <summary>Default cap on one block: records are at most 2 MiB; MST nodes and commits are far smaller.</summary>
    public const int DefaultMaxBlockBytes = (2 * 1024 * 1024) + (64 * 1024);

    /// <summary>Default cap on the encoded header (version plus roots; a few dozen bytes in practice).</summary>
    public const int DefaultMaxHeaderBytes = 64 * 1024;

    public static CarLimits Default { get; } = new();

    /// <summary>Largest accepted header (the DAG-CBOR map after the leading varint).</summary>
    public int MaxHeaderBytes { get; init; } = DefaultMaxHeaderBytes;

    /// <summary>Largest accepted block (section payload after the CID).</summary>
    public int MaxBlockBytes { get; init; } = DefaultMaxBlockBytes;

    /// <summary>Optional cap on all bytes read from the stream (header and sections).</summary>
    public long? MaxTotalBytes { get; init; }

    /// <summary>Optional cap on the number of blocks.</summary>
    public int? MaxBlocks { get; init; }

    /// <summary>Whether a header with an empty <c>roots</c> array is an error (atproto CARs always name a commit).</summary>
    public bool RequireRoots { get; init; } = true;

    /// <summary>
    /// When true, blocks whose CID uses a hash other than sha2-256 pass through unverified instead of
    /// being rejected. atproto only uses sha2-256, so this stays off for repository data.
    /// </summary>
    public bool AllowUnverifiableHashes { get; init; }
}
