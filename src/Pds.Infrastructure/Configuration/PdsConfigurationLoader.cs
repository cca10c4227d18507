using System.Globalization;
using Pds.Application.Common.Configuration;
using K = Pds.Infrastructure.Configuration.PdsConfigurationKeys;

namespace Pds.Infrastructure.Configuration;

/// <summary>
/// Builds <see cref="PdsOptions"/> from <c>PDS_*</c> settings, applying the defaults and checking
/// every value. The first problem found throws <see cref="PdsConfigurationException"/> naming the key.
/// </summary>
public static class PdsConfigurationLoader
{
    public const int DefaultPort = 2583;
    public const long DefaultBlobUploadLimit = 5 * 1024 * 1024;
    public const int DefaultJsonBodyLimit = 150 * 1024;

    /// <param name="get">Looks a setting up by name; empty values count as unset.</param>
    /// <param name="defaultVersion">The version reported when <c>PDS_VERSION</c> is unset.</param>
    public static PdsOptions Load(Func<string, string?> get, string defaultVersion)
    {
        ArgumentNullException.ThrowIfNull(get);
        var s = new Reader(get);

        var hostnameSetting = s.String(K.Hostname);
        // With no hostname configured the server starts in development mode on localhost, so the
        // plain run command works on a fresh machine; production deployments always set a hostname.
        var devMode = s.Bool(K.DevMode) ?? hostnameSetting is null;
        var hostname = hostnameSetting ?? (devMode ? "localhost" : throw new PdsConfigurationException(K.Hostname, "is required outside development mode"));
        if (Uri.CheckHostName(hostname) == UriHostNameType.Unknown)
        {
            throw new PdsConfigurationException(K.Hostname, "must be a host name");
        }

        var port = s.Int(K.Port, 1, 65535, "must be a port number") ?? DefaultPort;
        if (s.String(K.BindAddress) is { } bind && !System.Net.IPAddress.TryParse(bind, out _))
        {
            throw new PdsConfigurationException(K.BindAddress, "must be an IP address");
        }
        var publicUrl = hostname == "localhost"
            ? new Uri($"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}")
            : new Uri($"https://{hostname}");

        var dataDirectory = s.String(K.DataDirectory)
            ?? (devMode ? "./data" : throw new PdsConfigurationException(K.DataDirectory, "is required outside development mode"));
        dataDirectory = Path.GetFullPath(dataDirectory);

        var serviceDid = s.String(K.ServiceDid) ?? $"did:web:{hostname}";
        if (!serviceDid.StartsWith("did:", StringComparison.Ordinal))
        {
            throw new PdsConfigurationException(K.ServiceDid, "must be a DID");
        }

        var service = new ServiceOptions
        {
            Hostname = hostname,
            Port = port,
            PublicUrl = publicUrl,
            Did = serviceDid,
            Version = s.String(K.Version) ?? defaultVersion,
            DevMode = devMode,
            DataDirectory = dataDirectory,
            ServiceName = s.String(K.ServiceName),
            HomeUrl = s.Url(K.HomeUrl),
            LogoUrl = s.Url(K.LogoUrl),
            PrivacyPolicyUrl = s.Url(K.PrivacyPolicyUrl),
            TermsOfServiceUrl = s.Url(K.TermsOfServiceUrl),
            SupportUrl = s.Url(K.SupportUrl),
            ContactEmailAddress = s.String(K.ContactEmailAddress),
            InviteRequired = s.Bool(K.InviteRequired) ?? false,
            InviteInterval = s.Int(K.InviteInterval, 1, int.MaxValue, "must be a positive integer"),
            InviteEpoch = s.Long(K.InviteEpoch, 0, long.MaxValue, "must be a time in milliseconds since 1970") is { } epoch
                ? DateTimeOffset.FromUnixTimeMilliseconds(epoch)
                : null,
            AcceptingRepoImports = s.Bool(K.AcceptingRepoImports) ?? true,
            OAuthLoopbackClientMetadata = s.Bool(K.OAuthLoopbackClientMetadata) is true
                ? (devMode ? true : throw new PdsConfigurationException(K.OAuthLoopbackClientMetadata, "is only allowed in development mode"))
                : false,
            Crawlers = s.List(K.Crawlers).Select(c => ParseUrl(K.Crawlers, c)).ToArray(),
            BskyAppViewUrl = s.Url(K.BskyAppViewUrl),
            BskyAppViewDid = s.String(K.BskyAppViewDid),
            ReportServiceUrl = s.Url(K.ReportServiceUrl),
            ReportServiceDid = s.String(K.ReportServiceDid),
        };

        return new PdsOptions
        {
            Service = service,
            Database = LoadDatabase(s, dataDirectory),
            Blobstore = LoadBlobstore(s, dataDirectory),
            Identity = LoadIdentity(s, hostname, devMode, publicUrl),
            Secrets = LoadSecrets(s, devMode, dataDirectory),
            Email = LoadEmail(s),
            Limits = new LimitsOptions
            {
                RateLimitsEnabled = s.Bool(K.RateLimitsEnabled) ?? false,
                RateLimitBypassKey = s.String(K.RateLimitBypassKey),
                RateLimitBypassIps = s.List(K.RateLimitBypassIps),
                RedisScratchAddress = s.String(K.RedisScratchAddress),
                RedisScratchPassword = s.String(K.RedisScratchPassword),
                JsonBodyLimit = s.Int(K.JsonBodyLimit, 1024, int.MaxValue, "must be a size in bytes of at least 1024") ?? DefaultJsonBodyLimit,
                MaxSubscriptionBuffer = s.Int(K.MaxSubscriptionBuffer, 1, 1 << 24, "must be a positive integer") ?? 8192,
                RepoBackfillLimit = TimeSpan.FromMilliseconds(s.Long(K.RepoBackfillLimitMs, 0, long.MaxValue, "must be a duration in milliseconds") ?? 24 * 60 * 60 * 1000),
                ProxyMaxResponseSize = s.Int(K.ProxyMaxResponseSize, 1024, int.MaxValue, "must be a size in bytes of at least 1024") ?? 10 * 1024 * 1024,
                ProxyHeadersTimeout = TimeSpan.FromMilliseconds(s.Long(K.ProxyHeadersTimeout, 100, 600_000, "must be a duration in milliseconds") ?? 10_000),
                ProxyBodyTimeout = TimeSpan.FromMilliseconds(s.Long(K.ProxyBodyTimeout, 100, 600_000, "must be a duration in milliseconds") ?? 30_000),
            },
        };
    }

