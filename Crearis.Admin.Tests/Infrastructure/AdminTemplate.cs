using System.Runtime.CompilerServices;
using Crearis.Admin.Data;

namespace Crearis.Admin.Tests.Infrastructure;

/// <summary>The admin tests' databases also hold the admin schema (Identity, runs, jobs, audit), as the app's do.</summary>
internal static class AdminTemplate
{
    [ModuleInitializer]
    internal static void Register() => TestPostgres.CompleteTemplate = cs => AdminDatabaseExtensions.MigrateAdminSchemaAsync(cs);
}
