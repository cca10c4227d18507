using Npgsql;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Configuration;

namespace Pds.Infrastructure.Tests.Configuration;

public sealed class PdsConfigurationLoaderTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pds-config-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void Load_NoSettings_DevelopmentDefaultsOnLocalhost()
    {
        var options = Load(new());

        Assert.True(options.Service.DevMode);
        Assert.Equal("localhost", options.Service.Hostname);
        Assert.Equal(2583, options.Service.Port);
        Assert.Equal(new Uri("http://localhost:2583"), options.Service.PublicUrl);
        Assert.Equal("did:web:localhost", options.Service.Did);
        Assert.Equal(new[] { ".test" }, options.Identity.ServiceHandleDomains);
        Assert.Equal(DatabaseProvider.Sqlite, options.Database.Provider);
        Assert.Equal($"Data Source={Path.Combine(_dataDirectory, "pds.sqlite")}", options.Database.ConnectionString);
        Assert.Equal(BlobstoreKind.Disk, options.Blobstore.Kind);
        Assert.Equal(Path.Combine(_dataDirectory, "blocks"), options.Blobstore.DiskLocation);
        Assert.Equal(5 * 1024 * 1024, options.Blobstore.UploadLimit);
        Assert.True(options.Identity.EmbeddedPlcDirectory);
        Assert.Equal(new Uri("http://localhost:2583/plc"), options.Identity.PlcUrl);
        Assert.False(options.Service.InviteRequired);
    }

    [Fact]
    public void Load_DevModeWithPlcUrl_UsesThatDirectoryNotTheEmbeddedOne()
    {
        var options = Load(new() { ["PDS_DID_PLC_URL"] = "http://127.0.0.1:2582" });

        Assert.False(options.Identity.EmbeddedPlcDirectory);
        Assert.Equal(new Uri("http://127.0.0.1:2582"), options.Identity.PlcUrl);
    }

    [Fact]
    public void Load_DevModeLocalhostWithPort_PublicUrlIsHttpLocalhostPort()
    {
        var options = Load(new() { ["PDS_HOSTNAME"] = "localhost", ["PDS_PORT"] = "3000", ["PDS_DEV_MODE"] = "true" });
        Assert.Equal(new Uri("http://localhost:3000"), options.Service.PublicUrl);
    }

    [Fact]
    public void Load_RealHostname_HttpsPublicUrlAndHostnameHandleDomain()
    {
        var options = Load(new() { ["PDS_HOSTNAME"] = "pds.example.com", ["PDS_DEV_MODE"] = "true" });
        Assert.Equal(new Uri("https://pds.example.com"), options.Service.PublicUrl);
        Assert.Equal("did:web:pds.example.com", options.Service.Did);
        Assert.Equal(new[] { ".pds.example.com" }, options.Identity.ServiceHandleDomains);
    }

    [Theory]
    [InlineData("PDS_PORT", "abc", "PDS_PORT must be a port number")]
    [InlineData("PDS_PORT", "70000", "PDS_PORT must be a port number")]
    [InlineData("PDS_PORT", "0", "PDS_PORT must be a port number")]
    [InlineData("PDS_BIND_ADDRESS", "localhost", "PDS_BIND_ADDRESS must be an IP address")]
    [InlineData("PDS_DEV_MODE", "yes please", "PDS_DEV_MODE must be true or false")]
    [InlineData("PDS_DB_PROVIDER", "mysql", "PDS_DB_PROVIDER must be sqlite or postgres")]
    [InlineData("PDS_BLOBSTORE", "ftp", "PDS_BLOBSTORE must be disk or s3")]
    [InlineData("PDS_BLOB_UPLOAD_LIMIT", "-5", "PDS_BLOB_UPLOAD_LIMIT must be a size in bytes")]
    [InlineData("PDS_DID_PLC_URL", "not a url", "PDS_DID_PLC_URL must be an absolute http:// or https:// URL")]
    [InlineData("PDS_SERVICE_HANDLE_DOMAINS", "example.com", "PDS_SERVICE_HANDLE_DOMAINS entries must start with a dot, e.g. .example.com")]
    [InlineData("PDS_EMAIL_SMTP_URL", "https://user:secret@mail.example.com", "PDS_EMAIL_SMTP_URL must be an smtp:// or smtps:// URL")]
    [InlineData("PDS_MODERATION_EMAIL_SMTP_URL", "http://mail.example.com", "PDS_MODERATION_EMAIL_SMTP_URL must be an smtp:// or smtps:// URL")]
    [InlineData("PDS_EMAIL_SMTP_URL", "mail.example.com", "PDS_EMAIL_SMTP_URL must be an smtp:// or smtps:// URL")]
    [InlineData("PDS_CRAWLERS", "smtp://relay.example.com", "PDS_CRAWLERS must be an absolute http:// or https:// URL")]
    [InlineData("PDS_EMAIL_FROM_ADDRESS", "not an address", "PDS_EMAIL_FROM_ADDRESS must be an email address, optionally with a name (\"PDS <noreply@example.com>\")")]
    [InlineData("PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX", "abcd", "PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX must be a secp256k1 private key as 64 hex characters")]
    [InlineData("PDS_ACCOUNT_CACHE_TTL_MS", "-1", "PDS_ACCOUNT_CACHE_TTL_MS must be a duration in milliseconds, at most a day")]
    [InlineData("PDS_ACCOUNT_CACHE_TTL_MS", "86400001", "PDS_ACCOUNT_CACHE_TTL_MS must be a duration in milliseconds, at most a day")]
    public void Load_BadValue_OneLineErrorNamingKey(string key, string value, string expected)
    {
        var error = Assert.Throws<PdsConfigurationException>(() => Load(new() { [key] = value }));
        Assert.Equal(key, error.Key);
        Assert.Equal(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_PostgresWithoutUrl_ErrorNamesDatabaseUrl()
    {
        var error = Assert.Throws<PdsConfigurationException>(() => Load(new() { ["PDS_DB_PROVIDER"] = "postgres" }));
        Assert.Equal("PDS_DATABASE_URL", error.Key);
    }

    [Fact]
    public void Load_PostgresUrl_ConvertedToNpgsqlConnectionString()
    {
        var options = Load(new()
        {
            ["PDS_DB_PROVIDER"] = "postgres",
            ["PDS_DATABASE_URL"] = "postgres://pds%40user:p%3Ass@db.internal:6543/pds_main?sslmode=require",
        });

        var builder = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString);
        Assert.Equal(DatabaseProvider.Postgres, options.Database.Provider);
        Assert.Equal("db.internal", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("pds@user", builder.Username);
        Assert.Equal("p:ss", builder.Password);
        Assert.Equal("pds_main", builder.Database);
        Assert.Equal(SslMode.Require, builder.SslMode);
    }

    [Theory]
    [InlineData(null, "sqlite", 1000)]
    [InlineData("0", "sqlite", 0)]
    [InlineData("2500", "postgres", 2500)]
    public void Load_AccountCacheTtl_DefaultOneSecondZeroTurnsItOff(string? value, string provider, int expectedMs)
    {
        var settings = new Dictionary<string, string> { ["PDS_DB_PROVIDER"] = provider, ["PDS_DATABASE_URL"] = "Host=127.0.0.1;Database=pds" };
        if (value is not null)
        {
            settings["PDS_ACCOUNT_CACHE_TTL_MS"] = value;
        }

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Load(settings).Database.AccountCacheLifetime);
    }

    [Fact]
    public void Load_NpgsqlConnectionString_Accepted()
    {
        var options = Load(new()
        {
            ["PDS_DB_PROVIDER"] = "postgres",
            ["PDS_DATABASE_URL"] = "Host=127.0.0.1;Port=5433;Database=pds;Username=pds",
        });
        var builder = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString);
        Assert.Equal(("127.0.0.1", 5433, "pds"), (builder.Host, builder.Port, builder.Database));
    }

    [Fact]
    public void Load_GarbageDatabaseUrl_ErrorNamesDatabaseUrl()
    {
        var error = Assert.Throws<PdsConfigurationException>(() => Load(new()
        {
            ["PDS_DB_PROVIDER"] = "postgres",
            ["PDS_DATABASE_URL"] = "Bogus Keyword=1",
        }));
        Assert.Equal("PDS_DATABASE_URL", error.Key);
    }

    [Fact]
    public void Load_DevMode_SecretsGeneratedOnceAndReused()
    {
        var first = Load(new()).Secrets;
        var second = Load(new()).Secrets;

        Assert.Equal(first, second);
        Assert.Equal(64, first.PlcRotationKeyK256PrivateKeyHex.Length);
        Assert.Equal(64, first.RepoSigningKeyEncryptionKeyHex.Length);
        Assert.NotEqual(first.JwtSecret, first.DpopSecret);
        var file = Path.Combine(_dataDirectory, SecretsFile.FileName);
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        // Another data directory gets its own secrets.
        var otherDir = _dataDirectory + "-other";
        try
        {
            var other = PdsConfigurationLoader.Load(k => k == "PDS_DATA_DIRECTORY" ? otherDir : null, "0.0.0").Secrets;
            Assert.NotEqual(first.JwtSecret, other.JwtSecret);
        }
        finally
        {
            Directory.Delete(otherDir, recursive: true);
        }
    }

    [Fact]
    public void Load_ExplicitSecret_WinsOverGeneratedFile()
    {
        Load(new());
        var options = Load(new() { ["PDS_JWT_SECRET"] = "operator-chosen" });
        Assert.Equal("operator-chosen", options.Secrets.JwtSecret);
    }

    [Fact]
    public void Load_ProductionWithoutSecrets_ErrorNamesSecretKey()
    {
        var error = Assert.Throws<PdsConfigurationException>(() => Load(new() { ["PDS_HOSTNAME"] = "pds.example.com" }));
        Assert.StartsWith("PDS_", error.Key, StringComparison.Ordinal);
        Assert.EndsWith("is required outside development mode", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, SecretsFile.FileName)));
    }

    [Fact]
    public void Load_ProductionWithAllSecrets_NotDevMode()
    {
        var options = Load(new()
        {
            ["PDS_HOSTNAME"] = "pds.example.com",
            ["PDS_JWT_SECRET"] = "jwt",
            ["PDS_ADMIN_PASSWORD"] = "admin",
            ["PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX"] = new string('1', 64),
            ["PDS_REPO_SIGNING_KEY_ENCRYPTION_KEY_HEX"] = new string('2', 64),
            ["PDS_DPOP_SECRET"] = "dpop",
            ["PDS_INVITE_REQUIRED"] = "true",
            ["PDS_CRAWLERS"] = "https://bsky.network, https://relay.example",
        });

        Assert.False(options.Service.DevMode);
        Assert.False(options.Identity.EmbeddedPlcDirectory);
        Assert.Equal(new Uri("https://plc.directory"), options.Identity.PlcUrl);
        Assert.True(options.Service.InviteRequired);
        Assert.Equal(new[] { new Uri("https://bsky.network"), new Uri("https://relay.example") }, options.Service.Crawlers);
        Assert.DoesNotContain("jwt", options.Secrets.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NewK256PrivateKeyHex_Always_ValidScalarHex()
    {
        for (var i = 0; i < 100; i++)
        {
            var hex = SecretsFile.NewK256PrivateKeyHex();
            Assert.Matches("^[0-9a-f]{64}$", hex);
        }
    }

    private PdsOptions Load(Dictionary<string, string> settings)
    {
        settings.TryAdd("PDS_DATA_DIRECTORY", _dataDirectory);
        return PdsConfigurationLoader.Load(key => settings.GetValueOrDefault(key), "9.9.9");
    }
}
