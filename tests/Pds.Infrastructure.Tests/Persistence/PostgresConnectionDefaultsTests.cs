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
}
