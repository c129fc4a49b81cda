using System.Collections.Concurrent;
using Crearis.Admin.Hosting;
using Crearis.Platform.Database;
using Crearis.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crearis.Admin.Tests.Hosting;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix matter
public sealed class EmbeddedDatabaseTests
{
    [Fact]
    public async Task The_first_start_creates_a_cluster_with_schema_and_demo_data_and_the_next_start_keeps_it()
    {
        var folder = Path.Combine(Path.GetTempPath(), "crearis-embedded-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new EmbeddedDatabaseOptions { DataDirectory = folder, DemoRows = 300 };
        try
        {
            long usersAfterFirstStart;
            await using (var first = await EmbeddedDatabase.StartAsync(options, NullLogger.Instance))
            {
                first.Cluster.CreatedNow.Should().BeTrue();
                var summary = await new ContentDatabase(first.ConnectionString).GetSummaryAsync();
                summary.Database.Should().Be("crearis");
                summary.Host.Should().Be("127.0.0.1");
                summary.Tables.Should().OnlyContain(t => t.Exists && t.Rows > 0);
                usersAfterFirstStart = summary.Tables.Single(t => t.Table == "users").Rows;
                File.Exists(Path.Combine(folder, "superuser.password")).Should().BeTrue();
            }

            await using var second = await EmbeddedDatabase.StartAsync(options, NullLogger.Instance);
            second.Cluster.CreatedNow.Should().BeFalse();
            var again = await new ContentDatabase(second.ConnectionString).GetSummaryAsync();
            again.Tables.Single(t => t.Table == "users").Rows.Should().Be(usersAfterFirstStart, "nothing is generated twice");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task The_superuser_password_is_never_readable_by_others_while_a_new_cluster_is_created()
    {
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var folder = Path.Combine(Path.GetTempPath(), "crearis-secret-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        // What another user could see: the mode of each file in the folder as soon as it is created or changed. The
        // password file initdb reads lives for the whole of initdb, so a world-readable one is seen; a file that was
        // world-readable only between its creation and a chmod microseconds later might slip past the watcher, which
        // is why the code creates both files owner-only from the start rather than fixing the mode afterwards.
        var observed = new ConcurrentQueue<(string Name, UnixFileMode Mode)>();
        using var watcher = new FileSystemWatcher(folder)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Attributes | NotifyFilters.Size,
        };
        void Look(object sender, FileSystemEventArgs e)
        {
            try { observed.Enqueue((e.Name!, File.GetUnixFileMode(e.FullPath))); }
            catch (IOException) { } // deleted before we looked
        }
        watcher.Created += Look;
        watcher.Changed += Look;
        watcher.EnableRaisingEvents = true;
        try
        {
            await using (var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(folder)))
                cluster.CreatedNow.Should().BeTrue();

            var secrets = observed.Where(o => o.Name is ".initdb-pw" or "superuser.password").ToList();
            secrets.Select(s => s.Name).Should().Contain([".initdb-pw", "superuser.password"], "both files were watched");
            secrets.Should().AllSatisfy(s => (s.Mode & others).Should().Be(UnixFileMode.None, $"{s.Name} holds the superuser's password"));
            File.GetUnixFileMode(Path.Combine(folder, "superuser.password")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Exists(Path.Combine(folder, ".initdb-pw")).Should().BeFalse();
        }
        finally
        {
            watcher.EnableRaisingEvents = false;
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Without_postgresql_binaries_the_error_says_what_to_install()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "no-postgres-here");

        var find = () => PostgresCluster.FindBinDirectory([nowhere]);

        find.Should().Throw<PostgresClusterException>()
            .WithMessage("*No PostgreSQL server binaries*apt-get install -y postgresql*ConnectionStrings:Crearis*");
    }
}
