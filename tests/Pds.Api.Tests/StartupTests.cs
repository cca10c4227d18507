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
    public async Task Start_BadSetting_ExitsNonZeroWithOneLineNamingKey(string key, string value, string expected)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pds.Api.dll"));
        start.Environment["PDS_DATA_DIRECTORY"] = _dataDirectory;
        start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.NotEqual(0, process.ExitCode);
        Assert.Equal(expected, (await stderr).TrimEnd('\n'));
        Assert.DoesNotContain("Exception", await stdout, StringComparison.Ordinal);
    }
}
