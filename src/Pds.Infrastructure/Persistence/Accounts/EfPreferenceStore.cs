using Microsoft.EntityFrameworkCore;
using Pds.Application.Bsky.Actor;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

public sealed class EfPreferenceStore(PdsDatabase database) : IPreferenceStore
{
    private PdsDbContext Context => database.Context;

    public async Task<IReadOnlyList<StoredPreference>> GetAsync(string did, CancellationToken cancellationToken = default) =>
        await Context.AccountPreferences.AsNoTracking()
            .Where(p => p.Did == did)
            .OrderBy(p => p.Position)
            .Select(p => new StoredPreference(p.Type, p.ValueJson))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);

    public Task ReplaceAsync(string did, IReadOnlyList<StoredPreference> preferences, Func<string, bool> replaces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        ArgumentNullException.ThrowIfNull(replaces);
        return database.WriteAsync(
            async ct =>
            {
                var existing = await Context.AccountPreferences.Where(p => p.Did == did).OrderBy(p => p.Position).ToListAsync(ct).ConfigureAwait(false);
                var kept = existing.Where(p => !replaces(p.Type)).Select(p => new StoredPreference(p.Type, p.ValueJson)).ToList();
                Context.AccountPreferences.RemoveRange(existing);
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                var position = 0;
                foreach (var preference in kept.Concat(preferences))
                {
                    Context.AccountPreferences.Add(new AccountPreferenceRow { Did = did, Position = position++, Type = preference.Type, ValueJson = preference.Json });
                }

                return true;
            },
            cancellationToken);
    }
}
