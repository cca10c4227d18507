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
