namespace Pds.Infrastructure.Tests.Persistence;

/// <summary>The SQL of the commands Npgsql sends, from its activities.</summary>
internal static class NpgsqlCommands
{
    /// <summary>
    /// The SQL of each command Npgsql sent while <paramref name="work"/> ran. Npgsql starts an
    /// activity per command; those under this call's own activity are <paramref name="work"/>'s
    /// (other tests run at the same time). Opening a physical connection carries no SQL and is
    /// left out, as is a BEGIN Npgsql sends ahead of a command (it is no command of its own).
    /// </summary>
    public static async Task<List<string>> SentAsync(Func<Task> work)
    {
        using var source = new System.Diagnostics.ActivitySource("Pds.Tests.RoundTrips");
        var commands = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" or "Pds.Tests.RoundTrips",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using (var outer = source.StartActivity("work"))
        {
            Assert.NotNull(outer);
            listener.ActivityStopped = a =>
            {
                if (a.Source.Name == "Npgsql" && a.TraceId == outer.TraceId && a.GetTagItem("db.query.text") is string sql)
                {
                    commands.Enqueue(sql);
                }
            };
            await work();
        }

        return [.. commands];
    }
}
