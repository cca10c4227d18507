using System.Text.Json;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Identity;

namespace Pds.Application.Identity.Commands.SignPlcOperation;

/// <summary>com.atproto.identity.signPlcOperation</summary>
public sealed record SignPlcOperationCommand(
    string? Token = null,
    IReadOnlyList<string>? RotationKeys = null,
    IReadOnlyList<string>? AlsoKnownAs = null,
    JsonElement? VerificationMethods = null,
    JsonElement? Services = null) : ICommand<SignPlcOperationOutput>;

public sealed record SignPlcOperationOutput(JsonElement Operation);

/// <summary>
/// Signs, with this server's rotation key, an update of the account's did:plc built from its latest
/// operation and the requested changes; the emailed token proves the account holder asked for it.
/// The operation is returned, not submitted (a migration submits it at the new server).
/// </summary>
public sealed class SignPlcOperationHandler(IRequestContext request, IEmailTokenStore tokens, PlcIdentity plc, ServiceKeys serviceKeys)
    : ICommandHandler<SignPlcOperationCommand, SignPlcOperationOutput>
{
    public async ValueTask<SignPlcOperationOutput> Handle(SignPlcOperationCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var did = request.Credentials!.RequireDid();
        if (!PlcDid.IsValid(did))
        {
            throw XrpcException.InvalidRequest("Only did:plc identities have PLC operations");
        }

        if (string.IsNullOrEmpty(command.Token))
        {
            throw XrpcException.InvalidRequest("email confirmation token required to sign PLC operations");
        }

        switch (await tokens.ConsumeAsync(did, EmailTokenPurpose.PlcOperation, command.Token, cancellationToken).ConfigureAwait(false))
        {
            case EmailTokenCheck.Expired:
                throw new XrpcException(400, "ExpiredToken", "Token is expired");
            case EmailTokenCheck.Invalid:
                throw new XrpcException(400, "InvalidToken", "Token is invalid");
        }

        var last = await plc.LastOperationAsync(did, cancellationToken).ConfigureAwait(false);
        if (last.Normalize() is null)
        {
            throw XrpcException.InvalidRequest("Did is tombstoned");
        }

        var changes = new PlcOperationChanges
        {
            RotationKeys = command.RotationKeys,
            AlsoKnownAs = command.AlsoKnownAs,
            VerificationMethods = command.VerificationMethods is { } methods ? ReadStringMap(methods, "verificationMethods") : null,
            Services = command.Services is { } services ? ReadServices(services) : null,
        };
        PlcOperation update;
        try
        {
            update = PlcOperation.CreateUpdate(last, changes).Sign(serviceKeys.PlcRotationKey);
        }
        catch (PlcValidationException e)
        {
            throw XrpcException.InvalidRequest($"Invalid operation: {e.Message}");
        }

        using var parsed = JsonDocument.Parse(update.ToJson());
        return new SignPlcOperationOutput(parsed.RootElement.Clone());
    }

    private static Dictionary<string, string> ReadStringMap(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw XrpcException.InvalidRequest($"{name} must be an object");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw XrpcException.InvalidRequest($"{name}.{property.Name} must be a string");
        }

        return map;
    }

    private static Dictionary<string, PlcService> ReadServices(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw XrpcException.InvalidRequest("services must be an object");
        }

        var map = new Dictionary<string, PlcService>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("endpoint", out var endpoint) || endpoint.ValueKind != JsonValueKind.String)
            {
                throw XrpcException.InvalidRequest($"services.{property.Name} must have string type and endpoint");
            }

            map[property.Name] = new PlcService(type.GetString()!, endpoint.GetString()!);
        }

        return map;
    }
}
