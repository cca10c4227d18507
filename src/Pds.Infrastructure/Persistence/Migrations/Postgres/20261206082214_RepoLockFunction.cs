using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pds.Infrastructure.Persistence.Migrations.Postgres
{
    /// <summary>
    /// <c>pds_lock_repo_at</c>: takes an account's write lock and fails with SQLSTATE PDS01 unless
    /// the repository is still at the given root. A repeatable repository write sends it first in
    /// the batch that ends with COMMIT (EfActorStore.TransactRepeatableAsync), so the failure
    /// skips the rest of the batch and the transaction rolls back.
    /// </summary>
    public partial class RepoLockFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION pds_lock_repo_at(lock_key bigint, repo_did text, root_cid text) RETURNS void
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(lock_key);
                    PERFORM 1 FROM repo_root WHERE did = repo_did AND cid = root_cid;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION 'the repository of % is no longer at %', repo_did, root_cid USING ERRCODE = 'PDS01';
                    END IF;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION pds_lock_repo_at(bigint, text, text);");
        }
    }
}
