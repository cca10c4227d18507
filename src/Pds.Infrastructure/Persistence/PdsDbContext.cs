using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// The one EF Core model. Each provider has a sealed subclass so that each carries its own
/// migration set (<see cref="SqlitePdsDbContext"/>, <see cref="PostgresPdsDbContext"/>); the model
/// itself has no provider branches.
/// </summary>
public abstract class PdsDbContext : DbContext
{
    protected PdsDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>
    /// Whether a write transaction is open on this context without its BEGIN having gone to the
    /// database yet (PostgreSQL, <see cref="PdsDatabase"/>, ADR 0023). Whatever sends a statement
    /// first begins it (<see cref="BeginIfDeferred"/>; EF Core's own statements through
    /// <see cref="DeferredBeginInterceptor"/>), unless that statement is the write's last batch,
    /// which then carries BEGIN itself (<see cref="TakeDeferredBegin"/>).
    /// </summary>
    internal bool BeginDeferred { get; private set; }

    /// <summary>Whether a write transaction is open on this context, begun or deferred.</summary>
    internal bool InWriteTransaction => BeginDeferred || Database.CurrentTransaction is not null;

    private AutoTransactionBehavior _autoTransactionsBeforeDeferral;

    /// <summary>
    /// Opens a write transaction whose BEGIN waits for its first statement. The connection must be
    /// open: beginning it later then sends nothing by itself (Npgsql sends BEGIN with the next
    /// statement). Until then SaveChanges may not open a transaction of its own.
    /// </summary>
    internal void DeferBegin()
    {
        if (InWriteTransaction)
        {
            throw new InvalidOperationException("A write transaction is already open on this context.");
        }

        _autoTransactionsBeforeDeferral = Database.AutoTransactionBehavior;
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        BeginDeferred = true;
    }

    /// <summary>
    /// Ends a deferral without beginning the transaction, and says whether there was one: the caller
    /// sends BEGIN in its own batch, or nothing was sent in the transaction.
    /// </summary>
    internal bool TakeDeferredBegin()
    {
        if (!BeginDeferred)
        {
            return false;
        }

        BeginDeferred = false;
        Database.AutoTransactionBehavior = _autoTransactionsBeforeDeferral;
        return true;
    }

    /// <summary>
    /// Begins a deferred write transaction now (Npgsql sends BEGIN ahead of the next statement; the
    /// open connection makes this no round trip of its own), and returns the open transaction, if any.
    /// </summary>
    internal System.Data.Common.DbTransaction? BeginIfDeferred()
    {
        if (TakeDeferredBegin())
        {
            Database.BeginTransaction();
        }

        return Database.CurrentTransaction?.GetDbTransaction();
    }

    /// <inheritdoc cref="BeginIfDeferred"/>
    internal async ValueTask<System.Data.Common.DbTransaction?> BeginIfDeferredAsync(CancellationToken cancellationToken)
    {
        if (TakeDeferredBegin())
        {
            await Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        }

        return Database.CurrentTransaction?.GetDbTransaction();
    }

    public DbSet<AccountRow> Accounts => Set<AccountRow>();

    public DbSet<ActorSigningKeyRow> ActorSigningKeys => Set<ActorSigningKeyRow>();

    public DbSet<ReservedKeyRow> ReservedKeys => Set<ReservedKeyRow>();

    public DbSet<RefreshTokenRow> RefreshTokens => Set<RefreshTokenRow>();

    public DbSet<AppPasswordRow> AppPasswords => Set<AppPasswordRow>();

    public DbSet<InviteCodeRow> InviteCodes => Set<InviteCodeRow>();

    public DbSet<InviteCodeUseRow> InviteCodeUses => Set<InviteCodeUseRow>();

    public DbSet<EmailTokenRow> EmailTokens => Set<EmailTokenRow>();

    public DbSet<RepoRootRow> RepoRoots => Set<RepoRootRow>();

    public DbSet<RepoBlockRow> RepoBlocks => Set<RepoBlockRow>();

    public DbSet<RecordRow> Records => Set<RecordRow>();

    public DbSet<BlobRow> Blobs => Set<BlobRow>();

    public DbSet<RecordBlobRow> RecordBlobs => Set<RecordBlobRow>();

    public DbSet<PlcOperationRow> PlcOperations => Set<PlcOperationRow>();

    public DbSet<SequencedEventRow> SequencedEvents => Set<SequencedEventRow>();

    public DbSet<SequencerCounterRow> SequencerCounter => Set<SequencerCounterRow>();

    public DbSet<OAuthRequestRow> OAuthRequests => Set<OAuthRequestRow>();

    public DbSet<OAuthSessionRow> OAuthSessions => Set<OAuthSessionRow>();

    public DbSet<OAuthUsedRefreshRow> OAuthUsedRefreshTokens => Set<OAuthUsedRefreshRow>();

    public DbSet<OAuthConsentRow> OAuthConsents => Set<OAuthConsentRow>();

    public DbSet<OAuthDeviceAccountRow> OAuthDeviceAccounts => Set<OAuthDeviceAccountRow>();

    public DbSet<AccountPreferenceRow> AccountPreferences => Set<AccountPreferenceRow>();

