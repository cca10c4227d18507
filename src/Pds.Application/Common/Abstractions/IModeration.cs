using System.Text.Json;

namespace Pds.Application.Common.Abstractions;

/// <summary>A moderation report as this server keeps it when no report service is configured.</summary>
/// <param name="Subject">The report's subject (a repoRef or strongRef) as JSON.</param>
public sealed record ModerationReport(long Id, string ReasonType, string? Reason, string Subject, string ReportedBy, DateTime CreatedAt);

/// <summary>Moderation reports stored locally, for the admin to read.</summary>
public interface IModerationReportStore
{
    /// <summary>Stores a report and returns it with its new id.</summary>
    Task<ModerationReport> CreateAsync(string reasonType, string? reason, string subject, string reportedBy, DateTime createdAt, CancellationToken cancellationToken = default);

    /// <summary>Reports newest first, with ids below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<ModerationReport>> ListAsync(long? beforeId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>The configured moderation (report) service, reached over XRPC.</summary>
public interface IReportService
{
    /// <summary>
    /// Sends com.atproto.moderation.createReport to the service with <paramref name="serviceJwt"/>
    /// as bearer token and returns its JSON answer. Throws <see cref="Errors.XrpcException"/>
    /// (<c>UpstreamFailure</c>, or the service's own XRPC error) when it refuses or fails.
    /// </summary>
    Task<JsonElement> CreateReportAsync(Uri serviceUrl, string serviceJwt, JsonElement input, CancellationToken cancellationToken = default);
}
