using System.Text.Json;
using Mediator;
using Pds.Application.Accounts;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Identity;

namespace Pds.Application.Identity.Queries.GetRecommendedDidCredentials;

/// <summary>com.atproto.identity.getRecommendedDidCredentials: what the DID document should say for this server to host the account.</summary>
public sealed record GetRecommendedDidCredentialsQuery : IQuery<GetRecommendedDidCredentialsOutput>;

public sealed record GetRecommendedDidCredentialsOutput(
    IReadOnlyList<string>? RotationKeys,
    IReadOnlyList<string> AlsoKnownAs,
    JsonElement VerificationMethods,
    JsonElement Services);

public sealed class GetRecommendedDidCredentialsHandler(
    IRequestContext request,
    IAccountStore accounts,
    IRepoKeyStore keys,
    ServiceKeys serviceKeys,
    PdsOptions options) : IQueryHandler<GetRecommendedDidCredentialsQuery, GetRecommendedDidCredentialsOutput>
{
    public async ValueTask<GetRecommendedDidCredentialsOutput> Handle(GetRecommendedDidCredentialsQuery query, CancellationToken cancellationToken)
    {
        var did = request.Credentials!.RequireDid();
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("Account not found");
        using var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false)
            ?? throw XrpcException.InvalidRequest("The account has no signing key");
        var methods = JsonSerializer.SerializeToElement(new Dictionary<string, string> { [PlcOperation.AtprotoVerificationMethod] = key.DidKey() });
        var services = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            [PlcOperation.AtprotoPdsService] = new Dictionary<string, string>
            {
                ["type"] = PlcOperation.AtprotoPdsServiceType,
                ["endpoint"] = options.Service.PublicUrl.GetLeftPart(UriPartial.Authority),
            },
        });
        return new GetRecommendedDidCredentialsOutput(
            PlcDid.IsValid(did) ? [serviceKeys.PlcRotationKey.DidKey()] : null,
            account.Handle is null ? [] : ["at://" + account.Handle],
            methods,
            services);
    }
}
