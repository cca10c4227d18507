using System.Security.Cryptography;
using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;

namespace Pds.Application.Server.Lifecycle;

/// <summary>Invite codes in the reference PDS's shape: <c>&lt;hostname with dashes&gt;-xxxxx-xxxxx</c>.</summary>
public sealed class InviteCodeFactory(PdsOptions options)
{
    public string NewCode()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var token = Base32.Encode(random);
        return $"{options.Service.Hostname.Replace('.', '-')}-{token[..5]}-{token[5..10]}";
    }
}

public sealed record InviteCodeView(string Code, int Available, bool Disabled, string ForAccount, string CreatedBy, string CreatedAt, IReadOnlyList<InviteCodeUseView> Uses)
{
    public static InviteCodeView From(InviteCodeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new InviteCodeView(
            info.Code,
            Math.Max(0, info.AvailableUses - info.Uses.Count),
            info.Disabled,
            info.ForAccount,
            info.CreatedBy,
            Formats.Datetime(info.CreatedAt),
            info.Uses.Select(u => new InviteCodeUseView(u.UsedBy, Formats.Datetime(u.UsedAt))).ToList());
    }
}

public sealed record InviteCodeUseView(string UsedBy, string UsedAt);

/// <summary>com.atproto.server.createInviteCode (admin)</summary>
public sealed record CreateInviteCodeCommand(int UseCount, string? ForAccount = null) : ICommand<CreateInviteCodeOutput>;

public sealed record CreateInviteCodeOutput(string Code);

public sealed class CreateInviteCodeValidator : AbstractValidator<CreateInviteCodeCommand>
{
    public CreateInviteCodeValidator() => RuleFor(x => x.UseCount).InclusiveBetween(1, 100_000);
}

public sealed class CreateInviteCodeHandler(IInviteCodeStore store, InviteCodeFactory codes, TimeProvider clock) : ICommandHandler<CreateInviteCodeCommand, CreateInviteCodeOutput>
{
    public async ValueTask<CreateInviteCodeOutput> Handle(CreateInviteCodeCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var code = codes.NewCode();
        await store.CreateAsync([new InviteCodeInfo(code, command.UseCount, false, command.ForAccount ?? "admin", "admin", clock.GetUtcNow().UtcDateTime, [])], cancellationToken).ConfigureAwait(false);
        return new CreateInviteCodeOutput(code);
    }
}

/// <summary>com.atproto.server.createInviteCodes (admin)</summary>
public sealed record CreateInviteCodesCommand(int UseCount, int? CodeCount = null, IReadOnlyList<string>? ForAccounts = null) : ICommand<CreateInviteCodesOutput>;

public sealed record CreateInviteCodesOutput(IReadOnlyList<AccountCodes> Codes);

public sealed record AccountCodes(string Account, IReadOnlyList<string> Codes);

public sealed class CreateInviteCodesValidator : AbstractValidator<CreateInviteCodesCommand>
{
    public CreateInviteCodesValidator()
    {
        RuleFor(x => x.UseCount).InclusiveBetween(1, 100_000);
        RuleFor(x => x.CodeCount).InclusiveBetween(1, 1000).When(x => x.CodeCount is not null);
    }
}

public sealed class CreateInviteCodesHandler(IInviteCodeStore store, InviteCodeFactory codes, TimeProvider clock) : ICommandHandler<CreateInviteCodesCommand, CreateInviteCodesOutput>
{
    public async ValueTask<CreateInviteCodesOutput> Handle(CreateInviteCodesCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var accounts = command.ForAccounts is { Count: > 0 } list ? list : ["admin"];
        var now = clock.GetUtcNow().UtcDateTime;
        var result = new List<AccountCodes>();
        var rows = new List<InviteCodeInfo>();
        foreach (var account in accounts)
        {
            var made = Enumerable.Range(0, command.CodeCount ?? 1).Select(_ => codes.NewCode()).ToList();
            rows.AddRange(made.Select(c => new InviteCodeInfo(c, command.UseCount, false, account, "admin", now, [])));
            result.Add(new AccountCodes(account, made));
        }

        await store.CreateAsync(rows, cancellationToken).ConfigureAwait(false);
        return new CreateInviteCodesOutput(result);
    }
}

/// <summary>com.atproto.server.getAccountInviteCodes</summary>
public sealed record GetAccountInviteCodesQuery(bool? IncludeUsed = null, bool? CreateAvailable = null) : IQuery<GetAccountInviteCodesOutput>;

public sealed record GetAccountInviteCodesOutput(IReadOnlyList<InviteCodeView> Codes);

/// <summary>The account's own codes. This server hands out codes through the admin; none are minted on request.</summary>
public sealed class GetAccountInviteCodesHandler(IRequestContext request, IAccountStore accounts, IInviteCodeStore store) : IQueryHandler<GetAccountInviteCodesQuery, GetAccountInviteCodesOutput>
{
    public async ValueTask<GetAccountInviteCodesOutput> Handle(GetAccountInviteCodesQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false);
        if (account is { InvitesDisabled: true })
        {
            throw Common.Errors.XrpcException.InvalidRequest("Account invites are disabled");
        }

        var codes = await store.ListForAccountAsync(did, cancellationToken).ConfigureAwait(false);
        var views = codes.Select(InviteCodeView.From);
        if (query.IncludeUsed == false)
        {
            views = views.Where(v => v.Available > 0);
        }

        return new GetAccountInviteCodesOutput(views.ToList());
    }
}
