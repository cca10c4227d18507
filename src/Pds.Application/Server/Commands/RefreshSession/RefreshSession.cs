using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Application.Server.Commands.CreateSession;
using Pds.Domain.Auth;
using Pds.Domain.Syntax;

namespace Pds.Application.Server.Commands.RefreshSession;

/// <summary>com.atproto.server.refreshSession (authenticated by the refresh token).</summary>
public sealed record RefreshSessionCommand : ICommand<SessionOutput>;

/// <summary>
/// Rotates a refresh token. The presented token stays usable for a grace window (two hours, or its
/// own expiry if sooner) and always yields the same successor, so a client that lost a response can
/// retry. Presenting a rotated token after that window is treated as theft: the token and every
/// successor issued from it are revoked, ending the session for whoever holds it.
/// </summary>
public sealed class RefreshSessionHandler(
    IRequestContext request,
    IAccountStore accounts,
    IRefreshTokenStore refreshTokens,
    IAppPasswordStore appPasswords,
    IUnitOfWork unitOfWork,
    SessionTokens tokens,
    SessionViews views,
    TimeProvider clock) : ICommandHandler<RefreshSessionCommand, SessionOutput>
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromHours(2);

    public async ValueTask<SessionOutput> Handle(RefreshSessionCommand command, CancellationToken cancellationToken)
    {
        var credentials = request.Credentials ?? throw new InvalidOperationException("refreshSession requires refresh credentials.");
        var did = credentials.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest($"Could not find user info for account: {did}");
        if (account.IsTakendown)
        {
            throw new XrpcException(401, "AccountTakedown", "Account has been taken down");
        }

        var (accessJwt, refreshJwt) = await RotateAsync(credentials.TokenId!, did, cancellationToken).ConfigureAwait(false);
        var (active, status) = AccountStatusView.Of(account);
        return new SessionOutput(
            accessJwt,
            refreshJwt,
            SessionViews.HandleOf(account),
            did,
            await views.DidDocForSessionAsync(did, cancellationToken).ConfigureAwait(false),
            account.Email,
            account.EmailConfirmedAt is not null,
            null,
            active,
            status);
    }

    private async Task<(string Access, string Refresh)> RotateAsync(string id, string did, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await refreshTokens.DeleteExpiredAsync(did, now, cancellationToken).ConfigureAwait(false);

        // Concurrent refreshes of one token (two tabs, a retried request) take turns, so the second
        // finds the rotation the first made and hands out the same successor.
        // A refused refresh returns null rather than throwing, so that a revocation it made commits.
        var rotated = await unitOfWork.WriteAsync(
            async ct =>
            {
                await unitOfWork.LockAsync("refresh|" + id, ct).ConfigureAwait(false);
                return await RotateLockedAsync(id, did, now, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return rotated ?? throw Revoked();
    }

    private async Task<(string Access, string Refresh)?> RotateLockedAsync(string id, string did, DateTime now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var token = await refreshTokens.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (token is null || token.Did != did)
            {
                return null;
            }

            if (token.ExpiresAt <= now)
            {
                if (token.NextId is not null)
                {
                    await RevokeFamilyAsync(token, cancellationToken).ConfigureAwait(false);
                }

                return null;
            }

            var scope = AuthScope.Access;
            if (token.AppPasswordName is { } name)
            {
                var appPassword = (await appPasswords.ListAsync(did, cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => p.Name == name);
                if (appPassword is null)
                {
                    return null;
                }

                scope = SessionIssuer.ScopeFor(appPassword);
            }

            var graceEnd = now + GracePeriod;
            var nextId = token.NextId ?? SessionTokens.NewRefreshTokenId();
            if (token.NextId is null
                && !await refreshTokens.MarkRotatedAsync(id, nextId, graceEnd < token.ExpiresAt ? graceEnd : token.ExpiresAt, cancellationToken).ConfigureAwait(false))
            {
                // A concurrent refresh rotated it first; reread to hand out the same successor.
                continue;
            }

            var subject = Did.Parse(did);
            var access = tokens.CreateAccessToken(subject, scope);
            var refresh = tokens.CreateRefreshToken(subject, nextId);
            await refreshTokens.StoreAsync(
                new RefreshTokenInfo(nextId, did, token.AppPasswordName, refresh.Claims.ExpiresAt.UtcDateTime, null),
                cancellationToken).ConfigureAwait(false);
            return (access.Jwt, refresh.Jwt);
        }

        return null;
    }

    private async Task RevokeFamilyAsync(RefreshTokenInfo token, CancellationToken cancellationToken)
    {
        var current = token;
        for (var depth = 0; current is not null && depth < 10_000; depth++)
        {
            await refreshTokens.RevokeAsync(current.Id, cancellationToken).ConfigureAwait(false);
            current = current.NextId is { } next ? await refreshTokens.GetAsync(next, cancellationToken).ConfigureAwait(false) : null;
        }
    }

    private static XrpcException Revoked() => new(400, XrpcErrorNames.ExpiredToken, "Token has been revoked");
}
