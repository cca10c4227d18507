namespace Pds.Application.Common.Abstractions;

/// <summary>
/// Outgoing mail: over SMTP when <c>PDS_EMAIL_SMTP_URL</c> is set, otherwise (development mode)
/// written to the log and the data directory.
/// </summary>
public interface IMailer
{
    /// <summary>Delivers the message to the mail server, or throws <see cref="MailDeliveryException"/>.</summary>
    Task SendAsync(MailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A plain-text message (with an optional HTML alternative).</summary>
public sealed record MailMessage(string To, string Subject, string TextBody, string? HtmlBody = null);

/// <summary>
/// The mail server could not be reached or refused the message. Use cases let it propagate, as the
/// reference PDS does: the request fails with a 500 and the cause is logged.
/// </summary>
public sealed class MailDeliveryException : Exception
{
    public MailDeliveryException()
    {
    }

    public MailDeliveryException(string message)
        : base(message)
    {
    }

    public MailDeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
