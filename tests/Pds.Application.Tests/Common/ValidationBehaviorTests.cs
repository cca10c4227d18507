using FluentValidation;
using Mediator;
using Pds.Application.Common.Behaviors;
using Pds.Application.Common.Errors;

namespace Pds.Application.Tests.Common;

public sealed class ValidationBehaviorTests
{
    [Fact]
    public async Task Handle_InvalidMessage_ThrowsInvalidRequestNamingFieldInCamelCase()
    {
        var behavior = new ValidationBehavior<SampleCommand, string>([new SampleValidator()]);
        var called = false;

        var error = await Assert.ThrowsAsync<XrpcException>(async () => await behavior.Handle(
            new SampleCommand("", 3),
            (_, _) => { called = true; return ValueTask.FromResult("ok"); },
            CancellationToken.None));

        Assert.False(called);
        Assert.Equal(400, error.Status);
        Assert.Equal("InvalidRequest", error.Error);
        Assert.StartsWith("repoName: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_RuleWithLexiconErrorCode_ThrowsThatErrorName()
    {
        var behavior = new ValidationBehavior<SampleCommand, string>([new SampleValidator()]);

        var error = await Assert.ThrowsAsync<XrpcException>(async () => await behavior.Handle(
            new SampleCommand("repo", 500),
            (_, _) => ValueTask.FromResult("ok"),
            CancellationToken.None));

        Assert.Equal(400, error.Status);
        Assert.Equal("LimitTooHigh", error.Error);
        Assert.Equal("Limit too high", error.Message);
    }

    [Fact]
    public async Task Handle_ValidMessage_CallsNext()
    {
        var behavior = new ValidationBehavior<SampleCommand, string>([new SampleValidator()]);
        var result = await behavior.Handle(new SampleCommand("repo", 3), (m, _) => ValueTask.FromResult(m.RepoName), CancellationToken.None);
        Assert.Equal("repo", result);
    }

    [Fact]
    public async Task Handle_NoValidators_CallsNext()
    {
        var behavior = new ValidationBehavior<SampleCommand, string>([]);
        var result = await behavior.Handle(new SampleCommand("", -1), (_, _) => ValueTask.FromResult("ok"), CancellationToken.None);
        Assert.Equal("ok", result);
    }

    public sealed record SampleCommand(string RepoName, int Limit) : ICommand<string>;

    private sealed class SampleValidator : AbstractValidator<SampleCommand>
    {
        public SampleValidator()
        {
            RuleFor(x => x.RepoName).NotEmpty();
            RuleFor(x => x.Limit).GreaterThan(0);
            RuleFor(x => x.Limit).LessThanOrEqualTo(100).WithErrorCode("LimitTooHigh").WithMessage("Limit too high");
        }
    }
}
