using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Blobs;
using Pds.Infrastructure.Configuration;
using Pds.Infrastructure.Crawlers;
using Pds.Infrastructure.Firehose;
using Pds.Infrastructure.Identity;
using Pds.Infrastructure.Identity.EmbeddedPlc;
using Pds.Infrastructure.Lexicons;
using Pds.Infrastructure.Persistence;
using Pds.Domain.Auth;
using Pds.Domain.Lexicon;
using Pds.Infrastructure.Mail;
using Pds.Infrastructure.Persistence.Accounts;
using Pds.Infrastructure.Persistence.ActorStore;
using Pds.Infrastructure.Persistence.Sequencer;

namespace Pds.Infrastructure;

public static class DependencyInjection
{
    /// <summary>
    /// Registers storage for the configured provider. <see cref="PdsOptions"/> must already be
    /// registered; it is read when the first service is resolved.
    /// </summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<PdsOptions>().Database);
        services.AddSingleton(sp => new WriteGate(sp.GetRequiredService<DatabaseOptions>().Provider == DatabaseProvider.Sqlite));

        // Both provider contexts are registered; the factory below hands out the configured one.
        // Pooled: a request rents a context whose internal services are already built, instead of
        // constructing a new one (a measurable share of a small request's CPU).
        services.AddDbContextPool<SqlitePdsDbContext>(
            (sp, o) => DatabaseSetup.ConfigureSqlite(o, sp.GetRequiredService<DatabaseOptions>().ConnectionString));
        services.AddDbContextPool<PostgresPdsDbContext>(
            (sp, o) => DatabaseSetup.ConfigurePostgres(o, sp.GetRequiredService<DatabaseOptions>().ConnectionString));
        services.AddScoped<PdsDbContext>(sp => sp.GetRequiredService<DatabaseOptions>().Provider == DatabaseProvider.Sqlite
            ? sp.GetRequiredService<SqlitePdsDbContext>()
            : sp.GetRequiredService<PostgresPdsDbContext>());

        services.AddSingleton<SequencerSignal>();
        services.TryAddSingleton(sp => new FirehoseOptions { RingCapacity = sp.GetRequiredService<PdsOptions>().Limits.MaxSubscriptionBuffer });
        services.AddSingleton<FirehoseHub>();
        services.AddHostedService(sp => sp.GetRequiredService<FirehoseHub>());
        services.AddHostedService<PostgresSequencerListener>();
        services.TryAddSingleton(new CrawlerOptions());
        services.AddHttpClient(CrawlerClient.HttpClientName, (sp, http) => http.Timeout = sp.GetRequiredService<CrawlerOptions>().RequestTimeout);
        services.AddSingleton<CrawlerClient>();
        services.AddHostedService<CrawlerNotifier>();
        services.AddSingleton<TempBlobJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<TempBlobJanitor>());
        services.AddSingleton(sp => sp.GetRequiredService<DatabaseOptions>() is { Provider: DatabaseProvider.Sqlite } database
            ? new SqliteReadConnections(database.ConnectionString, SqliteReadConnections.DefaultKeep)
            : SqliteReadConnections.Disabled());
        services.AddSingleton(sp => sp.GetRequiredService<DatabaseOptions>() is { Provider: DatabaseProvider.Sqlite } database
            ? new SqliteWriteConnection(database.ConnectionString)
            : SqliteWriteConnection.Disabled());
        services.AddScoped<PdsDatabase>();
        services.AddScoped<IUnitOfWork>(sp => sp.GetRequiredService<PdsDatabase>());
        services.AddScoped<ISequencer, EfSequencer>();
        services.AddSingleton<RepoRootCache>();
        services.AddScoped<IActorStore, EfActorStore>();
        services.AddSingleton(sp => new AccountCache(sp.GetRequiredService<DatabaseOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped<IAccountStore, EfAccountStore>();
        services.AddScoped<IRepoKeyStore, EfRepoKeyStore>();
        services.AddScoped<IRefreshTokenStore, EfRefreshTokenStore>();
        services.AddScoped<IAppPasswordStore, EfAppPasswordStore>();
        services.AddScoped<Pds.Application.Bsky.Actor.IPreferenceStore, EfPreferenceStore>();
        services.AddScoped<IInviteCodeStore, EfInviteCodeStore>();
        services.AddScoped<IEmailTokenStore, EfEmailTokenStore>();
        services.AddScoped<IModerationReportStore, Persistence.Moderation.EfModerationReportStore>();
        services.AddHttpClient<IReportService, Moderation.HttpReportService>(http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddScoped<Pds.Application.OAuth.IOAuthStore, OAuth.EfOAuthStore>();
        services.AddSingleton<OAuth.MemoryReplayStore>();
        services.AddSingleton<Pds.Application.OAuth.IReplayStore>(sp => sp.GetRequiredService<PdsOptions>().Limits.RedisScratchAddress is { Length: > 0 }
            ? OptionalParts.RedisReplayStore(sp)
            : sp.GetRequiredService<OAuth.MemoryReplayStore>());
        services.AddSingleton<OAuth.SafeDocumentFetcher>();
        services.AddSingleton<Pds.Application.OAuth.IOAuthDocumentFetcher>(sp => sp.GetRequiredService<OAuth.SafeDocumentFetcher>());
        services.AddSingleton<Lexicons.PermissionSetCache>();
        services.AddScoped<Pds.Application.OAuth.IPermissionSetResolver, Lexicons.PermissionSetResolver>();
        services.AddSingleton(sp => new RepoKeyEncryption(new KeyEncryption(
            Convert.FromHexString(sp.GetRequiredService<PdsOptions>().Secrets.RepoSigningKeyEncryptionKeyHex))));
        services.AddSingleton<IMailer>(sp => sp.GetRequiredService<PdsOptions>().Email.SmtpUrl is null
            ? ActivatorUtilities.CreateInstance<FileMailer>(sp)
            : OptionalParts.SmtpMailer(sp));
        services.AddSingleton<IBlobStore>(sp =>
        {
            var options = sp.GetRequiredService<PdsOptions>();
            return options.Blobstore.Kind == BlobstoreKind.Disk
                ? new DiskBlobStore(options.Blobstore)
                : OptionalParts.S3BlobStore(options);
        });
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<Pds.Application.Common.RateLimits.RateLimitOutcome>();
        services.AddSingleton<RateLimits.RedisConnection>();
        services.AddSingleton<Pds.Application.Common.RateLimits.IRateLimiter>(sp =>
        {
            var limits = sp.GetRequiredService<PdsOptions>().Limits;
            var clock = sp.GetRequiredService<TimeProvider>();
            if (limits.RedisScratchAddress is not { Length: > 0 })
            {
                return new Pds.Application.Common.RateLimits.MemoryRateLimiter(clock);
            }

            return OptionalParts.RedisRateLimiter(sp, clock);
        });
        services.AddScoped<EmbeddedPlcDirectory>();
        services.AddIdentityResolution();
        services.AddSingleton<ILexiconCatalog>(_ => EmbeddedLexicons.Catalog);
        services.AddSingleton(sp => new LexiconValidator(sp.GetRequiredService<ILexiconCatalog>()));
        services.AddSingleton<IRecordValidator, LexiconRecordValidator>();
        return services;
    }
}
