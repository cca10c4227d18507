namespace Pds.Application.Common.Abstractions;

/// <summary>An upload written to temporary storage: its key there, CID (raw, SHA-256), size and sniffed type.</summary>
public sealed record TempBlob(string TempKey, string Cid, long Size, string? SniffedMimeType);

/// <summary>
/// Blob bytes (the reference PDS's blobstore), per account. Uploads stream to temporary storage
/// while being hashed; a blob becomes permanent when a record references it.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> to temporary storage, hashing as it goes. Throws
    /// <see cref="BlobTooLargeException"/> past <paramref name="maxBytes"/>, leaving nothing behind.
    /// </summary>
    Task<TempBlob> PutTempAsync(string did, Stream content, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>Moves an upload to permanent storage under its CID (a no-op when it is already there).</summary>
    Task MakePermanentAsync(string did, string tempKey, string cid, CancellationToken cancellationToken = default);

    /// <summary>The permanent blob's bytes (seekable, for range requests), or null.</summary>
    Task<Stream?> OpenAsync(string did, string cid, CancellationToken cancellationToken = default);

    Task DeleteAsync(string did, string cid, CancellationToken cancellationToken = default);

    /// <summary>Removes one temporary upload (a no-op when it is already gone).</summary>
    Task DeleteTempAsync(string did, string tempKey, CancellationToken cancellationToken = default);

    /// <summary>Removes temporary uploads older than <paramref name="olderThan"/>.</summary>
    Task<int> DeleteStaleTempAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);
}

public sealed class BlobTooLargeException : Exception
{
    public BlobTooLargeException()
    {
    }

    public BlobTooLargeException(string message)
        : base(message)
    {
    }

    public BlobTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
