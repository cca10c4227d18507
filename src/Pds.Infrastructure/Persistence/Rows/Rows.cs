namespace Pds.Infrastructure.Persistence.Rows;

// Table rows. Portable types only: strings for DIDs, handles and CIDs, byte[] for blocks and
// encoded events, UTC DateTime for instants. Per-account tables key on Did first.

public sealed class AccountRow
{
    public required string Did { get; set; }

    public string? Handle { get; set; }

    public string? Email { get; set; }

    public DateTime? EmailConfirmedAt { get; set; }

    public string? PasswordHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? DeactivatedAt { get; set; }

    public DateTime? DeleteAfter { get; set; }

    public string? TakedownRef { get; set; }

    public bool InvitesDisabled { get; set; }
}

public sealed class ActorSigningKeyRow
{
    public required string Did { get; set; }

    /// <summary>The repository signing key, encrypted with the server's key-encryption key.</summary>
    public required byte[] EncryptedPrivateKey { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A signing key reserved ahead of account creation (com.atproto.server.reserveSigningKey).</summary>
public sealed class ReservedKeyRow
{
    /// <summary>The DID the key was reserved for, or the key's own did:key when none was given.</summary>
    public required string KeyFor { get; set; }

    public required string PublicKeyDid { get; set; }

    public required byte[] EncryptedPrivateKey { get; set; }

    public DateTime CreatedAt { get; set; }
}

public sealed class RefreshTokenRow
{
    /// <summary>The token's jti.</summary>
    public required string Id { get; set; }

    public required string Did { get; set; }

    public string? AppPasswordName { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>The jti issued when this token was rotated, so a replay within the grace period gets the same successor.</summary>
    public string? NextId { get; set; }
}

public sealed class AppPasswordRow
{
    public required string Did { get; set; }

    public required string Name { get; set; }

    public required string PasswordHash { get; set; }

    public bool Privileged { get; set; }

    public DateTime CreatedAt { get; set; }
}

public sealed class InviteCodeRow
{
    public required string Code { get; set; }

    public int AvailableUses { get; set; }

    public bool Disabled { get; set; }

    public required string ForAccount { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime CreatedAt { get; set; }
}

public sealed class InviteCodeUseRow
{
    public required string Code { get; set; }

    public required string UsedBy { get; set; }

    public DateTime UsedAt { get; set; }
}

public sealed class EmailTokenRow
{
    public required string Purpose { get; set; }

    public required string Did { get; set; }

    public required string TokenHash { get; set; }

    public DateTime RequestedAt { get; set; }
}

public sealed class RepoRootRow
{
    public required string Did { get; set; }

    public required string Cid { get; set; }

    public required string Rev { get; set; }

    public DateTime IndexedAt { get; set; }
}

public sealed class RepoBlockRow
{
    public required string Did { get; set; }

    public required string Cid { get; set; }

    public required string RepoRev { get; set; }

    public int Size { get; set; }

    public required byte[] Content { get; set; }
}

public sealed class RecordRow
{
    public required string Did { get; set; }

    public required string Collection { get; set; }

    public required string Rkey { get; set; }

    public required string Uri { get; set; }

    public required string Cid { get; set; }

    public required string RepoRev { get; set; }

    public DateTime IndexedAt { get; set; }

    public string? TakedownRef { get; set; }

    /// <summary>
    /// The record's block, the bytes <see cref="Cid"/> names: on the row so that getRecord and
    /// listRecords read one row per record instead of one row plus a block lookup (ADR 0014), and
    /// only here, not in <c>repo_block</c> too (ADR 0016). Null only where a row was written
    /// without it; readers then fall back to <c>repo_block</c>.
    /// </summary>
    public byte[]? Content { get; set; }
}

public sealed class BlobRow
{
    public required string Did { get; set; }

    public required string Cid { get; set; }

    public required string MimeType { get; set; }

    public long Size { get; set; }

    /// <summary>Key of the uploaded bytes in temporary storage until a record references the blob.</summary>
    public string? TempKey { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? TakedownRef { get; set; }
}

public sealed class RecordBlobRow
{
    public required string Did { get; set; }

    public required string BlobCid { get; set; }

    public required string RecordUri { get; set; }
}

/// <summary>An operation of the embedded did:plc directory's log.</summary>
public sealed class PlcOperationRow
{
    public required string Did { get; set; }

    public required string Cid { get; set; }

    /// <summary>The signed operation, DAG-CBOR encoded.</summary>
    public required byte[] Operation { get; set; }

    public bool Nullified { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>An event of the firehose log.</summary>
public sealed class SequencedEventRow
{
    public long Seq { get; set; }

    public required string Did { get; set; }

    public required string EventType { get; set; }

    /// <summary>The event body, DAG-CBOR encoded.</summary>
    public required byte[] Event { get; set; }

    public DateTime SequencedAt { get; set; }

    public bool Invalidated { get; set; }
}

/// <summary>The single row that hands out sequence numbers (see docs/adr/0003-sequencer-numbering.md).</summary>
public sealed class SequencerCounterRow
{
    public int Id { get; set; }

    public long Value { get; set; }
}

/// <summary>A pushed OAuth authorization request, then the user's decision on it.</summary>
public sealed class OAuthRequestRow
{
    public required string Id { get; set; }

    public required string ClientId { get; set; }

    /// <summary>The request as JSON (parameters, client authentication, chosen account, code hash).</summary>
    public required string Data { get; set; }

    public string? CodeHash { get; set; }

    public DateTime ExpiresAt { get; set; }
}

/// <summary>An OAuth session: identifiers and hashes of its current tokens, never the tokens.</summary>
public sealed class OAuthSessionRow
{
    public required string Id { get; set; }

    public required string TokenId { get; set; }

    public required string Did { get; set; }

    public required string ClientId { get; set; }

    public string? CodeHash { get; set; }

    public string? RefreshHash { get; set; }

    /// <summary>The rest of the session as JSON (client authentication, DPoP key, scope, lifetimes).</summary>
    public required string Data { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A refresh token hash that was rotated away, to detect its reuse.</summary>
public sealed class OAuthUsedRefreshRow
{
    public required string RefreshHash { get; set; }

    public required string SessionId { get; set; }
}

public sealed class OAuthConsentRow
{
    public required string Did { get; set; }

    public required string ClientId { get; set; }

    public required string Scope { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>An account signed in on a browser (identified by its device cookie).</summary>
public sealed class OAuthDeviceAccountRow
{
    public required string DeviceId { get; set; }

    public required string Did { get; set; }

    public DateTime AuthenticatedAt { get; set; }
}

/// <summary>One app preference of an account (app.bsky.actor.putPreferences), in written order.</summary>
public sealed class AccountPreferenceRow
{
    public required string Did { get; set; }

    public int Position { get; set; }

    public required string Type { get; set; }

    public required string ValueJson { get; set; }
}

/// <summary>A moderation report kept here because no report service is configured.</summary>
public sealed class ModerationReportRow
{
    public long Id { get; set; }

    public required string ReasonType { get; set; }

    public string? Reason { get; set; }

    /// <summary>The report's subject (a repoRef or strongRef) as JSON.</summary>
    public required string Subject { get; set; }

    public required string ReportedBy { get; set; }

    public DateTime CreatedAt { get; set; }
}
