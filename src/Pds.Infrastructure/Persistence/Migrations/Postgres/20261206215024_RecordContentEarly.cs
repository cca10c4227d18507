using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Postgres
{
    /// <summary>
    /// Rebuilds <c>record</c> with <c>content</c> third, after <c>did</c> and <c>cid</c> (ADR 0017).
    /// PostgreSQL takes a row apart column by column up to the last one a statement reads; the
    /// getRepo export reads <c>cid</c> and <c>content</c>, and <c>content</c> was ninth. The rows
    /// are copied in export order (<c>did</c>, <c>repo_rev</c>); the key and indexes are made anew
    /// under their old names. Privileges granted on the old table by hand do not carry over.
    /// Down rebuilds the table in the old column order.
    /// </summary>
    public partial class RecordContentEarly : Migration
    {
        private const string ContentEarly =
            "did, cid, content, collection, rkey, uri, repo_rev, indexed_at, takedown_ref";

        private const string ContentLast =
            "did, collection, rkey, uri, cid, repo_rev, indexed_at, takedown_ref, content";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, ContentEarly);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, ContentLast);

        private static void Rebuild(MigrationBuilder migrationBuilder, string columns)
        {
            var definitions = new Dictionary<string, string>
            {
                ["did"] = "text COLLATE \"C\" NOT NULL",
                ["collection"] = "text COLLATE \"C\" NOT NULL",
                ["rkey"] = "text COLLATE \"C\" NOT NULL",
                ["uri"] = "text COLLATE \"C\" NOT NULL",
                ["cid"] = "text COLLATE \"C\" NOT NULL",
                ["repo_rev"] = "text COLLATE \"C\" NOT NULL",
                ["indexed_at"] = "timestamp with time zone NOT NULL",
                ["takedown_ref"] = "text COLLATE \"C\"",
                ["content"] = "bytea",
            };
            var table = string.Join(", ", columns.Split(", ").Select(c => $"{c} {definitions[c]}"));
            migrationBuilder.Sql($"CREATE TABLE record_rebuilt ({table});");
            migrationBuilder.Sql($"INSERT INTO record_rebuilt ({columns}) SELECT {columns} FROM record ORDER BY did, repo_rev;");
            migrationBuilder.Sql("DROP TABLE record;");
            migrationBuilder.Sql("ALTER TABLE record_rebuilt RENAME TO record;");
            migrationBuilder.Sql("ALTER TABLE record ADD CONSTRAINT \"PK_record\" PRIMARY KEY (did, collection, rkey);");
            migrationBuilder.Sql("CREATE INDEX \"IX_record_did_cid\" ON record (did, cid);");
            migrationBuilder.Sql("CREATE INDEX \"IX_record_did_repo_rev\" ON record (did, repo_rev);");
            migrationBuilder.Sql("ANALYZE record;");
        }
    }
}
