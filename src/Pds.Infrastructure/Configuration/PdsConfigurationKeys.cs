namespace Pds.Infrastructure.Configuration;

/// <summary>
/// Setting names. Those shared with the reference PDS keep its names and meanings so an existing
/// env file works unchanged; the ones only this server has use the same <c>PDS_</c> prefix.
/// </summary>
public static class PdsConfigurationKeys
{
    public const string ConfigFile = "PDS_CONFIG_FILE";

    public const string Hostname = "PDS_HOSTNAME";
    public const string Port = "PDS_PORT";
    public const string BindAddress = "PDS_BIND_ADDRESS";
    public const string ServiceDid = "PDS_SERVICE_DID";
    public const string ServiceName = "PDS_SERVICE_NAME";
    public const string Version = "PDS_VERSION";
    public const string DevMode = "PDS_DEV_MODE";
    public const string DataDirectory = "PDS_DATA_DIRECTORY";
    public const string HomeUrl = "PDS_HOME_URL";
    public const string LogoUrl = "PDS_LOGO_URL";
    public const string PrivacyPolicyUrl = "PDS_PRIVACY_POLICY_URL";
    public const string TermsOfServiceUrl = "PDS_TERMS_OF_SERVICE_URL";
    public const string SupportUrl = "PDS_SUPPORT_URL";
    public const string ContactEmailAddress = "PDS_CONTACT_EMAIL_ADDRESS";
    public const string InviteRequired = "PDS_INVITE_REQUIRED";
    public const string InviteInterval = "PDS_INVITE_INTERVAL";
    public const string InviteEpoch = "PDS_INVITE_EPOCH";
    public const string AcceptingRepoImports = "PDS_ACCEPTING_REPO_IMPORTS";
    public const string OAuthLoopbackClientMetadata = "PDS_OAUTH_LOOPBACK_CLIENT_METADATA";
    public const string Crawlers = "PDS_CRAWLERS";
    public const string BskyAppViewUrl = "PDS_BSKY_APP_VIEW_URL";
    public const string BskyAppViewDid = "PDS_BSKY_APP_VIEW_DID";
    public const string ReportServiceUrl = "PDS_REPORT_SERVICE_URL";
    public const string ReportServiceDid = "PDS_REPORT_SERVICE_DID";

    public const string DbProvider = "PDS_DB_PROVIDER";
    public const string DatabaseUrl = "PDS_DATABASE_URL";
    public const string AccountCacheTtlMs = "PDS_ACCOUNT_CACHE_TTL_MS";

    public const string Blobstore = "PDS_BLOBSTORE";
    public const string BlobUploadLimit = "PDS_BLOB_UPLOAD_LIMIT";
    public const string BlobstoreDiskLocation = "PDS_BLOBSTORE_DISK_LOCATION";
    public const string BlobstoreDiskTmpLocation = "PDS_BLOBSTORE_DISK_TMP_LOCATION";
    public const string BlobstoreS3Bucket = "PDS_BLOBSTORE_S3_BUCKET";
    public const string BlobstoreS3Region = "PDS_BLOBSTORE_S3_REGION";
    public const string BlobstoreS3Endpoint = "PDS_BLOBSTORE_S3_ENDPOINT";
    public const string BlobstoreS3ForcePathStyle = "PDS_BLOBSTORE_S3_FORCE_PATH_STYLE";
    public const string BlobstoreS3AccessKeyId = "PDS_BLOBSTORE_S3_ACCESS_KEY_ID";
    public const string BlobstoreS3SecretAccessKey = "PDS_BLOBSTORE_S3_SECRET_ACCESS_KEY";

    public const string DidPlcUrl = "PDS_DID_PLC_URL";
    public const string ServiceHandleDomains = "PDS_SERVICE_HANDLE_DOMAINS";
    public const string RecoveryDidKey = "PDS_RECOVERY_DID_KEY";
    public const string IdResolverTimeout = "PDS_ID_RESOLVER_TIMEOUT";
    public const string DidCacheStaleTtl = "PDS_DID_CACHE_STALE_TTL";
    public const string DidCacheMaxTtl = "PDS_DID_CACHE_MAX_TTL";
    public const string HandleBackupNameservers = "PDS_HANDLE_BACKUP_NAMESERVERS";
    public const string EnableDidDocWithSession = "PDS_ENABLE_DID_DOC_WITH_SESSION";

    public const string JwtSecret = "PDS_JWT_SECRET";
    public const string AdminPassword = "PDS_ADMIN_PASSWORD";
    public const string PlcRotationKeyK256PrivateKeyHex = "PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX";
    public const string PlcRotationKeyKmsKeyId = "PDS_PLC_ROTATION_KEY_KMS_KEY_ID";
    public const string RepoSigningKeyEncryptionKeyHex = "PDS_REPO_SIGNING_KEY_ENCRYPTION_KEY_HEX";
    public const string DpopSecret = "PDS_DPOP_SECRET";

    public const string EmailSmtpUrl = "PDS_EMAIL_SMTP_URL";
    public const string EmailFromAddress = "PDS_EMAIL_FROM_ADDRESS";
    public const string ModerationEmailSmtpUrl = "PDS_MODERATION_EMAIL_SMTP_URL";
    public const string ModerationEmailAddress = "PDS_MODERATION_EMAIL_ADDRESS";

    public const string RateLimitsEnabled = "PDS_RATE_LIMITS_ENABLED";
    public const string RateLimitBypassKey = "PDS_RATE_LIMIT_BYPASS_KEY";
    public const string RateLimitBypassIps = "PDS_RATE_LIMIT_BYPASS_IPS";
    public const string RedisScratchAddress = "PDS_REDIS_SCRATCH_ADDRESS";
    public const string RedisScratchPassword = "PDS_REDIS_SCRATCH_PASSWORD";
    public const string JsonBodyLimit = "PDS_JSON_BODY_LIMIT";
    public const string ProxyMaxResponseSize = "PDS_PROXY_MAX_RESPONSE_SIZE";
    public const string ProxyHeadersTimeout = "PDS_PROXY_HEADERS_TIMEOUT";
    public const string ProxyBodyTimeout = "PDS_PROXY_BODY_TIMEOUT";
    public const string MaxSubscriptionBuffer = "PDS_MAX_SUBSCRIPTION_BUFFER";
    public const string RepoBackfillLimitMs = "PDS_REPO_BACKFILL_LIMIT_MS";
}
