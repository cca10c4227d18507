using System.Net;
using System.Text;
using Pds.Application.Common.Abstractions;

namespace Pds.Application.Accounts;

/// <summary>
/// The messages the server sends account holders. Each names what it is for and carries its code,
/// in plain text and in a simple HTML alternative that says the same.
/// </summary>
public static class AccountMail
{
    private static readonly int Minutes = (int)IEmailTokenStore.Lifetime.TotalMinutes;

    public static MailMessage ConfirmEmail(string to, string handle, string token) => Compose(
        to,
        "Confirm your email address",
        handle,
        "Please confirm this email address for your account by entering this code:",
        token,
        $"The code expires in {Minutes} minutes.");

    public static MailMessage UpdateEmail(string to, string handle, string token) => Compose(
        to,
        "Confirm a change of email address",
        handle,
        "A request was made to change the email address of your account. To approve it, enter this code:",
        token,
        $"The code expires in {Minutes} minutes. If you did not ask for this, ignore this message and consider changing your password.");

    public static MailMessage ResetPassword(string to, string handle, string token) => Compose(
        to,
        "Reset your password",
        handle,
        "A password reset was requested for your account. To choose a new password, enter this code:",
        token,
        $"The code expires in {Minutes} minutes. If you did not ask for this, you can ignore this message; your password is unchanged.");

    public static MailMessage DeleteAccount(string to, string handle, string token) => Compose(
        to,
        "Confirm account deletion",
        handle,
        "A request was made to DELETE your account and all its data. This cannot be undone. To confirm, enter this code:",
        token,
        $"The code expires in {Minutes} minutes. If you did not ask for this, do not share the code and change your password.");

    public static MailMessage PlcOperation(string to, string handle, string token) => Compose(
        to,
        "Confirm a change to your identity",
        handle,
        "A request was made to change the identity (DID document) of your account: its handle, keys or hosting service. To approve it, enter this code:",
        token,
        $"The code expires in {Minutes} minutes. If you did not make this request, do not share the code and consider changing your password.");

    private static MailMessage Compose(string to, string subject, string handle, string request, string token, string closing)
    {
        var text = $"""
            Hello {handle},

            {request}

                {token}

            {closing}
            """;
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(subject)).Append("</title></head>")
            .Append("<body style=\"font-family: sans-serif; line-height: 1.5; max-width: 36em;\">")
            .Append("<p>Hello ").Append(WebUtility.HtmlEncode(handle)).Append(",</p>")
            .Append("<p>").Append(WebUtility.HtmlEncode(request)).Append("</p>")
            .Append("<p style=\"font-family: monospace; font-size: 1.5em; letter-spacing: 0.1em;\"><strong>").Append(WebUtility.HtmlEncode(token)).Append("</strong></p>")
            .Append("<p>").Append(WebUtility.HtmlEncode(closing)).Append("</p>")
            .Append("</body></html>")
            .ToString();
        return new MailMessage(to, subject, text, html);
    }
}
