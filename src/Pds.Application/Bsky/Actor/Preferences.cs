using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;

namespace Pds.Application.Bsky.Actor;

/// <summary>
/// An account's app preferences (<c>app.bsky.actor.getPreferences</c> / <c>putPreferences</c>),
/// kept on the PDS rather than in the public repository, in the order they were written.
/// </summary>
public interface IPreferenceStore
{
    /// <summary>Each preference's <c>$type</c> and JSON, in order.</summary>
    Task<IReadOnlyList<StoredPreference>> GetAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the account's preferences whose type <paramref name="replaces"/> accepts with
    /// <paramref name="preferences"/>, in one transaction; others are kept.
    /// </summary>
    Task ReplaceAsync(string did, IReadOnlyList<StoredPreference> preferences, Func<string, bool> replaces, CancellationToken cancellationToken = default);
}

public sealed record StoredPreference(string Type, string Json);

/// <summary>Which preferences a session may see and change, as the reference PDS rules them.</summary>
public static class PreferenceRules
{
    public const string Namespace = "app.bsky";

    /// <summary>Personal details (birth date) are for full sessions only: app passwords and OAuth never see them.</summary>
    public const string PersonalDetails = "app.bsky.actor.defs#personalDetailsPref";

    public static bool InNamespace(string type) =>
        type == Namespace || type.StartsWith(Namespace + ".", StringComparison.Ordinal);

    public static bool InScope(AuthCredentials credentials, string type) =>
        type != PersonalDetails || credentials is { IsOAuth: false, Scope: AuthScope.Access };

    /// <summary>The preferences' JSON array as it is returned.</summary>
    public static IReadOnlyList<JsonElement> ToJson(IEnumerable<StoredPreference> preferences) =>
        preferences.Select(p => JsonDocument.Parse(p.Json).RootElement.Clone()).ToList();
}
