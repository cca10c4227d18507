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

var applied = await app.MigrateDatabaseAsync().ConfigureAwait(false);
if (args is ["migrate", ..])
{
    // The command reports what it did on its output, once; a server start logs it instead.
    Console.WriteLine(applied.Count == 0 ? "database up to date" : $"database migrations applied: {string.Join(", ", applied)}");
    return 0;
}

if (applied.Count > 0)
{
    app.Logger.LogInformation("Applied {Count} database migration(s): {Migrations}", applied.Count, string.Join(", ", applied));
}

app.UsePdsApi();
await app.RunAsync().ConfigureAwait(false);
return 0;

/// <summary>Entry point, public so functional tests can host it.</summary>
public partial class Program;
