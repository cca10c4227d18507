using FluentValidation;
using Mediator;
using Pds.Application.Common.Errors;

namespace Pds.Application.Common.Behaviors;

/// <summary>
/// Runs every FluentValidation validator registered for the message before its handler; the first
/// failure becomes a 400 <c>InvalidRequest</c> naming the offending field, or the lexicon error
/// the rule names with <c>WithErrorCode</c>.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private readonly IValidator<TMessage>[] _validators;

    public ValidationBehavior(IEnumerable<IValidator<TMessage>> validators)
    {
        _validators = validators.ToArray();
    }

    public async ValueTask<TResponse> Handle(
        TMessage message,
        MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (_validators.Length != 0)
        {
            var context = new ValidationContext<TMessage>(message);
            foreach (var validator in _validators)
            {
                var result = await validator.ValidateAsync(context, cancellationToken).ConfigureAwait(false);
                if (!result.IsValid)
                {
                    var failure = result.Errors[0];

                    // A rule may name the lexicon's error (WithErrorCode("InvalidHandle")); built-in
                    // rules carry codes such as "NotEmptyValidator" and map to InvalidRequest.
                    if (failure.ErrorCode is { Length: > 0 } code && !code.EndsWith("Validator", StringComparison.Ordinal))
                    {
                        throw new XrpcException(400, code, failure.ErrorMessage);
                    }

                    throw XrpcException.InvalidRequest($"{CamelCase(failure.PropertyName)}: {failure.ErrorMessage}");
                }
            }
        }

        return await next(message, cancellationToken).ConfigureAwait(false);
    }

    // Lexicon field names are camelCase; the validators see the C# property names.
    private static string CamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
