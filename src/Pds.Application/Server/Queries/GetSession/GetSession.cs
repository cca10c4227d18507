using System.Text.Json;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Server.Queries.GetSession;

/// <summary>com.atproto.server.getSession</summary>
public sealed record GetSessionQuery : IQuery<GetSessionOutput>;

public sealed record GetSessionOutput(
    string Handle,
    string Did,
    JsonElement? DidDoc,
    string? Email,
    bool? EmailConfirmed,
    bool? EmailAuthFactor,
    bool? Active,
    string? Status);

public sealed class GetSessionHandler(IRequestContext request, IAccountStore accounts, SessionViews views) : IQueryHandler<GetSessionQuery, GetSessionOutput>
{
    public async ValueTask<GetSessionOutput> Handle(GetSessionQuery query, CancellationToken cancellationToken)
    {
        var credentials = request.Credentials ?? throw new InvalidOperationException("getSession requires credentials.");
        var did = credentials.RequireDid();
        // OAuth clients see the email only with transition:email or account:email.
        var showEmail = !credentials.IsOAuth || credentials.Permissions.AllowsAccount("email", manage: false);
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest($"Could not find user info for account: {did}");
        var (active, status) = AccountStatusView.Of(account);
        return new GetSessionOutput(
            SessionViews.HandleOf(account),
            did,
            await views.DidDocForSessionAsync(did, cancellationToken).ConfigureAwait(false),
            showEmail ? account.Email : null,
            showEmail ? account.EmailConfirmedAt is not null : null,
            false,
            active,
            status);
    }
}
