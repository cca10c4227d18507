using Pds.Application.Common.Abstractions;

namespace Pds.Application.Accounts;

/// <summary>The <c>active</c>/<c>status</c> pair sessions and firehose events report for an account.</summary>
public static class AccountStatusView
{
    public const string Takendown = "takendown";
    public const string Deactivated = "deactivated";
    public const string Deleted = "deleted";

    public static (bool Active, string? Status) Of(AccountInfo account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.IsTakendown)
        {
            return (false, Takendown);
        }

        return account.IsDeactivated ? (false, Deactivated) : (true, null);
    }
}
