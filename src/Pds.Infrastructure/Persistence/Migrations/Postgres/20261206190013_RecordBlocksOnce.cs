using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Postgres
{
    /// <summary>
    /// Record blocks are stored once, on their <c>record</c> rows (ADR 0016): the copies in
    /// <c>repo_block</c> of blocks a record row holds go. A record row without content keeps its
    /// block there. Down puts every record's block back into <c>repo_block</c>.
    /// </summary>
    public partial class RecordBlocksOnce : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                "DELETE FROM repo_block b USING record r WHERE r.did = b.did AND r.cid = b.cid AND r.content IS NOT NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                "INSERT INTO repo_block (did, cid, repo_rev, size, content) SELECT did, cid, repo_rev, length(content), content FROM record WHERE content IS NOT NULL ON CONFLICT DO NOTHING;");
        }
    }
}
