using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Pds.Infrastructure.Persistence;

/// <summary>
/// Begins a write transaction whose BEGIN was deferred (<see cref="PdsDbContext.BeginDeferred"/>,
/// PostgreSQL, ADR 0023) before EF Core sends a statement in it, and before SaveChanges decides
/// whether it needs a transaction of its own, so that everything EF Core runs inside
/// <see cref="PdsDatabase.WriteAsync{T}"/> is inside the one transaction, as when it was begun first.
/// </summary>
internal sealed class DeferredBeginInterceptor : DbCommandInterceptor, ISaveChangesInterceptor
{
    public static readonly DeferredBeginInterceptor Instance = new();

    private DeferredBeginInterceptor()
    {
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Begin(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await BeginAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Begin(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await BeginAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Begin(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await BeginAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is PdsDbContext { BeginDeferred: true } context)
        {
            context.BeginIfDeferred();
        }

        return result;
    }

    public async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PdsDbContext { BeginDeferred: true } context)
        {
            await context.BeginIfDeferredAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    // The command was created before the transaction began: it joins it here.
    private static void Begin(DbCommand command, CommandEventData eventData)
    {
        if (eventData.Context is PdsDbContext { BeginDeferred: true } context)
        {
            command.Transaction = context.BeginIfDeferred();
        }
    }

    private static async ValueTask BeginAsync(DbCommand command, CommandEventData eventData, CancellationToken cancellationToken)
    {
        if (eventData.Context is PdsDbContext { BeginDeferred: true } context)
        {
            command.Transaction = await context.BeginIfDeferredAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
