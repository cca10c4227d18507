using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Mail;

/// <summary>
/// Sends mail through the SMTP server named by <c>PDS_EMAIL_SMTP_URL</c>, one connection per
/// message. <c>smtps://</c> speaks TLS from the first byte (default port 465); <c>smtp://</c>
/// upgrades with STARTTLS whenever the server offers it (default port 587). A user name and password
/// in the URL are used for SMTP AUTH and never logged. Any failure to hand the message over becomes
/// a <see cref="MailDeliveryException"/>.
/// </summary>
public sealed partial class SmtpMailer : IMailer
{
    /// <summary>How long one delivery (connect, authenticate, send) may take in all.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(60);

    private readonly SmtpEndpoint _endpoint;
    private readonly MailboxAddress _from;
    private readonly ILogger<SmtpMailer> _logger;

    public SmtpMailer(PdsOptions options, ILogger<SmtpMailer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _endpoint = SmtpEndpoint.Parse(options.Email.SmtpUrl ?? throw new ArgumentException("no SMTP URL is configured", nameof(options)));
        _from = FromAddress(options);
        _logger = logger;
    }

    /// <summary>The configured sender, or <c>noreply@&lt;hostname&gt;</c>.</summary>
    public static MailboxAddress FromAddress(PdsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return MailboxAddress.Parse(options.Email.FromAddress ?? "noreply@" + options.Service.Hostname);
    }

    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var mime = Build(message);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        using var client = new SmtpClient { Timeout = (int)SendTimeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(_endpoint.Host, _endpoint.Port, _endpoint.Security, timeout.Token).ConfigureAwait(false);
            if (_endpoint.Credentials is { } credentials)
            {
                await client.AuthenticateAsync(credentials, timeout.Token).ConfigureAwait(false);
            }

            await client.SendAsync(mime, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not MailDeliveryException)
        {
            // MailKit's messages name the server's reply (say "535: 5.7.8 Authentication failed"),
            // never the credentials sent.
            var reason = e is OperationCanceledException ? "timed out" : e.Message;
            LogSendFailed(_logger, _endpoint.Host, _endpoint.Port, message.Subject, reason);
            throw new MailDeliveryException($"the mail server {_endpoint.Host}:{_endpoint.Port} did not accept the message: {reason}", e);
        }

        LogSent(_logger, _endpoint.Host, _endpoint.Port, message.Subject);
    }

    private MimeMessage Build(MailMessage message)
    {
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        var mime = new MimeMessage { Subject = message.Subject, Body = body.ToMessageBody() };
        mime.From.Add(_from);
        mime.To.Add(MailboxAddress.Parse(message.To));
        return mime;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "sending mail through {Host}:{Port} failed ({Subject}): {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string host, int port, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "mail sent through {Host}:{Port}: {Subject}")]
    private static partial void LogSent(ILogger logger, string host, int port, string subject);
}

/// <summary>Where and how to reach an SMTP server, read from an <c>smtp://</c> or <c>smtps://</c> URL.</summary>
public sealed record SmtpEndpoint(string Host, int Port, SecureSocketOptions Security, NetworkCredential? Credentials)
{
    public static SmtpEndpoint Parse(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var implicitTls = url.Scheme switch
        {
            "smtps" => true,
            "smtp" => false,
            _ => throw new ArgumentException("an SMTP URL starts with smtp:// or smtps://", nameof(url)),
        };
        var port = url.Port > 0 ? url.Port : implicitTls ? 465 : 587;
        NetworkCredential? credentials = null;
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? url.UserInfo : url.UserInfo[..colon];
            var password = colon < 0 ? string.Empty : url.UserInfo[(colon + 1)..];
            credentials = new NetworkCredential(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
        }

        return new SmtpEndpoint(url.IdnHost, port, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable, credentials);
    }

    /// <summary>Never prints the credentials.</summary>
    public override string ToString() => $"SmtpEndpoint {{ Host = {Host}, Port = {Port}, Security = {Security} }}";
}
