using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pds.Application.Common.Configuration;
using Pds.Infrastructure.Blobs;
using Pds.Infrastructure.Identity;
using Pds.Infrastructure.Mail;

namespace Pds.Infrastructure;

/// <summary>
/// Builds the services that need a library most servers never use: Redis, S3 and SMTP. Each is a
/// method of its own, never inlined, so that compiling the registration that chooses between them
/// does not load the library. Together with <see cref="Persistence.MigrationsFromMetadata"/>, a
/// server without Redis, S3 or SMTP configured never maps StackExchange.Redis, the AWS SDK or
/// MailKit (tests/Pds.Api.Tests/Processes/OptionalLibraryTests.cs).
/// </summary>
internal static class OptionalParts
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Pds.Application.OAuth.IReplayStore RedisReplayStore(IServiceProvider sp) =>
        new OAuth.RedisReplayStore(
            sp.GetRequiredService<RateLimits.RedisConnection>().Multiplexer,
            sp.GetRequiredService<OAuth.MemoryReplayStore>(),
            sp.GetRequiredService<ILogger<OAuth.RedisReplayStore>>());

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Pds.Application.Common.RateLimits.IRateLimiter RedisRateLimiter(IServiceProvider sp, TimeProvider clock) =>
        new RateLimits.RedisRateLimiter(
            sp.GetRequiredService<RateLimits.RedisConnection>().Multiplexer,
            clock,
            sp.GetRequiredService<ILogger<RateLimits.RedisRateLimiter>>());

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ISharedIdentityCache RedisIdentityCache(IServiceProvider sp) =>
        new Identity.RedisIdentityCache(
            sp.GetRequiredService<RateLimits.RedisConnection>().Multiplexer,
            sp.GetRequiredService<ILogger<Identity.RedisIdentityCache>>());

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Pds.Application.Common.Abstractions.IMailer SmtpMailer(IServiceProvider sp) =>
        ActivatorUtilities.CreateInstance<Mail.SmtpMailer>(sp);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Pds.Application.Common.Abstractions.IBlobStore S3BlobStore(PdsOptions options) =>
        new Blobs.S3BlobStore(options.Blobstore, Path.Combine(options.Service.DataDirectory, "tmp", "s3"));
}
