using System.Diagnostics;
using Xunit;

namespace Pds.TestKit;

/// <summary>
/// A real S3-compatible server (the npm package <c>s3rver</c>, from <c>tests/s3</c>) on
/// 127.0.0.1 with one empty bucket, for the S3 blob store tests. It installs its packages on first
/// use, stops when this process ends (its stdin closes) and carries a hard time limit.
/// If it cannot start, tests using it fail; they are never skipped.
/// </summary>
public sealed class S3TestServer : IAsyncLifetime
{
    private Process? _process;

    public string Bucket { get; } = "pds-test-" + Guid.NewGuid().ToString("N")[..12];

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>s3rver's fixed development credentials.</summary>
    public const string AccessKeyId = "S3RVER";

    public const string SecretAccessKey = "S3RVER";

    /// <summary>Settings that point a server at this bucket.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["PDS_BLOBSTORE"] = "s3",
        ["PDS_BLOBSTORE_S3_BUCKET"] = Bucket,
        ["PDS_BLOBSTORE_S3_ENDPOINT"] = Endpoint.ToString(),
        ["PDS_BLOBSTORE_S3_REGION"] = "us-east-1",
        ["PDS_BLOBSTORE_S3_FORCE_PATH_STYLE"] = "true",
        ["PDS_BLOBSTORE_S3_ACCESS_KEY_ID"] = AccessKeyId,
        ["PDS_BLOBSTORE_S3_SECRET_ACCESS_KEY"] = SecretAccessKey,
    };

    public async Task InitializeAsync()
    {
        var directory = NodeTestPackages.FindDirectory("s3");
        await NodeTestPackages.EnsureInstalledAsync(directory, "s3rver");
        var info = new ProcessStartInfo("timeout")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--signal=KILL", "1800", "node", "s3-server.mjs", Bucket })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the S3 test server");
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the S3 test server did not start: {line} {await _process.StandardError.ReadToEndAsync()}");
        }

        Endpoint = new Uri($"http://127.0.0.1:{line["listening ".Length..].Trim()}");
        await CreateBucketAsync(Bucket);
    }

    /// <summary>Creates a bucket (a fresh one per test keeps tests from seeing each other's objects).</summary>
    public async Task<string> CreateBucketAsync(string? name = null)
    {
        name ??= "pds-test-" + Guid.NewGuid().ToString("N")[..12];
        using var client = Client();
        try
        {
            await client.PutBucketAsync(name);
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Already there.
        }

        return name;
    }

    /// <summary>The keys in a bucket under a prefix, read directly from the server.</summary>
    public async Task<IReadOnlyList<string>> ListKeysAsync(string bucket, string prefix)
    {
        using var client = Client();
        var page = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        return (page.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    private Amazon.S3.AmazonS3Client Client() => new(
        new Amazon.Runtime.BasicAWSCredentials(AccessKeyId, SecretAccessKey),
        new Amazon.S3.AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }
}
