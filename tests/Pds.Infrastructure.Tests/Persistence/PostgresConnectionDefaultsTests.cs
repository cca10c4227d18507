using Npgsql;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class PostgresConnectionDefaultsTests
{
    [Fact]
    public void WithConnectionDefaults_NotConfigured_PreparesRepeatedStatementsAndSkipsPoolResets()
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithConnectionDefaults("Host=127.0.0.1;Database=pds;Username=pds"));
        Assert.Equal(64, csb.MaxAutoPrepare);
        Assert.Equal(2, csb.AutoPrepareMinUsages);
        Assert.True(csb.NoResetOnClose);
        Assert.Equal("pds", csb.Database);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0", 0)]
    [InlineData("Host=127.0.0.1;MaxAutoPrepare=10", 10)]
    public void WithConnectionDefaults_OperatorAutoPrepare_Kept(string connectionString, int expected)
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithConnectionDefaults(connectionString));
        Assert.Equal(expected, csb.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;No Reset On Close=false")]
    [InlineData("Host=127.0.0.1;NoResetOnClose=False")]
    public void WithConnectionDefaults_OperatorResetOnClose_Kept(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithConnectionDefaults(connectionString));
        Assert.False(csb.NoResetOnClose);
    }

    [Fact]
    public void WithConnectionDefaults_NotConfigured_BoundsThePool()
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithConnectionDefaults("Host=127.0.0.1;Database=pds"));
        Assert.Equal(DatabaseSetup.DefaultMaxPoolSize, csb.MaxPoolSize);
        Assert.Equal(Math.Clamp(4 * Environment.ProcessorCount, 16, 32), DatabaseSetup.DefaultMaxPoolSize);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Maximum Pool Size=100")]
    [InlineData("Host=127.0.0.1;MaxPoolSize=100")]
    public void WithConnectionDefaults_OperatorPoolSize_Kept(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithConnectionDefaults(connectionString));
        Assert.Equal(100, csb.MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=pds", "pds stream")]
    [InlineData("Host=127.0.0.1;Database=pds;Application Name=pds-eu", "pds-eu stream")]
    public void StreamingConnectionString_IsAPoolOfItsOwnWithTheSameDefaults(string connectionString, string applicationName)
    {
        var main = DatabaseSetup.WithConnectionDefaults(connectionString);
        var streaming = DatabaseSetup.StreamingConnectionString(connectionString);

        // Npgsql keeps one pool per connection string.
        Assert.NotEqual(main, streaming);
        var csb = new NpgsqlConnectionStringBuilder(streaming);
        Assert.Equal(applicationName, csb.ApplicationName);
        Assert.Equal("pds", csb.Database);
        Assert.Equal(new NpgsqlConnectionStringBuilder(main).MaxPoolSize, csb.MaxPoolSize);
        Assert.True(csb.NoResetOnClose);
        Assert.Equal(64, csb.MaxAutoPrepare);
    }
}
