using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <summary>
    /// <c>record.content</c>: each record row also holds its block, so reads of records need no
    /// lookup in <c>repo_block</c> (ADR 0014). Existing rows get their blocks copied in; a row
    /// whose block is missing keeps null, which readers treat as "look in repo_block".
    /// </summary>
    public partial class RecordContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "content",
                table: "record",
                type: "BLOB",
                nullable: true);

            migrationBuilder.Sql(
                "UPDATE record SET content = (SELECT b.content FROM repo_block b WHERE b.did = record.did AND b.cid = record.cid);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "content",
                table: "record");
        }
    }
}
