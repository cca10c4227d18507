using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Admin.Commands.SendEmail;

/// <summary>com.atproto.admin.sendEmail</summary>
public sealed record SendEmailCommand(string RecipientDid, string Content, string SenderDid, string? Subject = null, string? Comment = null)
    : ICommand<SendEmailOutput>;

public sealed record SendEmailOutput(bool Sent);

public sealed class SendEmailValidator : AbstractValidator<SendEmailCommand>
{
    public SendEmailValidator()
    {
        RuleFor(x => x.RecipientDid).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("recipientDid must be a DID");
        RuleFor(x => x.SenderDid).Must(d => Domain.Syntax.Did.TryParse(d, out _)).WithMessage("senderDid must be a DID");
        RuleFor(x => x.Content).NotEmpty();
    }
}

/// <summary>Mails <c>content</c> to the account's address (any status). The comment is for moderators and is not sent.</summary>
public sealed class SendEmailHandler(IAccountStore accounts, IMailer mailer) : ICommandHandler<SendEmailCommand, SendEmailOutput>
{
    public const string DefaultSubject = "Message via your PDS";

    public async ValueTask<SendEmailOutput> Handle(SendEmailCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var account = await accounts.GetByDidAsync(command.RecipientDid, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Recipient not found");
        if (account.Email is null)
        {
            throw XrpcException.InvalidRequest("account does not have an email address");
        }

        var subject = string.IsNullOrWhiteSpace(command.Subject) ? DefaultSubject : command.Subject.ReplaceLineEndings(" ");
        await mailer.SendAsync(new MailMessage(account.Email, subject, command.Content), cancellationToken).ConfigureAwait(false);
        return new SendEmailOutput(true);
    }
}
