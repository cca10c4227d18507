using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>
/// The account lookup a request makes twice (authentication, then its handler) is answered once
/// per scope until a write, and shared with other requests for the account cache's lifetime
/// unless this process changes the account.
/// </summary>
public sealed class AccountStoreTests : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestDatabase _db;
    private ServiceProvider _services = null!;

    public AccountStoreTests(TestDatabase db)
    {
        _db = db;
    }

    public async Task InitializeAsync()
    {
        await _db.MigrateAsync();
        _services = _db.CreateServices();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task GetByDidAsync_SameScopeNoWrite_AnsweredFromTheFirstLookup()
    {
        var did = await CreateAccountAsync();
        await using var scope = _services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountStore>();
        var first = await accounts.GetByDidAsync(did);
        Assert.NotNull(first);
        Assert.Same(first, await accounts.GetByDidAsync(did));

        // Another DID in between is looked up, and the first is looked up again after it.
        Assert.Null(await accounts.GetByDidAsync("did:plc:nobody" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Equal(first, await accounts.GetByDidAsync(did));
    }

    [Fact]
    public async Task GetByDidAsync_ChangedBehindTheServersBack_OtherScopesKeepTheReadForTheLifetime()
    {
        // As when another process sharing the database changes the account: this process sees
        // it once its copy is older than the cache's lifetime.
        var clock = new ManualClock();
        await using var services = CreateServices(clock);
        var did = await CreateAccountAsync(services);
        await using (var first = services.CreateAsyncScope())
        {
            Assert.False((await first.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
        }

        await using (var context = _db.CreateContext())
        {
            await context.Accounts.Where(a => a.Did == did).ExecuteUpdateAsync(a => a.SetProperty(x => x.TakedownRef, "elsewhere"));
        }

        await using (var second = services.CreateAsyncScope())
        {
            Assert.False((await second.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
        }

        clock.Advance(_db.Options.AccountCacheLifetime);
        await using var third = services.CreateAsyncScope();
        Assert.Equal("elsewhere", (await third.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.TakedownRef);
    }

    [Fact]
    public async Task GetByDidAsync_ReadWhileAChangeWasUncommitted_NotKeptPastTheCommit()
    {
        var clock = new ManualClock();
        await using var services = CreateServices(clock);
        var did = await CreateAccountAsync(services);
        await using (var writer = services.CreateAsyncScope())
        {
            await writer.ServiceProvider.GetRequiredService<IUnitOfWork>().WriteAsync(async ct =>
            {
                await writer.ServiceProvider.GetRequiredService<IAccountStore>().SetTakedownAsync(did, "mod-3", ct);

                // Another request reads the account before the change commits: it sees the old row.
                await using var reader = services.CreateAsyncScope();
                Assert.False((await reader.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did, ct))!.IsTakendown);
                return 0;
            });
        }

        // The clock has not moved: only forgetting the account after the commit makes this fresh.
        await using var next = services.CreateAsyncScope();
        Assert.True((await next.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
    }

    [Fact]
    public async Task GetByDidAsync_EveryKindOfChange_SeenAtOnceByTheNextRequest()
    {
        var clock = new ManualClock();
        await using var services = CreateServices(clock);
        var did = await CreateAccountAsync(services);
        var changes = new (Func<IAccountStore, Task> Change, Func<AccountInfo?, bool> Seen)[]
        {
            (s => s.UpdateHandleAsync(did, "Renamed-" + did[^6..] + ".test"), a => a!.Handle == "renamed-" + did[^6..] + ".test"),
            (s => s.UpdateEmailAsync(did, did[^6..] + "@example.com"), a => a!.Email == did[^6..] + "@example.com"),
            (s => s.SetEmailConfirmedAsync(did, DateTime.UtcNow), a => a!.EmailConfirmedAt is not null),
            (s => s.SetDeactivatedAsync(did, DateTime.UtcNow, null), a => a!.IsDeactivated),
            (s => s.SetDeactivatedAsync(did, null, null), a => !a!.IsDeactivated),
            (s => s.SetTakedownAsync(did, "mod-4"), a => a!.IsTakendown),
            (s => s.SetInvitesDisabledAsync(did, true), a => a!.InvitesDisabled),
            (s => s.DeleteAsync(did), a => a is null),
        };
        foreach (var (change, seen) in changes)
        {
            await using (var before = services.CreateAsyncScope())
            {
                Assert.NotNull(await before.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did));
            }

            await using (var writer = services.CreateAsyncScope())
            {
                await change(writer.ServiceProvider.GetRequiredService<IAccountStore>());
            }

            await using var after = services.CreateAsyncScope();
            Assert.True(seen(await after.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did)));
        }
    }

    [Fact]
    public async Task GetByDidAsync_AfterAWriteInTheScope_SeesTheChange()
    {
        var did = await CreateAccountAsync();
        await using var scope = _services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountStore>();
        Assert.False((await accounts.GetByDidAsync(did))!.IsTakendown);

        await accounts.SetTakedownAsync(did, "mod-1");
        Assert.True((await accounts.GetByDidAsync(did))!.IsTakendown);

        // A write through the unit of work by another store of the scope counts too.
        await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().WriteAsync(async ct =>
        {
            await scope.ServiceProvider.GetRequiredService<IAccountStore>().SetTakedownAsync(did, null, ct);
            return 0;
        });
        Assert.False((await accounts.GetByDidAsync(did))!.IsTakendown);
    }

    [Fact]
    public async Task GetByDidAsync_OtherScopeChangedIt_NewScopeSeesTheChange()
    {
        var did = await CreateAccountAsync();
        await using (var reader = _services.CreateAsyncScope())
        {
            Assert.False((await reader.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
        }

        await using (var writer = _services.CreateAsyncScope())
        {
            await writer.ServiceProvider.GetRequiredService<IAccountStore>().SetTakedownAsync(did, "mod-2");
        }

        await using var next = _services.CreateAsyncScope();
        Assert.True((await next.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
    }

    [Fact]
    public async Task RecordReadsByDid_ShareTheCacheBothWays()
    {
        // getRecord and listRecords by DID read the account with the records; an account read in
        // the last moments comes from the cache instead, and one they read goes into it.
        var clock = new ManualClock();
        await using var services = CreateServices(clock);
        var did = await CreateAccountAsync(services);
        await WithActorsAsync(services, actors => actors.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            await tx.PutBlockAsync("bafy3ka", new byte[] { 0xa0 }, "rev1", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "3ka", $"at://{did}/app.bsky.feed.post/3ka", "bafy3ka", "rev1", ct);
            return 0;
        }));
        Assert.False((await RecordReadAccountAsync(services, did, list: false))!.IsTakendown);

        // Changed behind this process's back, as another process sharing the database would.
        await using (var context = _db.CreateContext())
        {
            await context.Accounts.Where(a => a.Did == did).ExecuteUpdateAsync(a => a.SetProperty(x => x.TakedownRef, "elsewhere"));
        }

        // The record read's account was kept: the account store and the next record reads answer from it.
        await using (var scope = services.CreateAsyncScope())
        {
            Assert.False((await scope.ServiceProvider.GetRequiredService<IAccountStore>().GetByDidAsync(did))!.IsTakendown);
        }

        Assert.False((await RecordReadAccountAsync(services, did, list: false))!.IsTakendown);
        Assert.False((await RecordReadAccountAsync(services, did, list: true))!.IsTakendown);

        // A read inside a write transaction always asks the database.
        var inTransaction = await WithActorsAsync(services, actors => actors.TransactAsync(did, async (tx, ct) =>
            (await tx.GetRecordWithBlockAsync("app.bsky.feed.post", "3ka", true, ct)).Account));
        Assert.Equal("elsewhere", inTransaction!.TakedownRef);

        // Once the kept copy is older than the lifetime, the record reads see the change.
        clock.Advance(_db.Options.AccountCacheLifetime);
        Assert.Equal("elsewhere", (await RecordReadAccountAsync(services, did, list: true))!.TakedownRef);

        // A change this process makes is seen by the next record read at once.
        await using (var writer = services.CreateAsyncScope())
        {
            await writer.ServiceProvider.GetRequiredService<IAccountStore>().SetTakedownAsync(did, null);
        }

        Assert.False((await RecordReadAccountAsync(services, did, list: false))!.IsTakendown);
        var (account, record) = await WithActorsAsync(services, actors => actors.ReadAsync(did, (r, ct) => r.GetRecordWithBlockAsync("app.bsky.feed.post", "3ka", true, ct)));
        Assert.Equal(did, account!.Did);
        Assert.Equal(new byte[] { 0xa0 }, record!.Block);
    }

    private static Task<AccountInfo?> RecordReadAccountAsync(ServiceProvider services, string did, bool list) =>
        WithActorsAsync(services, actors => actors.ReadAsync(did, async (reader, ct) => list
            ? (await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, true, ct)).Account
            : (await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "3ka", true, ct)).Account));

    private static async Task<T> WithActorsAsync<T>(ServiceProvider services, Func<IActorStore, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IActorStore>());
    }

    private Task<string> CreateAccountAsync() => CreateAccountAsync(_services);

    private static async Task<string> CreateAccountAsync(ServiceProvider services)
    {
        var did = "did:plc:" + Guid.NewGuid().ToString("N")[..24];
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IAccountStore>().CreateAsync(new NewAccount(did, null, null, null, DateTime.UtcNow, false));
        return did;
    }

    // The infrastructure on this database with a clock the test moves.
    private ServiceProvider CreateServices(TimeProvider clock)
    {
        var services = new ServiceCollection();
        services.AddSingleton(_db.LoadOptions());
        services.AddInfrastructure();
        services.AddSingleton(clock);
        return services.BuildServiceProvider(validateScopes: true);
    }
}
