using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Pds.Domain.Data;
using Pds.Domain.Repo.Car;
using SQLitePCL;

namespace Pds.Infrastructure.Persistence.ActorStore;

/// <summary>
/// A repository's blocks into a CAR on SQLite, read through the connection's own statement
/// instead of a data reader: each row's CID text and block bytes are read in place, out of SQLite's
/// memory, and copied once, into the CAR's buffer. Through <see cref="SqliteDataReader"/> every
/// row cost a string and an array (its <c>GetBytes</c> opens an incremental blob handle per row,
/// which costs more still) and twice the calls into SQLite; for a 12,700-block export that was
/// 3.5 MB of garbage and a fifth of the server's time per export (docs/PERFORMANCE.md).
/// </summary>
internal static class SqliteBlockExport
{
    // EfActorStore.BlockExportSql, through the (did, repo_rev) index of record. Left to itself,
    // SQLite reads a repository's records through the (did, cid) index, in CID order, which is
    // random against the order the rows were stored in: a page fetch per record, three times as
    // long as through (did, repo_rev), whose entries for one revision are in the order stored.
    private const string Records = "record INDEXED BY IX_record_did_repo_rev";
    private static readonly string AllSql = EfActorStore.BlockExportSql("?1", null, Records);
    private static readonly string SinceSql = EfActorStore.BlockExportSql("?1", "?2", Records);

    /// <summary>
    /// Writes every block of <paramref name="did"/> (those written after <paramref name="sinceRev"/>
    /// when given) but <paramref name="skipCid"/> into <paramref name="car"/>, on the context's
    /// connection, which the caller holds open (and inside its transaction, if it has one).
    /// </summary>
    public static async Task WriteAsync(PdsDbContext context, string did, CarWriter car, string? sinceRev, string? skipCid, CancellationToken cancellationToken)
    {
        var connection = (SqliteConnection)context.Database.GetDbConnection();
        var db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        var skip = skipCid is null ? [] : Encoding.UTF8.GetBytes(skipCid);
        var statement = Prepare(db, did, sinceRev);
        using (statement)
        {
            var cid = new byte[128];
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var step = Step(db, statement, car, skip, cid, out var cidLength);
                if (step == Row.Done)
                {
                    return;
                }

                if (step == Row.Written)
                {
                    continue;
                }

                // The CAR's buffer is full: write it out, then the same row again (its values stay
                // in place until the next step; its CID is already decoded in cid).
                await car.WriteBufferedAsync(cancellationToken).ConfigureAwait(false);
                if (!car.TryWriteBlock(cid.AsSpan(0, cidLength), raw.sqlite3_column_blob(statement, 1)))
                {
                    // Larger than the whole buffer: the writer hands it to the stream itself.
                    var block = raw.sqlite3_column_blob(statement, 1).ToArray();
                    await car.WriteBlockAsync(cid.AsMemory(0, cidLength), block, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private enum Row
    {
        Done,
        Written,
        BufferFull,
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string did, string? sinceRev)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sinceRev is null ? AllSql : SinceSql, out var statement));
        try
        {
            Check(db, raw.sqlite3_bind_text(statement, 1, did));
            if (sinceRev is not null)
            {
                Check(db, raw.sqlite3_bind_text(statement, 2, sinceRev));
            }

            return statement;
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    /// <summary>Steps to the next row and writes it unless it is the skipped one or does not fit.</summary>
    private static Row Step(sqlite3 db, sqlite3_stmt statement, CarWriter car, ReadOnlySpan<byte> skip, byte[] cid, out int cidLength)
    {
        cidLength = 0;
        while (true)
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == raw.SQLITE_DONE)
            {
                return Row.Done;
            }

            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
                throw new InvalidOperationException($"sqlite3_step returned {rc}.");
            }

            // sqlite3_column_blob on a TEXT column gives the text's UTF-8 bytes as stored.
            var text = raw.sqlite3_column_blob(statement, 0);
            if (skip.Length > 0 && text.SequenceEqual(skip))
            {
                continue;
            }

            return TryWrite(text, raw.sqlite3_column_blob(statement, 1), car, cid, out cidLength) ? Row.Written : Row.BufferFull;
        }
    }

    /// <summary>Decodes the CID text into <paramref name="cid"/> and writes the block if it fits in the CAR's buffer.</summary>
    private static bool TryWrite(ReadOnlySpan<byte> text, ReadOnlySpan<byte> block, CarWriter car, byte[] cid, out int cidLength)
    {
        Span<char> chars = stackalloc char[128];
        if (text.Length > chars.Length
            || System.Text.Ascii.ToUtf16(text, chars, out var charCount) != System.Buffers.OperationStatus.Done
            || !Cid.TryDecodeString(chars[..charCount], cid, out cidLength))
        {
            throw new InvalidOperationException($"The stored block {Encoding.UTF8.GetString(text)} has no valid CID.");
        }

        return car.TryWriteBlock(cid.AsSpan(0, cidLength), block);
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }
}
