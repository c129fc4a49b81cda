using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crearis.Admin.Data.Migrations
{
    /// <inheritdoc />
    public partial class BackupCatalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "backup_catalog",
                schema: "crearis_admin",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    ModifiedTicks = table.Column<long>(type: "bigint", nullable: false),
                    Format = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SourceDatabase = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    TotalRows = table.Column<long>(type: "bigint", nullable: true),
                    Verified = table.Column<bool>(type: "boolean", nullable: false),
                    Kinds = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Issues = table.Column<string>(type: "jsonb", nullable: false),
                    Summary = table.Column<string>(type: "jsonb", nullable: true),
                    Manifest = table.Column<string>(type: "json", nullable: true),
                    VerifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_backup_catalog", x => x.Name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "backup_catalog",
                schema: "crearis_admin");
        }
    }
}
