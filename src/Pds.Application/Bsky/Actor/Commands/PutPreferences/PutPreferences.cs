using System.Text.Json;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Bsky.Actor.Commands.PutPreferences;

/// <summary>app.bsky.actor.putPreferences, stored by the PDS itself.</summary>
public sealed record PutPreferencesCommand(IReadOnlyList<JsonElement>? Preferences) : ICommand<Unit>;

public sealed class PutPreferencesValidator : AbstractValidator<PutPreferencesCommand>
{
    public const int MaxPreferences = 500;

    public PutPreferencesValidator()
    {
        RuleFor(x => x.Preferences).NotNull().WithMessage("Input must have the property \"preferences\"");
        RuleFor(x => x.Preferences!.Count).LessThanOrEqualTo(MaxPreferences).When(x => x.Preferences is not null)
            .WithMessage($"At most {MaxPreferences} preferences may be stored");
        RuleForEach(x => x.Preferences)
            .Cascade(CascadeMode.Stop)
            .Must(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("$type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0)
            .WithMessage("Preference is missing a $type")
            .Must(p => PreferenceRules.InNamespace(p.GetProperty("$type").GetString()!))
            .WithMessage("Some preferences are not in the app.bsky namespace");
    }
}

/// <summary>
/// Replaces the account's preferences with the given list. Sessions that may not see personal
/// details neither set nor lose them.
/// </summary>
public sealed class PutPreferencesHandler(IRequestContext request, IPreferenceStore store) : ICommandHandler<PutPreferencesCommand, Unit>
{
    public async ValueTask<Unit> Handle(PutPreferencesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var credentials = request.Credentials!;
        var preferences = command.Preferences!.Select(p => new StoredPreference(p.GetProperty("$type").GetString()!, p.GetRawText())).ToList();
        if (preferences.Any(p => !PreferenceRules.InScope(credentials, p.Type)))
        {
            throw XrpcException.InvalidRequest("Do not have authorization to set preferences.");
        }

        await store.ReplaceAsync(credentials.RequireDid(), preferences, type => PreferenceRules.InNamespace(type) && PreferenceRules.InScope(credentials, type), cancellationToken).ConfigureAwait(false);
        return Unit.Value;
    }
}
