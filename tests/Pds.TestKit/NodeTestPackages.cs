using System.Diagnostics;

namespace Pds.TestKit;

/// <summary>The small Node.js test servers under <c>tests/</c>: finding their folder and installing their pinned packages.</summary>
internal static class NodeTestPackages
{
    /// <summary>The folder <c>tests/&lt;name&gt;</c> above the test binaries.</summary>
    public static string FindDirectory(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", name);
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tests/{name} was not found above the test binaries");
    }

    /// <summary>
    /// Runs <c>npm ci</c> once, unless <paramref name="package"/> is already installed; a lock file
    /// keeps parallel test processes from racing.
    /// </summary>
    public static async Task EnsureInstalledAsync(string directory, string package)
    {
        var marker = Path.Combine(directory, "node_modules", package, "package.json");
        if (File.Exists(marker))
        {
            return;
        }

        var lockPath = Path.Combine(directory, ".install.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                if (File.Exists(marker))
                {
                    return;
                }

                var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })
                    ?? throw new InvalidOperationException("could not run npm");
                var errors = npm.StandardError.ReadToEndAsync();
                await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
                if (npm.ExitCode != 0)
                {
                    throw new InvalidOperationException($"npm ci failed in {directory}: " + await errors);
                }

                return;
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(500);
            }
        }
    }
}
