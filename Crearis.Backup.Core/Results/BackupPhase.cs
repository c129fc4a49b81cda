using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crearis.Backup.Core.Results;

/// <summary>The phases of an export or import, in the order they run; reported with progress and named by issues.</summary>
[JsonConverter(typeof(BackupPhaseJsonConverter))]
public enum BackupPhase
{
    /// <summary>The backup and the request checked against the target's catalog, before anything is written.</summary>
    Validate,

    /// <summary>Every table of the backup read into a temporary table and parsed by the server.</summary>
    Stage,

    /// <summary>A table's rows matched to the target's by natural key (its id map).</summary>
    Map,

    /// <summary>A table's new rows inserted and (merge) changed rows updated.</summary>
    Write,

    /// <summary>The links that close cycles, written once the table they point at exists.</summary>
    LateSeed,

    /// <summary>The values the platform's triggers maintain, put back where the backup carries them.</summary>
    Derived,

    Commit,

    /// <summary>An export writing a table.</summary>
    Export,

    /// <summary>An export finished.</summary>
    Done,
}

public static class BackupPhases
{
    /// <summary>The phase as scripts and the history see it, e.g. <c>late-seed</c>.</summary>
    public static string Wire(this BackupPhase phase) => phase switch
    {
        BackupPhase.LateSeed => "late-seed",
        _ => phase.ToString().ToLowerInvariant(),
    };

    public static BackupPhase? Parse(string? wire) =>
        Enum.GetValues<BackupPhase>().Select(p => (BackupPhase?)p).FirstOrDefault(p => p!.Value.Wire() == wire);
}

/// <summary>Reads and writes a phase as its wire text.</summary>
public sealed class BackupPhaseJsonConverter : JsonConverter<BackupPhase>
{
    public override BackupPhase Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        BackupPhases.Parse(reader.GetString()) ?? throw new JsonException($"Unknown phase {reader.GetString()}.");

    public override void Write(Utf8JsonWriter writer, BackupPhase value, JsonSerializerOptions options) => writer.WriteStringValue(value.Wire());
}
