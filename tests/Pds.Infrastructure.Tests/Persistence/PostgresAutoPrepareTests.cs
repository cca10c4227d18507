using Npgsql;
using Pds.Infrastructure.Persistence;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class PostgresAutoPrepareTests
{
    [Fact]
    public void WithAutoPrepare_NotConfigured_PreparesRepeatedStatements()
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithAutoPrepare("Host=127.0.0.1;Database=pds;Username=pds"));
        Assert.Equal(64, csb.MaxAutoPrepare);
        Assert.Equal(2, csb.AutoPrepareMinUsages);
        Assert.Equal("pds", csb.Database);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0", 0)]
    [InlineData("Host=127.0.0.1;MaxAutoPrepare=10", 10)]
    public void WithAutoPrepare_OperatorSetting_Kept(string connectionString, int expected)
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithAutoPrepare(connectionString));
        Assert.Equal(expected, csb.MaxAutoPrepare);
    }
}