    // A method of its own, so that a server with no sender address configured never loads MimeKit.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsMailbox(string address) => MimeKit.MailboxAddress.TryParse(address, out _);

    private static EmailOptions LoadEmail(Reader s)
    {
        var fromAddress = s.String(K.EmailFromAddress);
        if (fromAddress is not null && !IsMailbox(fromAddress))
        {
            throw new PdsConfigurationException(K.EmailFromAddress, "must be an email address, optionally with a name (\"PDS <noreply@example.com>\")");
        }

        return new EmailOptions
        {
            SmtpUrl = SmtpUrl(s, K.EmailSmtpUrl),
            FromAddress = fromAddress,
            ModerationSmtpUrl = SmtpUrl(s, K.ModerationEmailSmtpUrl),
            ModerationAddress = s.String(K.ModerationEmailAddress),
        };
    }

    /// <summary>An <c>smtp://</c> or <c>smtps://</c> URL. The message never repeats the value: it may hold a password.</summary>
    private static Uri? SmtpUrl(Reader s, string key)
    {
        var text = s.String(key);
        if (text is null)
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "smtp" or "smtps" && url.Host.Length > 0
            ? url
            : throw new PdsConfigurationException(key, "must be an smtp:// or smtps:// URL");
    }

    private static DatabaseOptions LoadDatabase(Reader s, string dataDirectory)
    {
        var provider = s.String(K.DbProvider)?.ToUpperInvariant() switch
        {
            null or "SQLITE" => DatabaseProvider.Sqlite,
            "POSTGRES" or "POSTGRESQL" => DatabaseProvider.Postgres,
            _ => throw new PdsConfigurationException(K.DbProvider, "must be sqlite or postgres"),
        };

        var accountCache = TimeSpan.FromMilliseconds(s.Long(K.AccountCacheTtlMs, 0, 24L * 60 * 60 * 1000, "must be a duration in milliseconds, at most a day") ?? 1000);
        if (provider == DatabaseProvider.Sqlite)
        {
            return new DatabaseOptions
            {
                Provider = provider,
                ConnectionString = $"Data Source={Path.Combine(dataDirectory, "pds.sqlite")}",
                AccountCacheLifetime = accountCache,
            };
        }

        var url = s.String(K.DatabaseUrl) ?? throw new PdsConfigurationException(K.DatabaseUrl, "is required when PDS_DB_PROVIDER is postgres");
        string connectionString;
        try
        {
            connectionString = PostgresConnectionString.Normalize(url);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new PdsConfigurationException(K.DatabaseUrl, "must be a postgres:// URL or an Npgsql connection string");
        }

        return new DatabaseOptions { Provider = provider, ConnectionString = connectionString, AccountCacheLifetime = accountCache };
    }

