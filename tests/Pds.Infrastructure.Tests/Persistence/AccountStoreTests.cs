using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>The account lookup a request makes twice (authentication, then its handler) is answered once per scope until a write.</summary>
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
        var again = await accounts.GetByDidAsync(did);
        Assert.Equal(first, again);
        Assert.NotSame(first, again);
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

    private async Task<string> CreateAccountAsync()
    {
        var did = "did:plc:" + Guid.NewGuid().ToString("N")[..24];
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IAccountStore>().CreateAsync(new NewAccount(did, null, null, null, DateTime.UtcNow, false));
        return did;
    }
}
