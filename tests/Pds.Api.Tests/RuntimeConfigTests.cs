using System.Text.Json;

namespace Pds.Api.Tests;

/// <summary>Runtime settings the server ships in its runtimeconfig.json (docs/PERFORMANCE.md).</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ServerRuntimeConfig_ThreadPoolWorkersDoNotSpin_WorkstationCollectorWithBoundedYoungGeneration()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Pds.Api.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        // Not sized from the host's CPU cache, which some hosts report as hundreds of MiB.
        Assert.Equal(32 << 20, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64());
    }
}
