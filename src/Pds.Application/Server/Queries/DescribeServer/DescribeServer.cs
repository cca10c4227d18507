using Mediator;
using Pds.Application.Common.Configuration;

namespace Pds.Application.Server.Queries.DescribeServer;

/// <summary>com.atproto.server.describeServer: account creation requirements and capabilities.</summary>
public sealed record DescribeServerQuery : IQuery<DescribeServerOutput>;

public sealed record DescribeServerOutput(
    string Did,
    IReadOnlyList<string> AvailableUserDomains,
    bool? InviteCodeRequired,
    bool? PhoneVerificationRequired,
    long? BlobUploadLimit,
    DescribeServerLinks Links,
    DescribeServerContact Contact);

public sealed record DescribeServerLinks(string? PrivacyPolicy, string? TermsOfService);

public sealed record DescribeServerContact(string? Email);

public sealed class DescribeServerHandler : IQueryHandler<DescribeServerQuery, DescribeServerOutput>
{
    private readonly DescribeServerOutput _output;

    public DescribeServerHandler(PdsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = options.Service;
        // The answer depends only on configuration, so it is built once per handler instance.
        _output = new DescribeServerOutput(
            Did: service.Did,
            AvailableUserDomains: options.Identity.ServiceHandleDomains,
            InviteCodeRequired: service.InviteRequired,
            PhoneVerificationRequired: false,
            BlobUploadLimit: options.Blobstore.UploadLimit,
            Links: new DescribeServerLinks(service.PrivacyPolicyUrl?.ToString(), service.TermsOfServiceUrl?.ToString()),
            Contact: new DescribeServerContact(service.ContactEmailAddress));
    }

    public ValueTask<DescribeServerOutput> Handle(DescribeServerQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_output);
}
