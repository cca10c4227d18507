using Mediator;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Server.Queries.ListAppPasswords;

/// <summary>com.atproto.server.listAppPasswords</summary>
public sealed record ListAppPasswordsQuery : IQuery<ListAppPasswordsOutput>;

public sealed record ListAppPasswordsOutput(IReadOnlyList<AppPasswordView> Passwords);

public sealed record AppPasswordView(string Name, string CreatedAt, bool? Privileged);

public sealed class ListAppPasswordsHandler(IRequestContext request, IAppPasswordStore store) : IQueryHandler<ListAppPasswordsQuery, ListAppPasswordsOutput>
{
    public async ValueTask<ListAppPasswordsOutput> Handle(ListAppPasswordsQuery query, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var passwords = await store.ListAsync(did, cancellationToken).ConfigureAwait(false);
        return new ListAppPasswordsOutput(passwords.Select(p => new AppPasswordView(p.Name, Formats.Datetime(p.CreatedAt), p.Privileged)).ToList());
    }
}
