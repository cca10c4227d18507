using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Pds.Infrastructure.Persistence;

/// <summary>Plain SQL commands on a context's own connection, for the paths that bypass EF Core's query pipeline.</summary>
internal static class ContextCommand
{
    /// <summary>
    /// A command on the context's connection, enlisted in its open transaction if there is one (a
    /// deferred one begins here, <see cref="PdsDbContext.BeginIfDeferred"/>).
    /// </summary>
    public static DbCommand Create(PdsDbContext context, string sql)
    {
        var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = context.BeginIfDeferred();
        return command;
    }

    public static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
