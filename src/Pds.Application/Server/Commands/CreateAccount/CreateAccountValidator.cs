using FluentValidation;
using Pds.Application.Accounts;
using Pds.Domain.Auth;

namespace Pds.Application.Server.Commands.CreateAccount;

public sealed class CreateAccountValidator : AbstractValidator<CreateAccountCommand>
{
    public CreateAccountValidator()
    {
        RuleFor(x => x.Handle).NotEmpty();
        RuleFor(x => x.Email).NotEmpty().WithMessage("Email is required");
        RuleFor(x => x.Email)
            .Must(EmailAddress.IsSupported)
            .When(x => !string.IsNullOrEmpty(x.Email))
            .WithErrorCode("InvalidRequest")
            .WithMessage("This email address is not supported, please use a different email.");
        RuleFor(x => x.Password)
            .Must(p => p is null || p.Length <= PasswordHasher.NewPasswordMaxLength)
            .WithErrorCode("InvalidPassword")
            .WithMessage($"Password too long. Maximum length is {PasswordHasher.NewPasswordMaxLength} characters.");
        RuleFor(x => x.Password)
            .Must(p => p is null || p.Length > 0)
            .WithErrorCode("InvalidPassword")
            .WithMessage("Password must not be empty.");
    }
}
