using System.Text.Json;
using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Bsky.Actor.Queries.GetPreferences;

/// <summary>app.bsky.actor.getPreferences, answered by the PDS itself.</summary>
public sealed record GetPreferencesQuery : IQuery<GetPreferencesOutput>;

public sealed record GetPreferencesOutput(IReadOnlyList<JsonElement> Preferences);

public sealed class GetPreferencesHandler(IRequestContext request, IPreferenceStore store) : IQueryHandler<GetPreferencesQuery, GetPreferencesOutput>
{
    public async ValueTask<GetPreferencesOutput> Handle(GetPreferencesQuery query, CancellationToken cancellationToken)
    {
        var credentials = request.Credentials!;
        var stored = await store.GetAsync(credentials.RequireDid(), cancellationToken).ConfigureAwait(false);
        return new GetPreferencesOutput(PreferenceRules.ToJson(stored.Where(p => PreferenceRules.InNamespace(p.Type) && PreferenceRules.InScope(credentials, p.Type))));
    }
}
