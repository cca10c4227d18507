using System.Reflection;

var builder = WebApplication.CreateBuilder(args);
var port = Environment.GetEnvironmentVariable("PDS_PORT") ?? "2583";
builder.WebHost.UseUrls($"http://localhost:{port}");

var app = builder.Build();
var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

app.MapGet("/", () => Results.Text(
    "This is an AT Protocol Personal Data Server (PDS).\n\nMost API routes are under /xrpc/\n"));
app.MapGet("/xrpc/_health", () => Results.Json(new { version }));

app.Run();

/// <summary>Entry point, public so functional tests can host it.</summary>
public partial class Program;
