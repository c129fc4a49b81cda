using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Crearis.Platform.Postgres;

/// <summary>Where and how a private PostgreSQL cluster lives.</summary>
/// <param name="DataRoot">Folder that holds the cluster (<c>data/</c>), its log and its credentials.</param>
/// <param name="Port">Loopback port; 0 picks a free one at every start.</param>
/// <param name="SuperUser">Name of the cluster's superuser.</param>
public sealed record PostgresClusterOptions(string DataRoot, int Port = 0, string SuperUser = "crearis")
{
    /// <summary>
    /// The default place for the app's embedded cluster: the user's local app-data. Root's home is closed to the
    /// <c>postgres</c> system user that has to run the server, so root gets a system folder instead.
    /// </summary>
    public static string DefaultDataRoot()
    {
        if (Environment.IsPrivilegedProcess && OperatingSystem.IsLinux())
            return "/var/lib/crearis-admin/postgres";
        var appData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
            Environment.SpecialFolderOption.Create);
        return Path.Combine(appData, "crearis-admin", "postgres");
    }
}

/// <summary>Raised when the cluster cannot be created or started; the message says what to do.</summary>
public sealed class PostgresClusterException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A private PostgreSQL cluster started from the binaries on PATH, bound to loopback only. Used by the app when no
/// database is configured, and by the tests. PostgreSQL refuses to run as root, so when this process is root the
/// server runs as the <c>postgres</c> system user (via runuser).
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const string RunAsUser = "postgres";
    private readonly PostgresClusterOptions _options;
    private readonly ILogger _logger;
    private readonly string _binDir;
    private bool _startedByUs;

    private PostgresCluster(PostgresClusterOptions options, string binDir, ILogger logger)
    {
        _options = options;
        _binDir = binDir;
        _logger = logger;
    }

    public string DataRoot => _options.DataRoot;
    public string DataDirectory => Path.Combine(_options.DataRoot, "data");
    public string LogFile => Path.Combine(_options.DataRoot, "postgres.log");
    public int Port { get; private set; }
    public string Password { get; private set; } = "";
    public bool CreatedNow { get; private set; }

    /// <summary>True when this instance started the server (and so stops it); false when it attached to a running one.</summary>
    public bool StartedByThisProcess => _startedByUs;

    /// <summary>Takes over a server this instance attached to (one left by a process that died), so it is stopped with us.</summary>
    public void Adopt() => _startedByUs = true;

    /// <summary>Connection string to the given database of this cluster as its superuser.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = _options.SuperUser,
        Password = Password,
        Database = database,
        Pooling = true,
    }.ConnectionString;

    /// <summary>Creates the cluster if its folder is empty, then starts it (or attaches to it if it already runs).</summary>
    public static async Task<PostgresCluster> StartAsync(PostgresClusterOptions options, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        var cluster = new PostgresCluster(options, FindBinDirectory(), logger ?? NullLogger.Instance);
        await cluster.InitAndStartAsync(cancellationToken);
        return cluster;
    }

    /// <summary>Finds initdb/pg_ctl on PATH, or in Debian's versioned folders.</summary>
    public static string FindBinDirectory()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")));
        return FindBinDirectory(candidates);
    }

    public static string FindBinDirectory(IEnumerable<string> candidates)
    {
        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return dir;
        }
        throw new PostgresClusterException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or in /usr/lib/postgresql/*/bin. " +
            "Install the PostgreSQL server (on Debian: apt-get install -y postgresql) or set ConnectionStrings:Crearis " +
            "to an existing database.");
    }

    private async Task InitAndStartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_options.DataRoot);
        var credentialsFile = Path.Combine(_options.DataRoot, "superuser.password");
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            await InitClusterAsync(credentialsFile, ct);
        else if (!File.Exists(credentialsFile))
            throw new PostgresClusterException(
                $"The cluster in {DataDirectory} exists but its password file {credentialsFile} is missing. " +
                "Restore the file or delete the folder to create a new cluster.");

        Password = (await File.ReadAllTextAsync(credentialsFile, ct)).Trim();

        var running = RunningPort();
        if (running is { } port && await CanConnectAsync(port, ct))
        {
            Port = port;
            // Someone else's server (a running app, or one left by a process that died): never stopped by us unless
            // the caller adopts it (see Adopt).
            _startedByUs = false;
            _logger.LogInformation("PostgreSQL in {DataDirectory} is already running on port {Port}; attaching",
                DataDirectory, Port);
            return;
        }

        Port = _options.Port != 0 ? _options.Port : FreeLoopbackPort();
        var settings = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on";
        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-o", settings, "-w", "-t", "60", "start"], ct);
        _startedByUs = true;
        _logger.LogInformation("PostgreSQL started from {DataDirectory} on 127.0.0.1:{Port} (log: {Log})",
            DataDirectory, Port, LogFile);
    }

    private async Task InitClusterAsync(string credentialsFile, CancellationToken ct)
    {
        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
            throw new PostgresClusterException(
                $"{DataDirectory} is not empty but holds no PostgreSQL cluster. Empty it or choose another folder.");

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        // When we are root the server's user gets the folder (it creates data/ in it); the password files are written
        // after that, so the superuser's password stays root's own and only initdb's copy is handed over.
        GiveToServerUser(_options.DataRoot);
        await WriteSecretAsync(credentialsFile, password, ct);

        // initdb reads the password from a file that the server's user must be able to read.
        var pwFile = Path.Combine(_options.DataRoot, ".initdb-pw");
        await WriteSecretAsync(pwFile, password + "\n", ct);
        try
        {
            GiveToServerUser(pwFile);
            await RunToolAsync("initdb", [
                "-D", DataDirectory, "-U", _options.SuperUser, "--pwfile", pwFile,
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            ], ct);
        }
        finally
        {
            File.Delete(pwFile);
        }
        CreatedNow = true;
        _logger.LogInformation("Created a new PostgreSQL cluster in {DataDirectory}", DataDirectory);
    }

    /// <summary>
    /// Writes a secret into a new file that is readable and writable by its owner only from the moment it exists: the
    /// mode is given to open(2), so there is no instant in which another user could open it (a chmod after writing
    /// leaves one).
    /// </summary>
    private static async Task WriteSecretAsync(string path, string secret, CancellationToken ct)
    {
        // A file an interrupted earlier attempt left would keep its mode when overwritten: start from no file.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(secret), ct);
    }

    private int? RunningPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], out var p) ? p : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task<bool> CanConnectAsync(int port, CancellationToken ct)
    {
        var previous = Port;
        Port = port;
        try
        {
            await using var conn = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=3");
            await conn.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            Port = previous;
            return false;
        }
    }

    /// <summary>Creates a database in this cluster unless it exists; returns true when it was created now.</summary>
    public async Task<bool> EnsureDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString());
        await conn.OpenAsync(ct);
        await using (var check = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn))
        {
            check.Parameters.AddWithValue(name);
            if (await check.ExecuteScalarAsync(ct) is not null) return false;
        }
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", conn);
        await create.ExecuteNonQueryAsync(ct);
        return true;
    }

    public async Task StopAsync()
    {
        if (!_startedByUs) return;
        _startedByUs = false;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None);
            _logger.LogInformation("PostgreSQL in {DataDirectory} stopped", DataDirectory);
        }
        catch (PostgresClusterException e)
        {
            _logger.LogWarning(e, "Stopping PostgreSQL in {DataDirectory} failed", DataDirectory);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool MustSwitchUser => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux();

    /// <summary>Hands a path (recursively) to the postgres system user when we are root.</summary>
    private static void GiveToServerUser(string path)
    {
        if (!MustSwitchUser || OperatingSystem.IsWindows()) return;
        var psi = new ProcessStartInfo("chown", ["-R", RunAsUser, path]) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new PostgresClusterException(
                $"Running as root, the server must run as the '{RunAsUser}' system user, but '{path}' could not be " +
                $"given to it: {err.Trim()}. Create that user (apt-get install postgresql creates it) or run as an " +
                "ordinary user.");
        // The server user must be able to reach the folder through every parent folder.
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
                throw new PostgresClusterException(
                    $"The '{RunAsUser}' user cannot enter {dir}, a parent of {path}. Choose a data folder outside it " +
                    "(Crearis:EmbeddedDatabase:DataDirectory).");
        }
    }

    private async Task RunToolAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var exe = Path.Combine(_binDir, tool);
        ProcessStartInfo psi;
        if (MustSwitchUser)
        {
            psi = new ProcessStartInfo("runuser", ["-u", RunAsUser, "--", exe, .. args]);
        }
        else
        {
            psi = new ProcessStartInfo(exe, args);
        }
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        // The server inherits this environment; keep its messages in English for the log.
        psi.Environment["LC_MESSAGES"] = "C";

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new PostgresClusterException($"Could not start {psi.FileName}: {e.Message}", e);
        }
        // pg_ctl start leaves the server holding our pipes open; read until the tool itself exits, not until EOF.
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            var err = stderr.IsCompleted ? await stderr : "";
            var outText = stdout.IsCompleted ? await stdout : "";
            var logTail = File.Exists(LogFile) ? string.Join('\n', (await File.ReadAllLinesAsync(LogFile, ct)).TakeLast(15)) : "";
            throw new PostgresClusterException(
                $"{tool} failed with exit code {process.ExitCode}: {err.Trim()} {outText.Trim()}\n{logTail}".Trim());
        }
    }
}
