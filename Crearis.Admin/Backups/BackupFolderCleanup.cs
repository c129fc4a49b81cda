namespace Crearis.Admin.Backups;

/// <summary>
/// At start, removes what exports and uploads killed mid-way (a crash, a restart, a kill -9 of a command-line export)
/// left in the backup folder: their <c>.partial</c> files hold rows of the platform and are never listed, so nothing
/// else would ever delete them. Files a running export or upload holds — another app instance's, a cron job's — stay.
/// </summary>
public sealed class BackupFolderCleanup(BackupStorage storage, ILogger<BackupFolderCleanup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in storage.RemoveStalePartials())
            logger.LogInformation("Removed {File} from {Folder}: an export or upload that was stopped before it finished left it",
                name, storage.Folder);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
