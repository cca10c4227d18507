namespace Pds.Application.Common.Abstractions;

/// <summary>Outgoing mail. Development mode writes messages to the log and the data directory.</summary>
public interface IMailer
{
    Task SendAsync(MailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A plain-text message (with an optional HTML alternative).</summary>
public sealed record MailMessage(string To, string Subject, string TextBody, string? HtmlBody = null);
