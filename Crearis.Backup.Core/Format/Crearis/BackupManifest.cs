using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crearis.Backup.Core.Format.Crearis;

/// <summary>manifest.json of our format (version 2): what the backup holds and how to check it.</summary>
public sealed record BackupManifest
{
    public const string FormatName = "crearis-backup";
    public const int CurrentVersion = 2;
    public const string FileName = "manifest.json";

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentVersion;
    public DateTimeOffset CreatedAt { get; init; }
    public string Tool { get; init; } = "Crearis Backup Admin";
    public ManifestSource Source { get; init; } = new();
    public string SchemaFingerprint { get; init; } = "";
    public string Profile { get; init; } = "";
    public string? Description { get; init; }
    public ManifestOptions Options { get; init; } = new();
    public IReadOnlyList<ManifestTable> Tables { get; init; } = [];

    /// <summary>The installation that exported the backup (absent in files written before the sync ledger).</summary>
    public ManifestInstance? Instance { get; init; }

    /// <summary>The exchanges that installation knew when it exported, newest first: what a merge looks for its base in.</summary>
    public IReadOnlyList<ManifestExchange>? Exchanges { get; init; }

    /// <summary>
    /// A differential backup: the base it is taken against (by content SHA-256). Its table files hold only the rows new
    /// or changed since the base; beside them, per table, <c>tables/&lt;t&gt;.context.jsonl</c> (id and natural key of
    /// unchanged rows the changed ones refer to, so references resolve) and <c>tables/&lt;t&gt;.deleted.jsonl</c> (the
    /// natural key of each row deleted since the base). Null for a full backup.
    /// </summary>
    public ManifestDifferential? Differential { get; init; }

    /// <summary>
    /// A filtered backup: what selected its rows, the rules children were followed along, and per table how many rows
    /// and why. Rows missing from a filtered backup were not selected, never deleted. Null: every row of its tables.
    /// </summary>
    public ManifestFilter? Filter { get; init; }

    /// <summary>A scrubbed copy: personal data replaced by keyed pseudonyms. A production instance refuses to import it.</summary>
    public ManifestScrub? Scrub { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public sealed record ManifestSource
{
    public string Host { get; init; } = "";
    public int Port { get; init; }
    public string Database { get; init; } = "";
    public string ServerVersion { get; init; } = "";
}

public sealed record ManifestOptions
{
    public IReadOnlyList<string>? Tables { get; init; }
    public IReadOnlyList<string>? Exclude { get; init; }

    /// <summary>True when every table of the profile is in the backup (so rows missing from it can be listed).</summary>
    public bool Full { get; init; }
}

public sealed record ManifestTable
{
    public string Name { get; init; } = "";
    public string File { get; init; } = "";
    public long Rows { get; init; }
    public string Sha256 { get; init; } = "";
    public long Bytes { get; init; }
    public IReadOnlyList<string> NaturalKey { get; init; } = [];
    public IReadOnlyList<ManifestColumn> Columns { get; init; } = [];
}

public sealed record ManifestDifferential
{
    /// <summary>The content SHA-256 (<c>SyncLedger.ContentSha256</c>) of the backup this one is taken against.</summary>
    public string BaseSha256 { get; init; } = "";

    /// <summary>When the base was exported.</summary>
    public DateTimeOffset BaseCreatedAt { get; init; }

    /// <summary>Per table: the unchanged rows referred to (id and natural key only) and the rows deleted since the base.</summary>
    public IReadOnlyList<ManifestDifferentialTable> Tables { get; init; } = [];
}

/// <summary>A table's extra files in a differential backup, checked like its table file (rows, SHA-256).</summary>
public sealed record ManifestDifferentialTable
{
    public string Name { get; init; } = "";
    public string ContextFile { get; init; } = "";
    public long ContextRows { get; init; }
    public string ContextSha256 { get; init; } = "";
    public string DeletedFile { get; init; } = "";
    public long DeletedRows { get; init; }
    public string DeletedSha256 { get; init; } = "";

    public static string ContextFileOf(string table) => $"tables/{table}.context.jsonl";
    public static string DeletedFileOf(string table) => $"tables/{table}.deleted.jsonl";
}

public sealed record ManifestFilter
{
    /// <summary>The projects named (domaincode).</summary>
    public IReadOnlyList<string>? Projects { get; init; }

    /// <summary>The users named (sysmail).</summary>
    public IReadOnlyList<string>? Users { get; init; }

    /// <summary>Rows changed since this moment (as given: "30d", "2026-01-01").</summary>
    public string? Since { get; init; }

    public DateTimeOffset? SinceAt { get; init; }

    /// <summary>The rules children were included along, in words ("events of a selected project (events.project_id)").</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Per table: how many rows were written and why.</summary>
    public IReadOnlyList<ManifestFilterTable> Tables { get; init; } = [];

    /// <summary>Tables --since could not filter (no created_at, no parseable updated_at, no ledger record): written whole.</summary>
    public IReadOnlyList<string> SinceUnfiltered { get; init; } = [];
}

public sealed record ManifestFilterTable
{
    public string Name { get; init; } = "";
    public long Rows { get; init; }

    /// <summary>How the table's --since was decided ("created_at", "updated_at", "ledger", or null when not filtered by time).</summary>
    public string? SinceBy { get; init; }

    public IReadOnlyList<ManifestFilterReason> Reasons { get; init; } = [];
}

/// <summary>Why rows are in a filtered backup: "selected", "child of projects (events.project_id)", "pulled in by events.location".</summary>
public sealed record ManifestFilterReason(string Reason, long Rows);

public sealed record ManifestScrub
{
    /// <summary>The key's public fingerprint (<see cref="Export.Scrubbing.ScrubKey.Fingerprint"/>): copies with the same one share pseudonyms.</summary>
    public string KeyFingerprint { get; init; } = "";

    /// <summary>The columns replaced ("users.sysmail"), and how ("email", "name", "phone", "address", "secret", "text").</summary>
    public IReadOnlyDictionary<string, string> Columns { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Not scrubbed by this export but taken from a database that imported a scrubbed copy (with the key of
    /// <see cref="KeyFingerprint"/>): its personal data are pseudonyms already, and production refuses it the same way.
    /// </summary>
    public bool Derived { get; init; }
}

public sealed record ManifestInstance
{
    public Guid Id { get; init; }
}

/// <summary>One backup an instance exported or imported, named by its content SHA-256 (<c>SyncLedger.ContentSha256</c>).</summary>
public sealed record ManifestExchange
{
    public string Sha256 { get; init; } = "";
    public Import.ExchangeDirection Direction { get; init; }

    /// <summary>For an import: the instance the backup came from.</summary>
    public Guid? Peer { get; init; }

    public DateTimeOffset BackupCreatedAt { get; init; }
    public DateTimeOffset At { get; init; }
}

public sealed record ManifestColumn(string Name, string Type);
