using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Pds.Application.Admin;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;
using Pds.Domain.Auth;

namespace Pds.Application.Moderation.Commands.CreateReport;

/// <summary>com.atproto.moderation.createReport</summary>
public sealed record CreateReportCommand(string ReasonType, JsonElement Subject, string? Reason = null, JsonElement? ModTool = null)
    : ICommand<JsonElement>;

public sealed class CreateReportValidator : AbstractValidator<CreateReportCommand>
{
    public CreateReportValidator()
    {
        RuleFor(x => x.ReasonType).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Reason).MaximumLength(20_000);
    }
}

/// <summary>
/// Forwards the report to the configured moderation service (<c>PDS_REPORT_SERVICE_URL</c> and
/// <c>PDS_REPORT_SERVICE_DID</c>) with a service-auth token signed by the reporter's repository key
/// (iss: the reporter, aud: the service's DID, lxm: this method) and answers with the service's
/// answer. OAuth tokens need <c>rpc:com.atproto.moderation.createReport</c> for that service (or
/// this server's DID when reports are kept here). With no service configured the report is kept here, where the admin lists it
/// (<see cref="Admin.Queries.ListReports.ListReportsQuery"/>).
/// </summary>
public sealed class CreateReportHandler(
    IRequestContext request,
    PdsOptions options,
    IRepoKeyStore keys,
    IReportService reportService,
    IModerationReportStore reports,
    TimeProvider clock) : ICommandHandler<CreateReportCommand, JsonElement>
{
    public const string Nsid = "com.atproto.moderation.createReport";

    public async ValueTask<JsonElement> Handle(CreateReportCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var credentials = request.Credentials!;
        var did = credentials.RequireDid();
        AdminSubject.Parse(command.Subject, allowBlob: false);

        // OAuth tokens need the rpc permission for the service the report goes to (this server when kept here).
        var audience = options.Service.ReportServiceUrl is not null && options.Service.ReportServiceDid is { } reportDid ? reportDid : options.Service.Did;
        if (credentials.IsOAuth && !credentials.Permissions.AllowsRpc(audience, Nsid))
        {
            throw AuthCredentials.MissingScope(Domain.OAuth.ScopePermissions.RpcScope(audience, Nsid));
        }

        var input = new ReportInput(command.ReasonType, command.Reason, command.Subject, command.ModTool);

        if (options.Service.ReportServiceUrl is { } url && options.Service.ReportServiceDid is { } serviceDid)
        {
            using var key = await keys.GetAsync(did, cancellationToken).ConfigureAwait(false)
                ?? throw XrpcException.InvalidRequest("The account has no signing key");
            var token = ServiceAuthJwt.Create(key, did, serviceDid, Nsid, null, clock);
            return await reportService.CreateReportAsync(url, token, JsonSerializer.SerializeToElement(input, ReportJson.Options), cancellationToken).ConfigureAwait(false);
        }

        var stored = await reports.CreateAsync(
            command.ReasonType,
            command.Reason,
            command.Subject.GetRawText(),
            did,
            clock.GetUtcNow().UtcDateTime,
            cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToElement(ReportView.From(stored), ReportJson.Options);
    }

    private sealed record ReportInput(string ReasonType, string? Reason, JsonElement Subject, JsonElement? ModTool);
}

/// <summary>A report in the shape createReport answers with.</summary>
public sealed record ReportView(long Id, string ReasonType, string? Reason, JsonElement Subject, string ReportedBy, string CreatedAt)
{
    public static ReportView From(ModerationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var subject = JsonDocument.Parse(report.Subject);
        return new ReportView(report.Id, report.ReasonType, report.Reason, subject.RootElement.Clone(), report.ReportedBy, Server.Formats.Datetime(report.CreatedAt));
    }
}

internal static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
