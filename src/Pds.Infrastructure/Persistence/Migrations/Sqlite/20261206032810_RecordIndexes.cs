using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RecordIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_record_uri",
                table: "record");

            migrationBuilder.CreateIndex(
                name: "IX_record_did_cid",
                table: "record",
                columns: new[] { "did", "cid" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_record_did_cid",
                table: "record");

            migrationBuilder.CreateIndex(
                name: "IX_record_uri",
                table: "record",
                column: "uri",
                unique: true);
        }
    }
}
