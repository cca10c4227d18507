using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pds.Application.OAuth;
using Pds.Infrastructure.Persistence;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.OAuth;

/// <summary>OAuth state in the service database (both providers).</summary>
public sealed class EfOAuthStore(PdsDatabase database, TimeProvider clock) : IOAuthStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private PdsDbContext Context => database.Context;

    public Task CreateRequestAsync(OAuthAuthorizationRequest request, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                // Expired requests are swept as new ones arrive.
                var now = clock.GetUtcNow().UtcDateTime;
                await Context.OAuthRequests.Where(r => r.ExpiresAt < now.AddMinutes(-5)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                Context.OAuthRequests.Add(ToRow(request));
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public async Task<OAuthAuthorizationRequest?> GetRequestAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await Context.OAuthRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : JsonSerializer.Deserialize<OAuthAuthorizationRequest>(row.Data, Json);
    }

    public Task UpdateRequestAsync(OAuthAuthorizationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var row = ToRow(request);
        return database.WriteAsync(
            async ct => await Context.OAuthRequests.Where(r => r.Id == request.Id).ExecuteUpdateAsync(
                u => u.SetProperty(r => r.Data, row.Data).SetProperty(r => r.CodeHash, row.CodeHash).SetProperty(r => r.ExpiresAt, row.ExpiresAt),
                ct).ConfigureAwait(false),
            cancellationToken);
    }

    public Task<OAuthAuthorizationRequest?> TakeRequestByCodeAsync(string codeHash, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var row = await Context.OAuthRequests.SingleOrDefaultAsync(r => r.CodeHash == codeHash, ct).ConfigureAwait(false);
                if (row is null)
                {
                    return null;
                }

                // Deleting by key and hash: of two concurrent redemptions only one removes the row.
                var removed = await Context.OAuthRequests.Where(r => r.Id == row.Id && r.CodeHash == codeHash).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return removed == 1 ? JsonSerializer.Deserialize<OAuthAuthorizationRequest>(row.Data, Json) : null;
            },
            cancellationToken);

    public Task DeleteRequestAsync(string id, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async ct => await Context.OAuthRequests.Where(r => r.Id == id).ExecuteDeleteAsync(ct).ConfigureAwait(false), cancellationToken);

    public Task CreateSessionAsync(OAuthSession session, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                Context.OAuthSessions.Add(ToRow(session));
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public async Task<OAuthSession?> GetSessionByTokenIdAsync(string tokenId, CancellationToken cancellationToken = default) =>
        FromRow(await Context.OAuthSessions.AsNoTracking().SingleOrDefaultAsync(r => r.TokenId == tokenId, cancellationToken).ConfigureAwait(false));

    public async Task<OAuthSession?> GetSessionByRefreshHashAsync(string refreshHash, CancellationToken cancellationToken = default) =>
        FromRow(await Context.OAuthSessions.AsNoTracking().SingleOrDefaultAsync(r => r.RefreshHash == refreshHash, cancellationToken).ConfigureAwait(false));

    public async Task<OAuthSession?> GetSessionByCodeHashAsync(string codeHash, CancellationToken cancellationToken = default) =>
        FromRow(await Context.OAuthSessions.AsNoTracking().FirstOrDefaultAsync(r => r.CodeHash == codeHash, cancellationToken).ConfigureAwait(false));

    public async Task<string?> FindSessionByUsedRefreshAsync(string refreshHash, CancellationToken cancellationToken = default) =>
        await Context.OAuthUsedRefreshTokens.AsNoTracking().Where(r => r.RefreshHash == refreshHash).Select(r => r.SessionId).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);

    public Task<bool> RotateAsync(OAuthSession rotated, string expectedRefreshHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rotated);
        var row = ToRow(rotated);
        return database.WriteAsync(
            async ct =>
            {
                var updated = await Context.OAuthSessions
                    .Where(r => r.Id == rotated.Id && r.RefreshHash == expectedRefreshHash)
                    .ExecuteUpdateAsync(u => u.SetProperty(r => r.TokenId, row.TokenId).SetProperty(r => r.RefreshHash, row.RefreshHash).SetProperty(r => r.Data, row.Data), ct)
                    .ConfigureAwait(false);
                if (updated != 1)
                {
                    return false;
                }

                Context.OAuthUsedRefreshTokens.Add(new OAuthUsedRefreshRow { RefreshHash = expectedRefreshHash, SessionId = rotated.Id });
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                await Context.OAuthSessions.Where(r => r.Id == sessionId).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task DeleteSessionsAsync(string did, string clientId, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var ids = await Context.OAuthSessions.Where(r => r.Did == did && r.ClientId == clientId).Select(r => r.Id).ToListAsync(ct).ConfigureAwait(false);
                await Context.OAuthSessions.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public async Task<IReadOnlyList<OAuthSession>> ListSessionsAsync(string did, CancellationToken cancellationToken = default)
    {
        var rows = await Context.OAuthSessions.AsNoTracking().Where(r => r.Did == did).OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => FromRow(r)!).ToList();
    }

    public async Task<string?> GetConsentAsync(string did, string clientId, CancellationToken cancellationToken = default) =>
        await Context.OAuthConsents.AsNoTracking().Where(c => c.Did == did && c.ClientId == clientId).Select(c => c.Scope).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);

    public Task SaveConsentAsync(string did, string clientId, string scope, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var row = await Context.OAuthConsents.SingleOrDefaultAsync(c => c.Did == did && c.ClientId == clientId, ct).ConfigureAwait(false);
                if (row is null)
                {
                    Context.OAuthConsents.Add(new OAuthConsentRow { Did = did, ClientId = clientId, Scope = scope, UpdatedAt = clock.GetUtcNow().UtcDateTime });
                }
                else
                {
                    row.Scope = scope;
                    row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
                }

                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task AddDeviceAccountAsync(string deviceId, string did, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var row = await Context.OAuthDeviceAccounts.SingleOrDefaultAsync(d => d.DeviceId == deviceId && d.Did == did, ct).ConfigureAwait(false);
                if (row is null)
                {
                    Context.OAuthDeviceAccounts.Add(new OAuthDeviceAccountRow { DeviceId = deviceId, Did = did, AuthenticatedAt = now });
                }
                else
                {
                    row.AuthenticatedAt = now;
                }

                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public async Task<IReadOnlyList<DeviceAccount>> ListDeviceAccountsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        await Context.OAuthDeviceAccounts.AsNoTracking().Where(d => d.DeviceId == deviceId).OrderBy(d => d.AuthenticatedAt)
            .Select(d => new DeviceAccount(d.DeviceId, d.Did, d.AuthenticatedAt)).ToListAsync(cancellationToken).ConfigureAwait(false);

    public Task RemoveDeviceAccountAsync(string deviceId, string did, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async ct => await Context.OAuthDeviceAccounts.Where(d => d.DeviceId == deviceId && d.Did == did).ExecuteDeleteAsync(ct).ConfigureAwait(false), cancellationToken);

    private static OAuthRequestRow ToRow(OAuthAuthorizationRequest request) => new()
    {
        Id = request.Id,
        ClientId = request.ClientId,
        Data = JsonSerializer.Serialize(request, Json),
        CodeHash = request.CodeHash,
        ExpiresAt = request.ExpiresAt,
    };

    private static OAuthSessionRow ToRow(OAuthSession session) => new()
    {
        Id = session.Id,
        TokenId = session.TokenId,
        Did = session.Did,
        ClientId = session.ClientId,
        CodeHash = session.CodeHash,
        RefreshHash = session.RefreshHash,
        Data = JsonSerializer.Serialize(session, Json),
        CreatedAt = session.CreatedAt,
    };

    private static OAuthSession? FromRow(OAuthSessionRow? row) =>
        row is null ? null : JsonSerializer.Deserialize<OAuthSession>(row.Data, Json)! with { TokenId = row.TokenId, RefreshHash = row.RefreshHash };
}
