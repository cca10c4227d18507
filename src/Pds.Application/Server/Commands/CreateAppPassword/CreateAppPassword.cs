using FluentValidation;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Auth;

namespace Pds.Application.Server.Commands.CreateAppPassword;

/// <summary>com.atproto.server.createAppPassword</summary>
public sealed record CreateAppPasswordCommand(string Name, bool? Privileged = null) : ICommand<CreateAppPasswordOutput>;

public sealed record CreateAppPasswordOutput(string Name, string Password, string CreatedAt, bool? Privileged);

public sealed class CreateAppPasswordValidator : AbstractValidator<CreateAppPasswordCommand>
{
    public CreateAppPasswordValidator()
    {
        RuleFor(x => x.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("must not be empty");
        RuleFor(x => x.Name).MaximumLength(100);
    }
}

/// <summary>Creates an app password (<c>xxxx-xxxx-xxxx-xxxx</c>); the password is shown once and only its hash is kept.</summary>
public sealed class CreateAppPasswordHandler(IRequestContext request, IAppPasswordStore store, TimeProvider clock)
    : ICommandHandler<CreateAppPasswordCommand, CreateAppPasswordOutput>
{
    public async ValueTask<CreateAppPasswordOutput> Handle(CreateAppPasswordCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        var name = command.Name.Trim();
        var password = AppPasswords.Generate();
        var createdAt = clock.GetUtcNow().UtcDateTime;
        var privileged = command.Privileged ?? false;
        var hash = await AppPasswords.HashAsync(did, password, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.CreateAsync(did, new AppPasswordInfo(name, createdAt, privileged), hash, cancellationToken).ConfigureAwait(false);
        }
        catch (AccountConflictException)
        {
            throw XrpcException.InvalidRequest("could not create app-specific password");
        }

        return new CreateAppPasswordOutput(name, password, Formats.Datetime(createdAt), privileged);
    }
}
