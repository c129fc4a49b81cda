namespace Crearis.Admin.Hosting;

/// <summary>Configuration keys under <c>Crearis</c>.</summary>
public sealed class CrearisOptions
{
    public const string Section = "Crearis";

    public FirstAdminOptions Admin { get; set; } = new();
    public EmbeddedDatabaseOptions EmbeddedDatabase { get; set; } = new();
}

/// <summary><c>Crearis:Admin:Email</c> / <c>Crearis:Admin:Password</c>: the first admin, created once when no admin exists.</summary>
public sealed class FirstAdminOptions
{
    public string? Email { get; set; }
    public string? Password { get; set; }
}

/// <summary>The private PostgreSQL cluster used when <c>ConnectionStrings:Crearis</c> is not set.</summary>
public sealed class EmbeddedDatabaseOptions
{
    /// <summary>Folder of the cluster; default: the user's local app-data (see README).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Loopback port; 0 = a free port at every start.</summary>
    public int Port { get; set; }

    /// <summary>Name of the content database inside the cluster.</summary>
    public string Database { get; set; } = "crearis";

    /// <summary>Approximate number of demo rows generated when the content database is created.</summary>
    public int DemoRows { get; set; } = 300;
}
