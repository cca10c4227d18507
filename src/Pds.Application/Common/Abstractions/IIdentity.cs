using Pds.Domain.Identity;

namespace Pds.Application.Common.Abstractions;

/// <summary>
/// A did:plc directory (plc.directory's HTTP API, or the embedded one). Reads return null when the
/// directory does not know the DID; <see cref="SendOperationAsync"/> throws
/// <see cref="PlcDirectoryException"/> when the directory refuses the operation.
/// </summary>
public interface IPlcClient
{
    /// <summary><c>GET /{did}/data</c>: the current state; null when unknown or tombstoned.</summary>
    Task<PlcData?> GetDocumentDataAsync(string did, CancellationToken cancellationToken = default);

    /// <summary><c>GET /{did}/log/last</c>: the latest valid operation; null when unknown.</summary>
    Task<PlcOperation?> GetLastOperationAsync(string did, CancellationToken cancellationToken = default);

    /// <summary><c>GET /{did}/log/audit</c>: every operation with its CID and timestamp; empty when unknown.</summary>
    Task<IReadOnlyList<PlcLogEntry>> GetAuditLogAsync(string did, CancellationToken cancellationToken = default);

    /// <summary><c>POST /{did}</c>: submits a signed operation.</summary>
    Task SendOperationAsync(string did, PlcOperation operation, CancellationToken cancellationToken = default);
}

/// <summary>The directory refused an operation or could not be reached.</summary>
public sealed class PlcDirectoryException : Exception
{
    public PlcDirectoryException()
    {
    }

    public PlcDirectoryException(string message)
        : base(message)
    {
    }

    public PlcDirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PlcDirectoryException(int? status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The directory's HTTP status; null when it was not reached.</summary>
    public int? Status { get; }
}

/// <summary>
/// Resolves DIDs (did:plc through the configured directory, did:web over HTTPS, or http for
/// <c>localhost</c>) to verified documents, with a cache (stale entries served while refreshed).
/// Returns null when the DID does not exist; throws <see cref="IdentityResolutionException"/> when
/// the document cannot be fetched or is invalid.
/// </summary>
public interface IDidResolver
{
    Task<ResolvedDid?> ResolveAsync(string did, bool forceRefresh = false, CancellationToken cancellationToken = default);
}

/// <summary>A resolved DID document and its raw JSON (as served, for <c>resolveDid</c>).</summary>
public sealed record ResolvedDid(DidDocument Document, string Json);

/// <summary>
/// Resolves a handle to a DID over the network: DNS TXT <c>_atproto.&lt;handle&gt;</c> (<c>did=...</c>),
/// then <c>https://&lt;handle&gt;/.well-known/atproto-did</c>. Returns null when neither gives exactly one
/// valid DID. Local accounts are the caller's concern.
/// </summary>
public interface IHandleResolver
{
    /// <param name="forceRefresh">Ask the network even when a cached answer exists (handle verification).</param>
    Task<string?> ResolveAsync(string handle, bool forceRefresh = false, CancellationToken cancellationToken = default);
}

public sealed class IdentityResolutionException : Exception
{
    public IdentityResolutionException()
    {
    }

    public IdentityResolutionException(string message)
        : base(message)
    {
    }

    public IdentityResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
