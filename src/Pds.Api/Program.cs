using Pds.Api.Hosting;
using Pds.Application;
using Pds.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddPdsConfiguration();
builder.Services.AddApplication().AddInfrastructure().AddPdsApi();

var app = builder.Build();
if (!app.TryValidateConfiguration())
{
    return 1;
}

if (args is ["migrate", ..])
{
    // The command's one report of what it did is its output; the server's log line would repeat it.
    var applied = await app.MigrateDatabaseAsync(logApplied: false).ConfigureAwait(false);
    Console.WriteLine(applied.Count == 0 ? "database up to date" : $"database migrations applied: {string.Join(", ", applied)}");
    return 0;
}

await app.MigrateDatabaseAsync().ConfigureAwait(false);

app.UsePdsApi();
await app.RunAsync().ConfigureAwait(false);
return 0;

/// <summary>Entry point, public so functional tests can host it.</summary>
public partial class Program;
