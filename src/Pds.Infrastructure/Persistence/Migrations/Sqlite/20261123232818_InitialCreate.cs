using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "account",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    handle = table.Column<string>(type: "TEXT", nullable: true),
                    email = table.Column<string>(type: "TEXT", nullable: true),
                    email_confirmed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    password_hash = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    deactivated_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    delete_after = table.Column<DateTime>(type: "TEXT", nullable: true),
                    takedown_ref = table.Column<string>(type: "TEXT", nullable: true),
                    invites_disabled = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account", x => x.did);
                });

            migrationBuilder.CreateTable(
                name: "actor_signing_key",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    encrypted_private_key = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_actor_signing_key", x => x.did);
                });

            migrationBuilder.CreateTable(
                name: "app_password",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", nullable: false),
                    privileged = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_app_password", x => new { x.did, x.name });
                });

            migrationBuilder.CreateTable(
                name: "blob",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    cid = table.Column<string>(type: "TEXT", nullable: false),
                    mime_type = table.Column<string>(type: "TEXT", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    temp_key = table.Column<string>(type: "TEXT", nullable: true),
                    width = table.Column<int>(type: "INTEGER", nullable: true),
                    height = table.Column<int>(type: "INTEGER", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    takedown_ref = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_blob", x => new { x.did, x.cid });
                });

            migrationBuilder.CreateTable(
                name: "email_token",
                columns: table => new
                {
                    purpose = table.Column<string>(type: "TEXT", nullable: false),
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", nullable: false),
                    requested_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_email_token", x => new { x.purpose, x.did });
                });

            migrationBuilder.CreateTable(
                name: "invite_code",
                columns: table => new
                {
                    code = table.Column<string>(type: "TEXT", nullable: false),
                    available_uses = table.Column<int>(type: "INTEGER", nullable: false),
                    disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    for_account = table.Column<string>(type: "TEXT", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invite_code", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "invite_code_use",
                columns: table => new
                {
                    code = table.Column<string>(type: "TEXT", nullable: false),
                    used_by = table.Column<string>(type: "TEXT", nullable: false),
                    used_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invite_code_use", x => new { x.code, x.used_by });
                });

            migrationBuilder.CreateTable(
                name: "plc_operation",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    cid = table.Column<string>(type: "TEXT", nullable: false),
                    operation = table.Column<byte[]>(type: "BLOB", nullable: false),
                    nullified = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_plc_operation", x => new { x.did, x.cid });
                });

            migrationBuilder.CreateTable(
                name: "record",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    collection = table.Column<string>(type: "TEXT", nullable: false),
                    rkey = table.Column<string>(type: "TEXT", nullable: false),
                    uri = table.Column<string>(type: "TEXT", nullable: false),
                    cid = table.Column<string>(type: "TEXT", nullable: false),
                    repo_rev = table.Column<string>(type: "TEXT", nullable: false),
                    indexed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    takedown_ref = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_record", x => new { x.did, x.collection, x.rkey });
                });

            migrationBuilder.CreateTable(
                name: "record_blob",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    blob_cid = table.Column<string>(type: "TEXT", nullable: false),
                    record_uri = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_record_blob", x => new { x.did, x.blob_cid, x.record_uri });
                });

            migrationBuilder.CreateTable(
                name: "refresh_token",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    app_password_name = table.Column<string>(type: "TEXT", nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    next_id = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_refresh_token", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "repo_block",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    cid = table.Column<string>(type: "TEXT", nullable: false),
                    repo_rev = table.Column<string>(type: "TEXT", nullable: false),
                    size = table.Column<int>(type: "INTEGER", nullable: false),
                    content = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_repo_block", x => new { x.did, x.cid });
                });

            migrationBuilder.CreateTable(
                name: "repo_root",
                columns: table => new
                {
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    cid = table.Column<string>(type: "TEXT", nullable: false),
                    rev = table.Column<string>(type: "TEXT", nullable: false),
                    indexed_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_repo_root", x => x.did);
                });

            migrationBuilder.CreateTable(
                name: "sequenced_event",
                columns: table => new
                {
                    seq = table.Column<long>(type: "INTEGER", nullable: false),
                    did = table.Column<string>(type: "TEXT", nullable: false),
                    event_type = table.Column<string>(type: "TEXT", nullable: false),
                    @event = table.Column<byte[]>(name: "event", type: "BLOB", nullable: false),
                    sequenced_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    invalidated = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sequenced_event", x => x.seq);
                });

            migrationBuilder.CreateTable(
                name: "sequencer_counter",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sequencer_counter", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "sequencer_counter",
                columns: new[] { "id", "value" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_account_email",
                table: "account",
                column: "email",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_account_handle",
                table: "account",
                column: "handle",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_email_token_purpose_token_hash",
                table: "email_token",
                columns: new[] { "purpose", "token_hash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_invite_code_for_account",
                table: "invite_code",
                column: "for_account");

            migrationBuilder.CreateIndex(
                name: "IX_plc_operation_did_created_at",
                table: "plc_operation",
                columns: new[] { "did", "created_at" });

            migrationBuilder.CreateIndex(
                name: "IX_record_did_repo_rev",
                table: "record",
                columns: new[] { "did", "repo_rev" });

            migrationBuilder.CreateIndex(
                name: "IX_record_uri",
                table: "record",
                column: "uri",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_record_blob_did_record_uri",
                table: "record_blob",
                columns: new[] { "did", "record_uri" });

            migrationBuilder.CreateIndex(
                name: "IX_refresh_token_did",
                table: "refresh_token",
                column: "did");

            migrationBuilder.CreateIndex(
                name: "IX_repo_block_did_repo_rev",
                table: "repo_block",
                columns: new[] { "did", "repo_rev" });

            migrationBuilder.CreateIndex(
                name: "IX_sequenced_event_did_seq",
                table: "sequenced_event",
                columns: new[] { "did", "seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "account");

            migrationBuilder.DropTable(
                name: "actor_signing_key");

            migrationBuilder.DropTable(
                name: "app_password");

            migrationBuilder.DropTable(
                name: "blob");

            migrationBuilder.DropTable(
                name: "email_token");

            migrationBuilder.DropTable(
                name: "invite_code");

            migrationBuilder.DropTable(
                name: "invite_code_use");

            migrationBuilder.DropTable(
                name: "plc_operation");

            migrationBuilder.DropTable(
                name: "record");

            migrationBuilder.DropTable(
                name: "record_blob");

            migrationBuilder.DropTable(
                name: "refresh_token");

            migrationBuilder.DropTable(
                name: "repo_block");

            migrationBuilder.DropTable(
                name: "repo_root");

            migrationBuilder.DropTable(
                name: "sequenced_event");

            migrationBuilder.DropTable(
                name: "sequencer_counter");
        }
    }
}
