using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crearis.Admin.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "Journal",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "UndoneAt",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UndoneBy",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "run_rows",
                schema: "crearis_admin",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Journal = table.Column<Guid>(type: "uuid", nullable: false),
                    Table = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Line = table.Column<long>(type: "bigint", nullable: false),
                    Key = table.Column<string>(type: "text", nullable: false),
                    Detail = table.Column<string>(type: "json", nullable: true),
                    Issue = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    Target = table.Column<string>(type: "json", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_rows", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_run_rows_Journal_Table_Action_Line",
                schema: "crearis_admin",
                table: "run_rows",
                columns: new[] { "Journal", "Table", "Action", "Line" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "run_rows",
                schema: "crearis_admin");

            migrationBuilder.DropColumn(
                name: "Journal",
                schema: "crearis_admin",
                table: "backup_runs");

            migrationBuilder.DropColumn(
                name: "UndoneAt",
                schema: "crearis_admin",
                table: "backup_runs");

            migrationBuilder.DropColumn(
                name: "UndoneBy",
                schema: "crearis_admin",
                table: "backup_runs");
        }
    }
}