    private static BlobstoreOptions LoadBlobstore(Reader s, string dataDirectory)
    {
        var bucket = s.String(K.BlobstoreS3Bucket);
        var kind = s.String(K.Blobstore)?.ToUpperInvariant() switch
        {
            null => bucket is null ? BlobstoreKind.Disk : BlobstoreKind.S3,
            "DISK" => BlobstoreKind.Disk,
            "S3" => BlobstoreKind.S3,
            _ => throw new PdsConfigurationException(K.Blobstore, "must be disk or s3"),
        };
        if (kind == BlobstoreKind.S3 && bucket is null)
        {
            throw new PdsConfigurationException(K.BlobstoreS3Bucket, "is required when PDS_BLOBSTORE is s3");
        }

        var diskLocation = s.String(K.BlobstoreDiskLocation) ?? Path.Combine(dataDirectory, "blocks");
        return new BlobstoreOptions
        {
            Kind = kind,
            UploadLimit = s.Long(K.BlobUploadLimit, 1, long.MaxValue, "must be a size in bytes") ?? DefaultBlobUploadLimit,
            DiskLocation = kind == BlobstoreKind.Disk ? Path.GetFullPath(diskLocation) : null,
            DiskTmpLocation = kind == BlobstoreKind.Disk
                ? Path.GetFullPath(s.String(K.BlobstoreDiskTmpLocation) ?? Path.Combine(dataDirectory, "tmp"))
                : null,
            S3Bucket = bucket,
            S3Region = s.String(K.BlobstoreS3Region),
            S3Endpoint = s.Url(K.BlobstoreS3Endpoint),
            S3ForcePathStyle = s.Bool(K.BlobstoreS3ForcePathStyle) ?? false,
            S3AccessKeyId = s.String(K.BlobstoreS3AccessKeyId),
            S3SecretAccessKey = s.String(K.BlobstoreS3SecretAccessKey),
        };
    }

    private static IdentityOptions LoadIdentity(Reader s, string hostname, bool devMode, Uri publicUrl)
    {
        var domains = s.List(K.ServiceHandleDomains);
        if (domains.Count == 0)
        {
            domains = hostname == "localhost" ? [".test"] : ["." + hostname];
        }
        else if (domains.Any(d => d.Length < 2 || d[0] != '.'))
        {
            throw new PdsConfigurationException(K.ServiceHandleDomains, "entries must start with a dot, e.g. .example.com");
        }

        // Development without a configured directory serves did:plc from this process, under /plc.
        var plcUrl = s.Url(K.DidPlcUrl);
        var embeddedPlc = plcUrl is null && devMode;
        return new IdentityOptions
        {
            PlcUrl = plcUrl ?? (embeddedPlc ? new Uri(publicUrl, IdentityOptions.EmbeddedPlcPath) : new Uri("https://plc.directory")),
            EmbeddedPlcDirectory = embeddedPlc,
            ServiceHandleDomains = domains,
            RecoveryDidKey = s.String(K.RecoveryDidKey),
            ResolverTimeout = TimeSpan.FromMilliseconds(s.Long(K.IdResolverTimeout, 1, long.MaxValue, "must be a duration in milliseconds") ?? 3000),
            CacheStaleTtl = TimeSpan.FromMilliseconds(s.Long(K.DidCacheStaleTtl, 0, long.MaxValue, "must be a duration in milliseconds") ?? 60 * 60 * 1000),
            CacheMaxTtl = TimeSpan.FromMilliseconds(s.Long(K.DidCacheMaxTtl, 0, long.MaxValue, "must be a duration in milliseconds") ?? 24 * 60 * 60 * 1000),
            HandleBackupNameservers = s.List(K.HandleBackupNameservers),
            EnableDidDocWithSession = s.Bool(K.EnableDidDocWithSession) ?? false,
        };
    }

