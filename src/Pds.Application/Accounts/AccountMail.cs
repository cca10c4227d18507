using Pds.Application.Common.Abstractions;

namespace Pds.Application.Accounts;

/// <summary>The messages the server sends account holders; each names its code and what it is for.</summary>
public static class AccountMail
{
    private static readonly int Minutes = (int)IEmailTokenStore.Lifetime.TotalMinutes;

    public static MailMessage ConfirmEmail(string to, string handle, string token) => new(
        to,
        "Confirm your email address",
        $"""
        Hello {handle},

        Please confirm this email address for your account by entering this code:

            {token}

        The code expires in {Minutes} minutes.
        """);

    public static MailMessage UpdateEmail(string to, string handle, string token) => new(
        to,
        "Confirm a change of email address",
        $"""
        Hello {handle},

        A request was made to change the email address of your account. To approve it, enter this code:

            {token}

        The code expires in {Minutes} minutes. If you did not ask for this, ignore this message and consider changing your password.
        """);

    public static MailMessage ResetPassword(string to, string handle, string token) => new(
        to,
        "Reset your password",
        $"""
        Hello {handle},

        A password reset was requested for your account. To choose a new password, enter this code:

            {token}

        The code expires in {Minutes} minutes. If you did not ask for this, you can ignore this message; your password is unchanged.
        """);

    public static MailMessage DeleteAccount(string to, string handle, string token) => new(
        to,
        "Confirm account deletion",
        $"""
        Hello {handle},

        A request was made to DELETE your account and all its data. This cannot be undone. To confirm, enter this code:

            {token}

        The code expires in {Minutes} minutes. If you did not ask for this, do not share the code and change your password.
        """);
}
