using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Crearis.Platform.Schema.Migrations;

/// <summary>The Crearis content schema as the platform has it (types, functions, 20 tables, triggers, 81 status rows).</summary>
[DbContext(typeof(ContentSchemaContext))]
[Migration("20261124000000_CrearisContentSchema")]
public sealed class CrearisContentSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var script in SchemaScripts.All)
            migrationBuilder.Sql(SchemaScripts.Read(script));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        // Content is never dropped by us: a down-migration of a content schema would delete a platform's data.
        throw new NotSupportedException("The Crearis content schema is not dropped by migrations.");
    }
}
