using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crearis.Admin.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConflictDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "conflict_decisions",
                schema: "crearis_admin",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    File = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Table = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Key = table.Column<string>(type: "text", nullable: false),
                    Column = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Take = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Value = table.Column<string>(type: "text", nullable: true),
                    DecidedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conflict_decisions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_conflict_decisions_File_Table_Key_Column",
                schema: "crearis_admin",
                table: "conflict_decisions",
                columns: new[] { "File", "Table", "Key", "Column" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "conflict_decisions",
                schema: "crearis_admin");
        }
    }
}
