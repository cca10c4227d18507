using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;

namespace Pds.Application.Server.Lifecycle;

internal static class EmailTokenErrors
{
    /// <summary>Throws the lexicons' ExpiredToken / InvalidToken for a failed check.</summary>
    public static void Ensure(EmailTokenCheck check)
    {
        switch (check)
        {
            case EmailTokenCheck.Expired:
                throw new XrpcException(400, "ExpiredToken", "Token is expired");
            case EmailTokenCheck.Invalid:
                throw new XrpcException(400, "InvalidToken", "Token is invalid");
        }
    }
}
