using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OAuth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "oauth_consent",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    client_id = table.Column<string>(type: "TEXT", nullable: false),
                    scope = table.Column<string>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_consent", x => new { x.did, x.client_id });
                });

            migrationBuilder.CreateTable(
                name: "oauth_device_account",
                columns: table => new
                {
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    authenticated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_device_account", x => new { x.device_id, x.did });
                });

            migrationBuilder.CreateTable(
                name: "oauth_request",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    client_id = table.Column<string>(type: "TEXT", nullable: false),
                    data = table.Column<string>(type: "TEXT", nullable: false),
                    code_hash = table.Column<string>(type: "TEXT", nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_request", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "oauth_session",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    token_id = table.Column<string>(type: "TEXT", nullable: false),
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    client_id = table.Column<string>(type: "TEXT", nullable: false),
                    code_hash = table.Column<string>(type: "TEXT", nullable: true),
                    refresh_hash = table.Column<string>(type: "TEXT", nullable: true),
                    data = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_session", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "oauth_used_refresh_token",
                columns: table => new
                {
                    refresh_hash = table.Column<string>(type: "TEXT", nullable: false),
                    session_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_used_refresh_token", x => x.refresh_hash);
                });

            migrationBuilder.CreateIndex(
                name: "IX_oauth_request_code_hash",
                table: "oauth_request",
                column: "code_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_oauth_request_expires_at",
                table: "oauth_request",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_oauth_session_code_hash",
                table: "oauth_session",
                column: "code_hash");

            migrationBuilder.CreateIndex(
                name: "IX_oauth_session_did_client_id",
                table: "oauth_session",
                columns: new[] { "did", "client_id" });

            migrationBuilder.CreateIndex(
                name: "IX_oauth_session_refresh_hash",
                table: "oauth_session",
                column: "refresh_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_oauth_session_token_id",
                table: "oauth_session",
                column: "token_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_oauth_used_refresh_token_session_id",
                table: "oauth_used_refresh_token",
                column: "session_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "oauth_consent");

            migrationBuilder.DropTable(
                name: "oauth_device_account");

            migrationBuilder.DropTable(
                name: "oauth_request");

            migrationBuilder.DropTable(
                name: "oauth_session");

            migrationBuilder.DropTable(
                name: "oauth_used_refresh_token");
        }
    }
}
