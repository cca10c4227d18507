using System.Net.Mail;

namespace Pds.Application.Accounts;

/// <summary>The address syntax accepted for accounts: one mailbox, a dotted domain, no display name.</summary>
public static class EmailAddress
{
    public const int MaxLength = 254;

    public static bool IsSupported(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > MaxLength)
        {
            return false;
        }

        var trimmed = email.Trim();
        if (!MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed || !string.IsNullOrEmpty(address.DisplayName))
        {
            return false;
        }

        var host = address.Host;
        return host.Contains('.', StringComparison.Ordinal) && !host.StartsWith('.') && !host.EndsWith('.')
            && Uri.CheckHostName(host) == UriHostNameType.Dns;
    }
}