    public DbSet<ModerationReportRow> ModerationReports => Set<ModerationReportRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<AccountRow>(e =>
        {
            e.ToTable("account");
            e.HasKey(x => x.Did);
            e.HasIndex(x => x.Handle).IsUnique();
            e.HasIndex(x => x.Email).IsUnique();
        });
        modelBuilder.Entity<ActorSigningKeyRow>(e =>
        {
            e.ToTable("actor_signing_key");
            e.HasKey(x => x.Did);
        });
        modelBuilder.Entity<ReservedKeyRow>(e =>
        {
            e.ToTable("reserved_key");
            e.HasKey(x => x.KeyFor);
        });
        modelBuilder.Entity<RefreshTokenRow>(e =>
        {
            e.ToTable("refresh_token");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Did);
        });
        modelBuilder.Entity<AppPasswordRow>(e =>
        {
            e.ToTable("app_password");
            e.HasKey(x => new { x.Did, x.Name });
        });
        modelBuilder.Entity<InviteCodeRow>(e =>
        {
            e.ToTable("invite_code");
            e.HasKey(x => x.Code);
            e.HasIndex(x => x.ForAccount);
        });
        modelBuilder.Entity<InviteCodeUseRow>(e =>
        {
            e.ToTable("invite_code_use");
            e.HasKey(x => new { x.Code, x.UsedBy });
        });
        modelBuilder.Entity<EmailTokenRow>(e =>
        {
            e.ToTable("email_token");
            e.HasKey(x => new { x.Purpose, x.Did });
            e.HasIndex(x => new { x.Purpose, x.TokenHash }).IsUnique();
        });
        modelBuilder.Entity<RepoRootRow>(e =>
        {
            e.ToTable("repo_root");
            e.HasKey(x => x.Did);
        });
        modelBuilder.Entity<RepoBlockRow>(e =>
        {
            e.ToTable("repo_block");
            e.HasKey(x => new { x.Did, x.Cid });
            e.HasIndex(x => new { x.Did, x.RepoRev });
        });
        modelBuilder.Entity<RecordRow>(e =>
        {
            e.ToTable("record");
            e.HasKey(x => new { x.Did, x.Collection, x.Rkey });
            e.HasIndex(x => new { x.Did, x.RepoRev });

            // A commit that drops a record keeps its block while another record of the repository
            // still has the same CID; without this index that check read the whole table. (The URI
            // has no index of its own: it is made of the primary key, which every lookup uses.)
            e.HasIndex(x => new { x.Did, x.Cid });
        });
        modelBuilder.Entity<BlobRow>(e =>
        {
            e.ToTable("blob");
            e.HasKey(x => new { x.Did, x.Cid });
        });
        modelBuilder.Entity<RecordBlobRow>(e =>
        {
            e.ToTable("record_blob");
            e.HasKey(x => new { x.Did, x.BlobCid, x.RecordUri });
            e.HasIndex(x => new { x.Did, x.RecordUri });
        });
        modelBuilder.Entity<PlcOperationRow>(e =>
        {
            e.ToTable("plc_operation");
            e.HasKey(x => new { x.Did, x.Cid });
            e.HasIndex(x => new { x.Did, x.CreatedAt });
        });
        modelBuilder.Entity<SequencedEventRow>(e =>
        {
            e.ToTable("sequenced_event");
            e.HasKey(x => x.Seq);
            e.Property(x => x.Seq).ValueGeneratedNever();
            e.HasIndex(x => new { x.Did, x.Seq });
        });
        modelBuilder.Entity<SequencerCounterRow>(e =>
        {
            e.ToTable("sequencer_counter");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
            e.HasData(new SequencerCounterRow { Id = 1, Value = 0 });
        });
        modelBuilder.Entity<OAuthRequestRow>(e =>
        {
            e.ToTable("oauth_request");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.CodeHash).IsUnique();
            e.HasIndex(x => x.ExpiresAt);
        });
        modelBuilder.Entity<OAuthSessionRow>(e =>
        {
            e.ToTable("oauth_session");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.TokenId).IsUnique();
            e.HasIndex(x => x.RefreshHash).IsUnique();
            e.HasIndex(x => x.CodeHash);
            e.HasIndex(x => new { x.Did, x.ClientId });
        });
        modelBuilder.Entity<OAuthUsedRefreshRow>(e =>
        {
            e.ToTable("oauth_used_refresh_token");
            e.HasKey(x => x.RefreshHash);
            e.HasIndex(x => x.SessionId);
        });
        modelBuilder.Entity<OAuthConsentRow>(e =>
        {
            e.ToTable("oauth_consent");
            e.HasKey(x => new { x.Did, x.ClientId });
        });
        modelBuilder.Entity<OAuthDeviceAccountRow>(e =>
        {
            e.ToTable("oauth_device_account");
            e.HasKey(x => new { x.DeviceId, x.Did });
        });
        modelBuilder.Entity<AccountPreferenceRow>(e =>
        {
            e.ToTable("account_pref");
            e.HasKey(x => new { x.Did, x.Position });
        });
        modelBuilder.Entity<ModerationReportRow>(e =>
        {
            e.ToTable("moderation_report");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => x.ReportedBy);
        });

        // snake_case columns and index names, the same on both providers, so raw SQL needs no quoting.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>Stores instants as UTC and reads them back marked as UTC on every provider.</summary>
public sealed class UtcDateTimeConverter : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>
{
    public UtcDateTimeConverter()
        : base(v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc))
    {
    }
}

public sealed class SqlitePdsDbContext : PdsDbContext
{
    public SqlitePdsDbContext(DbContextOptions<SqlitePdsDbContext> options)
        : base(options)
    {
    }
}

public sealed class PostgresPdsDbContext : PdsDbContext
{
    public PostgresPdsDbContext(DbContextOptions<PostgresPdsDbContext> options)
        : base(options)
    {
    }

    /// <summary>
    /// Every text column compares byte by byte (collation <c>C</c>), as SQLite's do, whatever
    /// locale the operator's database was created with: record keys, revisions and CIDs then sort
    /// in the order atproto defines (listRecords pages, <c>since</c> revisions), and index
    /// comparisons of DIDs and CIDs are plain memory comparisons instead of locale-aware ones.
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().UseCollation("C");
    }
}
