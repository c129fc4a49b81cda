using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crearis.Admin.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunDocumentsKeepOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "Result",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "json",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb");

            migrationBuilder.AlterColumn<string>(
                name: "Options",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "json",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "Result",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "json");

            migrationBuilder.AlterColumn<string>(
                name: "Options",
                schema: "crearis_admin",
                table: "backup_runs",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "json");
        }
    }
}
