namespace Pds.Application.Common.Configuration;

/// <summary>
/// The validated configuration of the server, grouped by concern. Built once at start from the
/// <c>PDS_*</c> settings (see docs/CONFIGURATION.md); every value here has already been checked.
/// </summary>
public sealed record PdsOptions
{
    public required ServiceOptions Service { get; init; }

    public required DatabaseOptions Database { get; init; }

    public required BlobstoreOptions Blobstore { get; init; }

    public required IdentityOptions Identity { get; init; }

    public required SecretsOptions Secrets { get; init; }

    public required EmailOptions Email { get; init; }

    public required LimitsOptions Limits { get; init; }
}

public sealed record ServiceOptions
{
    public required string Hostname { get; init; }

    public required int Port { get; init; }

    /// <summary>The URL clients and DID documents use to reach this server.</summary>
    public required Uri PublicUrl { get; init; }

    /// <summary>The service's own DID, <c>did:web:&lt;hostname&gt;</c> unless configured.</summary>
    public required string Did { get; init; }

    public required string Version { get; init; }

    public required bool DevMode { get; init; }

    public required string DataDirectory { get; init; }

    public string? ServiceName { get; init; }

    public Uri? HomeUrl { get; init; }

    public Uri? LogoUrl { get; init; }

    public Uri? PrivacyPolicyUrl { get; init; }

    public Uri? TermsOfServiceUrl { get; init; }

    public Uri? SupportUrl { get; init; }

    public string? ContactEmailAddress { get; init; }

    public required bool InviteRequired { get; init; }

    public int? InviteInterval { get; init; }

    public DateTimeOffset? InviteEpoch { get; init; }

    public required bool AcceptingRepoImports { get; init; }

    /// <summary>Development only: OAuth client metadata may be fetched from loopback http URLs.</summary>
    public bool OAuthLoopbackClientMetadata { get; init; }

    /// <summary>Relays asked to crawl this server after repository changes.</summary>
    public required IReadOnlyList<Uri> Crawlers { get; init; }

    public Uri? BskyAppViewUrl { get; init; }

    public string? BskyAppViewDid { get; init; }

    public Uri? ReportServiceUrl { get; init; }

    public string? ReportServiceDid { get; init; }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed record DatabaseOptions
{
    public required DatabaseProvider Provider { get; init; }

    /// <summary>A Microsoft.Data.Sqlite or Npgsql connection string, according to <see cref="Provider"/>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// How long an account read by DID answers later requests of this process without another
    /// read (<c>PDS_ACCOUNT_CACHE_TTL_MS</c>); changes this process makes are seen at once, other
    /// processes' within this time. Zero reads the database every time.
    /// </summary>
    public TimeSpan AccountCacheLifetime { get; init; } = TimeSpan.FromSeconds(1);
}

public enum BlobstoreKind
{
    Disk,
    S3,
}

public sealed record BlobstoreOptions
{
    public required BlobstoreKind Kind { get; init; }

    public required long UploadLimit { get; init; }

    public string? DiskLocation { get; init; }

    public string? DiskTmpLocation { get; init; }

    public string? S3Bucket { get; init; }

    public string? S3Region { get; init; }

    public Uri? S3Endpoint { get; init; }

    public bool S3ForcePathStyle { get; init; }

    public string? S3AccessKeyId { get; init; }

    public string? S3SecretAccessKey { get; init; }
}

public sealed record IdentityOptions
{
    /// <summary>Path under which the embedded did:plc directory is served.</summary>
    public const string EmbeddedPlcPath = "/plc";

    public required Uri PlcUrl { get; init; }

    /// <summary>
    /// True when this process serves its own did:plc directory (development mode with no
    /// <c>PDS_DID_PLC_URL</c>); <see cref="PlcUrl"/> then points at it. Never the production default.
    /// </summary>
    public bool EmbeddedPlcDirectory { get; init; }

    /// <summary>Handle suffixes offered to accounts, each starting with a dot.</summary>
    public required IReadOnlyList<string> ServiceHandleDomains { get; init; }

    public string? RecoveryDidKey { get; init; }

    public required TimeSpan ResolverTimeout { get; init; }

    public required TimeSpan CacheStaleTtl { get; init; }

    public required TimeSpan CacheMaxTtl { get; init; }

    public required IReadOnlyList<string> HandleBackupNameservers { get; init; }

    public required bool EnableDidDocWithSession { get; init; }
}

/// <summary>
/// Secrets. Never logged; compare with constant-time routines. In development mode the missing ones
/// are generated once and kept in the data directory.
/// </summary>
public sealed record SecretsOptions
{
    public required string JwtSecret { get; init; }

    public required string AdminPassword { get; init; }

    /// <summary>The did:plc rotation key: a secp256k1 private key, 32 bytes hex.</summary>
    public required string PlcRotationKeyK256PrivateKeyHex { get; init; }

    /// <summary>Key (32 bytes hex) that encrypts each repository's signing key at rest.</summary>
    public required string RepoSigningKeyEncryptionKeyHex { get; init; }

    public required string DpopSecret { get; init; }

    public override string ToString() => "SecretsOptions { <redacted> }";
}

public sealed record EmailOptions
{
    public Uri? SmtpUrl { get; init; }

    public string? FromAddress { get; init; }

    public Uri? ModerationSmtpUrl { get; init; }

    public string? ModerationAddress { get; init; }
}

public sealed record LimitsOptions
{
    public required bool RateLimitsEnabled { get; init; }

    public string? RateLimitBypassKey { get; init; }

    public required IReadOnlyList<string> RateLimitBypassIps { get; init; }

    /// <summary>Largest JSON request body accepted by XRPC procedures, in bytes.</summary>
    public required int JsonBodyLimit { get; init; }

    /// <summary>Firehose frames kept in memory: how far a live subscriber may fall behind before it is dropped.</summary>
    public required int MaxSubscriptionBuffer { get; init; }

    public required TimeSpan RepoBackfillLimit { get; init; }

    /// <summary>A Redis server (<c>host:port</c>) shared by all server processes for rate limits; null keeps them in memory.</summary>
    public string? RedisScratchAddress { get; init; }

    public string? RedisScratchPassword { get; init; }

    /// <summary>Largest upstream response the XRPC proxy relays, in bytes.</summary>
    public int ProxyMaxResponseSize { get; init; } = 10 * 1024 * 1024;

    /// <summary>How long the proxy waits for an upstream's response headers.</summary>
    public TimeSpan ProxyHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the proxy lets an upstream take to send its whole body.</summary>
    public TimeSpan ProxyBodyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
