using System.Diagnostics;

namespace Pds.Api.Tests;

/// <summary>Starts the real server process to check how it reports bad configuration.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pds-startup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("PDS_PORT", "not-a-port", "configuration error: PDS_PORT must be a port number")]
    [InlineData("PDS_DB_PROVIDER", "oracle", "configuration error: PDS_DB_PROVIDER must be sqlite or postgres")]
    [InlineData("PDS_EMAIL_SMTP_URL", "https://mailer:hunter2@mail.example.com", "configuration error: PDS_EMAIL_SMTP_URL must be an smtp:// or smtps:// URL")]
    public async Task Start_BadSetting_ExitsNonZeroWithOneLineNamingKey(string key, string value, string expected)
    {
        var (exitCode, stderr) = await RunServerAsync(new() { [key] = value });
        Assert.NotEqual(0, exitCode);
        Assert.Equal(expected, stderr);
    }

    [Fact]
    public async Task Start_ConfigFile_ReadWithEnvironmentWinning()
    {
        Directory.CreateDirectory(_dataDirectory);
        var file = Path.Combine(_dataDirectory, "pds.json");
        await File.WriteAllTextAsync(file, """{ "PDS_PORT": "bad-port-from-file", "PDS_BLOBSTORE": "floppy" }""");

        // The file's bad port is overridden by the environment, so the first error is the file's blobstore.
        var (exitCode, stderr) = await RunServerAsync(new() { ["PDS_CONFIG_FILE"] = file, ["PDS_PORT"] = "2999" });
        Assert.NotEqual(0, exitCode);
        Assert.Equal("configuration error: PDS_BLOBSTORE must be disk or s3", stderr);
    }

    private async Task<(int ExitCode, string Stderr)> RunServerAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pds.Api.dll"));
        start.Environment["PDS_DATA_DIRECTORY"] = _dataDirectory;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.DoesNotContain("Exception", await stdout, StringComparison.Ordinal);
        return (process.ExitCode, (await stderr).TrimEnd('\n'));
    }
}
