using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Mail;

/// <summary>
/// The mailer used when no SMTP server is configured. In development mode each message is written
/// in full to <c>&lt;data&gt;/mail/</c> and to the log, so confirmation and reset tokens can be read
/// without a mail server. Outside development mode only the fact that a message could not be sent
/// is logged: message bodies carry one-time tokens and never reach a production log.
/// </summary>
public sealed partial class FileMailer(PdsOptions options, TimeProvider clock, ILogger<FileMailer> logger) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!options.Service.DevMode)
        {
            LogNotSent(logger, message.Subject);
            return;
        }

        var directory = Path.Combine(options.Service.DataDirectory, "mail");
        Directory.CreateDirectory(directory);
        var stamp = clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
        var safeTo = new string(message.To.Select(c => char.IsLetterOrDigit(c) || c is '@' or '.' or '-' or '_' ? c : '_').ToArray());
        var path = Path.Combine(directory, $"{stamp}-{safeTo}-{Guid.NewGuid():N}.eml");
        var text = new StringBuilder()
            .Append("To: ").Append(message.To).Append("\r\n")
            .Append("From: ").Append(options.Email.FromAddress ?? "noreply@" + options.Service.Hostname).Append("\r\n")
            .Append("Subject: ").Append(message.Subject).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(message.TextBody)
            .ToString();
        await File.WriteAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
        LogWritten(logger, message.To, message.Subject, path, message.TextBody);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no mail server configured (PDS_EMAIL_SMTP_URL); message not sent: {Subject}")]
    private static partial void LogNotSent(ILogger logger, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "mail to {To}: {Subject} (saved to {Path})\n{Body}")]
    private static partial void LogWritten(ILogger logger, string to, string subject, string path, string body);
}
