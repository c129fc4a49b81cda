using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

/// <summary>
/// A backup file turned out damaged or hostile while it was being read as a stream (a lying tar header, a row that is
/// not what the manifest says). Deep inside a stream there is no result to return, so the reader throws this; the
/// verification and the import catch it at their edge and report <see cref="Issue"/> as a value.
/// </summary>
public sealed class BackupFileException(BackupIssue issue) : Exception(issue.Message)
{
    public BackupIssue Issue { get; } = issue;
}