    private static SecretsOptions LoadSecrets(Reader s, bool devMode, string dataDirectory)
    {
        if (s.String(K.PlcRotationKeyKmsKeyId) is not null && s.String(K.PlcRotationKeyK256PrivateKeyHex) is null)
        {
            throw new PdsConfigurationException(K.PlcRotationKeyKmsKeyId, "is not supported; set PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX");
        }

        IReadOnlyDictionary<string, string>? generated = null;
        if (devMode && Missing(s))
        {
            generated = SecretsFile.LoadOrCreate(dataDirectory);
        }

        string Secret(string key)
        {
            var value = s.String(key);
            if (value is not null)
            {
                return value;
            }

            if (generated is not null && generated.TryGetValue(key, out var stored))
            {
                return stored;
            }

            throw new PdsConfigurationException(key, "is required outside development mode");
        }

        var rotationKey = Secret(K.PlcRotationKeyK256PrivateKeyHex);
        RequireHex32(K.PlcRotationKeyK256PrivateKeyHex, rotationKey, "must be a secp256k1 private key as 64 hex characters");
        var encryptionKey = Secret(K.RepoSigningKeyEncryptionKeyHex);
        RequireHex32(K.RepoSigningKeyEncryptionKeyHex, encryptionKey, "must be 32 bytes as 64 hex characters");

        return new SecretsOptions
        {
            JwtSecret = Secret(K.JwtSecret),
            AdminPassword = Secret(K.AdminPassword),
            PlcRotationKeyK256PrivateKeyHex = rotationKey.ToLowerInvariant(),
            RepoSigningKeyEncryptionKeyHex = encryptionKey.ToLowerInvariant(),
            DpopSecret = Secret(K.DpopSecret),
        };
    }

    private static bool Missing(Reader s) =>
        s.String(K.JwtSecret) is null
        || s.String(K.AdminPassword) is null
        || s.String(K.PlcRotationKeyK256PrivateKeyHex) is null
        || s.String(K.RepoSigningKeyEncryptionKeyHex) is null
        || s.String(K.DpopSecret) is null;

    private static void RequireHex32(string key, string value, string message)
    {
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigit) || value.All(c => c == '0'))
        {
            throw new PdsConfigurationException(key, message);
        }
    }

    private static Uri ParseUrl(string key, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new PdsConfigurationException(key, "must be an absolute http:// or https:// URL");

    private readonly struct Reader(Func<string, string?> get)
    {
        public string? String(string key)
        {
            var value = get(key)?.Trim();
            return string.IsNullOrEmpty(value) ? null : value;
        }

        public bool? Bool(string key) => String(key)?.ToUpperInvariant() switch
        {
            null => null,
            "TRUE" or "1" => true,
            "FALSE" or "0" => false,
            _ => throw new PdsConfigurationException(key, "must be true or false"),
        };

        public int? Int(string key, int min, int max, string message)
        {
            var value = Long(key, min, max, message);
            return value is null ? null : (int)value.Value;
        }

        public long? Long(string key, long min, long max, string message)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new PdsConfigurationException(key, message);
        }

        public Uri? Url(string key)
        {
            var text = String(key);
            return text is null ? null : ParseUrl(key, text);
        }

        public IReadOnlyList<string> List(string key) =>
            String(key)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    }
}
