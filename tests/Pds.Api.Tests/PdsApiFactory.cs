using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pds.TestKit;

namespace Pds.Api.Tests;

/// <summary>The real server on a fresh database (SQLite or PostgreSQL per PDS_TEST_DB_PROVIDER).</summary>
public class PdsApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    /// <summary>The database settings the server runs with (its own fresh database unless overridden).</summary>
    public virtual IReadOnlyDictionary<string, string> DatabaseSettings => _database.Settings;

    /// <summary>Settings added on top of the database's; subclasses override.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>();

    public virtual async Task InitializeAsync() => await _database.InitializeAsync();

    /// <summary>The server's data directory (mail written in development mode lands in its <c>mail</c> folder).</summary>
    public string DataDirectory => _database.DataDirectory;

    /// <summary>The one-time code in the newest message the dev-mode mailer wrote to <paramref name="email"/>, or null.</summary>
    public string? LatestMailToken(string email, string? subjectContains = null)
    {
        var directory = Path.Combine(DataDirectory, "mail");
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var file = Directory.GetFiles(directory, "*.eml")
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Where(f => f.Text.Contains("To: " + email + "\r\n", StringComparison.OrdinalIgnoreCase)
                && (subjectContains is null || f.Text.Contains(subjectContains, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(f => File.GetLastWriteTimeUtc(f.Path))
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .LastOrDefault();
        return file.Text is null ? null : System.Text.RegularExpressions.Regex.Match(file.Text, "[A-Z2-7]{5}-[A-Z2-7]{5}").Value;
    }

    /// <summary>Runs <paramref name="work"/> with services from a fresh request scope of the running server.</summary>
    public async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _database.DisposeAsync();
        await DisposeExtrasAsync();
    }

    /// <summary>Releases what a subclass started next to the server.</summary>
    protected virtual Task DisposeExtrasAsync() => Task.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in DatabaseSettings)
        {
            builder.UseSetting(key, value);
        }

        foreach (var (key, value) in ExtraSettings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, PipelineProbe>());
        builder.ConfigureTestServices(ConfigureTestServices);
    }

    /// <summary>Registrations made after the server's own (the last registration of a service wins); subclasses override.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }
}

public sealed class ConfiguredPdsApiFactory : PdsApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_HOSTNAME"] = "pds.example.com",
        ["PDS_DEV_MODE"] = "true",
        ["PDS_SERVICE_HANDLE_DOMAINS"] = ".example.com,.example.org",
        ["PDS_INVITE_REQUIRED"] = "true",
        ["PDS_PRIVACY_POLICY_URL"] = "https://example.com/privacy",
        ["PDS_TERMS_OF_SERVICE_URL"] = "https://example.com/tos",
        ["PDS_CONTACT_EMAIL_ADDRESS"] = "admin@example.com",
        ["PDS_JSON_BODY_LIMIT"] = "2048",
    };
}
