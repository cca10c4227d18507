using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Syntax;

namespace Pds.Application.Accounts;

/// <summary>
/// Which handles an account may take here: valid syntax and an allowed TLD; under one of the
/// service domains a single label of 3 to 18 characters that is not reserved; any other domain
/// only for an existing DID and only if the handle already resolves to it.
/// </summary>
public sealed class HandlePolicy(PdsOptions options, IHandleResolver resolver)
{
    // Names that would impersonate the service or its staff.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "about", "abuse", "account", "accounts", "admin", "administrator", "api", "app", "apps", "atproto",
        "auth", "blog", "bsky", "bluesky", "dev", "did", "docs", "email", "feed", "feeds", "help", "info",
        "login", "mail", "mod", "moderation", "moderator", "news", "oauth", "official", "pds", "plc", "postmaster",
        "privacy", "relay", "root", "security", "service", "settings", "signup", "staff", "status", "support",
        "system", "team", "terms", "test", "webmaster", "www", "xrpc",
    };

    public bool IsServiceDomain(string handle) =>
        options.Identity.ServiceHandleDomains.Any(d => handle.EndsWith(d, StringComparison.Ordinal));

    /// <summary>Lower-cases and checks <paramref name="handle"/>; throws the lexicon's error when refused.</summary>
    /// <param name="did">The account's DID; null while creating a new account.</param>
    public async Task<string> NormalizeAndValidateAsync(string handle, string? did, CancellationToken cancellationToken)
    {
        var normalized = (handle ?? string.Empty).Trim().ToLowerInvariant();
        if (!Handle.TryParse(normalized, out var parsed))
        {
            throw new XrpcException(400, "InvalidHandle", "Handle was not a valid handle");
        }

        if (parsed.HasDisallowedTld)
        {
            throw new XrpcException(400, "InvalidHandle", "Handle TLD is invalid or disallowed");
        }

        if (IsServiceDomain(normalized))
        {
            var domain = options.Identity.ServiceHandleDomains.First(d => normalized.EndsWith(d, StringComparison.Ordinal));
            var front = normalized[..^domain.Length];
            if (front.Contains('.', StringComparison.Ordinal))
            {
                throw new XrpcException(400, "InvalidHandle", "Invalid characters in handle");
            }

            if (front.Length < 3)
            {
                throw new XrpcException(400, "InvalidHandle", "Handle too short");
            }

            if (front.Length > 18)
            {
                throw new XrpcException(400, "InvalidHandle", "Handle too long");
            }

            if (Reserved.Contains(front))
            {
                throw new XrpcException(400, "HandleNotAvailable", "Reserved handle");
            }

            return normalized;
        }

        if (did is null)
        {
            throw new XrpcException(400, "UnsupportedDomain", "Not a supported handle domain");
        }

        string? resolved;
        try
        {
            resolved = await resolver.ResolveAsync(normalized, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityResolutionException)
        {
            resolved = null;
        }

        if (!string.Equals(resolved, did, StringComparison.Ordinal))
        {
            throw new XrpcException(400, "InvalidHandle", "External handle did not resolve to DID");
        }

        return normalized;
    }
}
