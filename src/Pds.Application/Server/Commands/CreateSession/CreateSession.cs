using System.Text.Json;
using FluentValidation;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Common.RateLimits;
using Pds.Domain.Auth;

namespace Pds.Application.Server.Commands.CreateSession;

/// <summary>com.atproto.server.createSession</summary>
public sealed record CreateSessionCommand(
    string Identifier,
    string Password,
    string? AuthFactorToken = null,
    bool? AllowTakendown = null) : ICommand<SessionOutput>, IRateLimited
{
    public IEnumerable<RateLimitCharge> RateLimitCharges(Pds.Application.Common.Abstractions.IRequestContext request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = $"{Identifier?.ToLowerInvariant()}-{request.ClientIp}";
        return [new(RateLimitPolicies.CreateSession5Min, key), new(RateLimitPolicies.CreateSessionDay, key)];
    }
}

/// <summary>The output of createSession and refreshSession.</summary>
public sealed record SessionOutput(
    string AccessJwt,
    string RefreshJwt,
    string Handle,
    string Did,
    JsonElement? DidDoc,
    string? Email,
    bool? EmailConfirmed,
    bool? EmailAuthFactor,
    bool? Active,
    string? Status);

public sealed class CreateSessionValidator : AbstractValidator<CreateSessionCommand>
{
    public CreateSessionValidator()
    {
        RuleFor(x => x.Identifier).NotEmpty();
        RuleFor(x => x.Password).NotEmpty();
        RuleFor(x => x.Password).MaximumLength(PasswordHasher.OldPasswordMaxLength);
    }
}

/// <summary>
/// Logs in by handle, email or DID with the account password or an app password. Unknown
/// identifiers cost the same password hashing as known ones, so timing does not reveal accounts.
/// </summary>
public sealed class CreateSessionHandler(
    IAccountStore accounts,
    IAppPasswordStore appPasswords,
    SessionIssuer sessions,
    SessionViews views) : ICommandHandler<CreateSessionCommand, SessionOutput>
{
    // A well-formed stored value no password matches: verifying against it takes as long as a real check.
    private static readonly string DecoyHash = PasswordHasher.NewDecoy();

    public async ValueTask<SessionOutput> Handle(CreateSessionCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var identifier = command.Identifier.Trim();
        var account = identifier.Contains('@', StringComparison.Ordinal)
            ? await accounts.GetByEmailAsync(identifier, cancellationToken).ConfigureAwait(false)
            : identifier.StartsWith("did:", StringComparison.Ordinal)
                ? await accounts.GetByDidAsync(identifier, cancellationToken).ConfigureAwait(false)
                : await accounts.GetByHandleAsync(identifier.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);

        if (account is null)
        {
            await PasswordHasher.VerifyAsync(command.Password, DecoyHash, cancellationToken).ConfigureAwait(false);
            throw InvalidCredentials();
        }

        AppPasswordInfo? appPassword = null;
        var hash = await accounts.GetPasswordHashAsync(account.Did, cancellationToken).ConfigureAwait(false);
        if (!await PasswordHasher.VerifyAsync(command.Password, hash ?? DecoyHash, cancellationToken).ConfigureAwait(false) || hash is null)
        {
            appPassword = await FindAppPasswordAsync(account.Did, command.Password, cancellationToken).ConfigureAwait(false)
                ?? throw InvalidCredentials();
        }

        var scope = SessionIssuer.ScopeFor(appPassword);
        if (account.IsTakendown)
        {
            if (command.AllowTakendown != true)
            {
                throw new XrpcException(401, "AccountTakedown", "Account has been taken down");
            }

            scope = AuthScope.Takendown;
        }

        var tokens = await sessions.IssueAsync(account.Did, scope, appPassword?.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        var (active, status) = AccountStatusView.Of(account);
        return new SessionOutput(
            tokens.AccessJwt,
            tokens.RefreshJwt,
            SessionViews.HandleOf(account),
            account.Did,
            await views.DidDocForSessionAsync(account.Did, cancellationToken).ConfigureAwait(false),
            account.Email,
            account.EmailConfirmedAt is not null,
            false,
            active,
            status);
    }

    private async Task<AppPasswordInfo?> FindAppPasswordAsync(string did, string password, CancellationToken cancellationToken)
    {
        if (!AppPasswords.IsFormatted(password))
        {
            return null;
        }

        var candidates = await appPasswords.ListWithHashesAsync(did, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            return null;
        }

        // The app password hash is salted by the DID, so one derivation serves every candidate.
        var presented = await AppPasswords.HashAsync(did, password, cancellationToken).ConfigureAwait(false);
        AppPasswordInfo? match = null;
        foreach (var (info, stored) in candidates)
        {
            if (ConstantTime.SecretEquals(presented, stored))
            {
                match = info;
            }
        }

        return match;
    }

    private static XrpcException InvalidCredentials() =>
        new(401, XrpcErrorNames.AuthenticationRequired, "Invalid identifier or password");
}
