using System.CommandLine;
using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Operations;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Export.Filtering;
using Crearis.Backup.Core.Export.Scrubbing;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Admin.Cli;

/// <summary>
/// <c>backup export|import|verify|inspect</c>: the engine for scripts and cron. Keep this shape: scripts depend on it.
/// Exports and imports go through <see cref="BackupOperations"/> like the web app's (lock, history and audit in the
/// admin database); this class only parses arguments and prints results.
/// </summary>
public static class BackupCommands
{
    /// <summary>Applied with rows skipped under --continue-on-error (or links the original format cannot carry).</summary>
    public const int AppliedWithSkips = 4;

    public static Command Build()
    {
        var backup = new Command("backup", "Export, import, verify and inspect backups (.tar.gz).");
        backup.Subcommands.Add(Export());
        backup.Subcommands.Add(Import());
        backup.Subcommands.Add(Verify());
        backup.Subcommands.Add(Inspect());
        backup.Subcommands.Add(Combine());
        backup.Subcommands.Add(Instance());
        backup.Subcommands.Add(Undo());
        return backup;
    }

    private static Option<string?> ConnectionOption() => new("--connection")
    {
        Description = "Connection string of the Crearis database. Default: ConnectionStrings:Crearis.",
    };

    private static Option<string[]> ListOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document on stdout instead of text." };

    /// <summary>Where the passphrase of an encrypted backup may come from: a file or the environment, never the command line
    /// (where every user of the machine can read it).</summary>
    public const string PassphraseVariable = "CREARIS_BACKUP_PASSPHRASE";

    private static Option<string?> PassphraseFileOption() => new("--passphrase-file")
    {
        Description = $"A file whose first line is the passphrase of an encrypted backup (or set {PassphraseVariable}).",
    };

    private static Option<string[]> IdentityOption() => new("--identity")
    {
        Description = "An age identity file (age-keygen's output) that opens encrypted backups (.tar.gz.age). Repeatable.",
    };

    /// <summary>The keys given to open encrypted backups; an error text when a key file is unusable.</summary>
    private static (BackupKeys? Keys, string? Error) ReadKeys(ParseResult parse, Option<string[]> identity, Option<string?> passphraseFile)
    {
        var identities = new List<AgeIdentity>();
        foreach (var file in parse.GetValue(identity) ?? [])
        {
            var (read, error) = AgeKeyFiles.ReadIdentities(file);
            if (error is not null) return (null, error);
            identities.AddRange(read);
        }
        var (passphrase, passphraseError) = ReadPassphrase(parse.GetValue(passphraseFile));
        return passphraseError is not null ? (null, passphraseError) : (new BackupKeys(identities, passphrase), null);
    }

    private static (string? Passphrase, string? Error) ReadPassphrase(string? file)
    {
        if (file is not null) return AgeKeyFiles.ReadPassphrase(file);
        var variable = Environment.GetEnvironmentVariable(PassphraseVariable);
        return (string.IsNullOrEmpty(variable) ? null : variable, null);
    }

    private static async Task<int> RefuseAsync(CliIo io, IssueCode code, string message, string suggestion)
    {
        var issue = BackupIssue.Error(code, message, suggestion);
        if (io.Json) await io.WriteJsonAsync(JsonSerializer.Serialize(new { valid = false, errors = new[] { ResultJson.Issue(issue) } }, ResultJson.Options));
        else await io.WriteIssuesAsync("Error", [issue]);
        return ExitCodes.BadArguments;
    }

    private static Command Export()
    {
        var connection = ConnectionOption();
        var output = new Option<string>("--output") { Description = "The backup file to write (FILE.tar.gz).", Required = true };
        var tables = ListOption("--tables", "Only these tables (comma-separated).");
        var exclude = ListOption("--exclude", "Leave these tables out (comma-separated).");
        var description = new Option<string?>("--description") { Description = "A note stored in the manifest." };
        var encrypt = new Option<bool>("--encrypt")
        {
            Description = "Write an age-encrypted backup (FILE.tar.gz.age) to --recipient/--recipients-file, or else to a passphrase " +
                          $"from --passphrase-file or {PassphraseVariable}.",
        };
        var recipient = new Option<string[]>("--recipient") { Description = "An age recipient (age1…) to encrypt to. Repeatable." };
        var recipientsFile = new Option<string?>("--recipients-file") { Description = "A file of age recipients, one per line." };
        var passphraseFile = PassphraseFileOption();
        var baseFile = new Option<string?>("--base")
        {
            Description = "Write a differential: only the rows new or changed since BASE (a backup this database exported, full or " +
                          "differential) and a tombstone per row deleted since. --identity / --passphrase-file open an encrypted BASE.",
        };
        var identity = IdentityOption();
        var scrub = new Option<bool>("--scrub")
        {
            Description = "Write a scrubbed copy for development: e-mails, names, phones, addresses, free-text mail fields and password " +
                          $"hashes replaced by keyed pseudonyms. The key comes from --scrub-key-file or {ScrubKey.Variable}, never the command line.",
        };
        var scrubKeyFile = new Option<string?>("--scrub-key-file")
        {
            Description = $"A file holding the scrub key (at least {ScrubKey.MinimumBytes} bytes; openssl rand -hex 32). Default: {ScrubKey.Variable}.",
        };
        var json = JsonOption();
        var projects = ListOption("--project", "A filtered export: these projects (domaincode, comma-separated), their events, posts, pages, " +
                                               "locations, images, members, interactions and tasks, and every row those refer to.");
        var users = ListOption("--user", "A filtered export: these users (sysmail, comma-separated), their memberships, interactions, " +
                                         "images and assigned tasks, and every row those refer to.");
        var since = new Option<string?>("--since")
        {
            Description = "A filtered export: only rows changed since then (30d, or a date 2026-01-01), per table by created_at, updated_at " +
                          "or the sync ledger; tables it cannot filter are written whole and named. With --project/--user: narrows their rows.",
        };
        var command = new Command("export", "Write a backup from one consistent snapshot of the database.")
        {
            connection, output, tables, exclude, description, encrypt, recipient, recipientsFile, passphraseFile, baseFile, identity,
            projects, users, since, scrub, scrubKeyFile, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            await using var context = CliContext.Create();
            var cs = ResolveConnection(context, parse.GetValue(connection), io);
            if (cs is null) return ExitCodes.BadArguments;
            ExportSince? sinceAt = null;
            if (parse.GetValue(since) is { } sinceText && !ExportSince.TryParse(sinceText, DateTimeOffset.UtcNow, out sinceAt, out var sinceError))
                return await RefuseAsync(io, IssueCode.BadSince, $"--since: {sinceError}", "Give --since 30d or --since 2026-01-01.");
            var filter = new ExportFilter(NullIfEmpty(parse.GetValue(projects)), NullIfEmpty(parse.GetValue(users)), sinceAt);
            var basePath = parse.GetValue(baseFile);
            var (encryption, encryptionError) = ReadEncryption(parse, encrypt, recipient, recipientsFile, passphraseFile, opensBase: basePath is not null);
            if (encryptionError is not null)
                return await RefuseAsync(io, IssueCode.KeyRequired, encryptionError, "See backup export --help for --encrypt.");
            var (baseKeys, keyError) = basePath is null ? (null, null) : ReadKeys(parse, identity, passphraseFile);
            if (keyError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, keyError, "Give a readable age identity file or passphrase file.");
            ScrubKey? scrubKey = null;
            if (parse.GetValue(scrubKeyFile) is not null && !parse.GetValue(scrub))
                return await RefuseAsync(io, IssueCode.ScrubKeyInvalid, "--scrub-key-file takes effect with --scrub; add it.", "See backup export --help for --scrub.");
            if (parse.GetValue(scrub))
            {
                var (key, scrubError) = parse.GetValue(scrubKeyFile) is { } keyFile ? ScrubKey.FromFile(keyFile) : ScrubKey.FromEnvironment();
                if (scrubError is not null)
                    return await RefuseAsync(io, IssueCode.ScrubKeyInvalid, scrubError,
                        $"Keep the key in a file readable only by you (--scrub-key-file) or in {ScrubKey.Variable}; the same key gives the same pseudonyms.");
                scrubKey = key;
            }
            var path = parse.GetRequiredValue(output);
            // An encrypted file says so by its name, so nobody mistakes it for a .tar.gz.
            if (encryption is not null && !path.EndsWith(".age", StringComparison.OrdinalIgnoreCase)) path += ".age";
            var options = new ExportOptions(NullIfEmpty(parse.GetValue(tables)), NullIfEmpty(parse.GetValue(exclude)), parse.GetValue(description),
                encryption) { Base = basePath, BaseKeys = baseKeys, Filter = filter.IsEmpty ? null : filter, Scrub = scrubKey };
            await using var services = context.OperationServices(cs);
            ExportOperationResult done;
            try
            {
                using var bar = io.ProgressBar();
                done = await services.GetRequiredService<BackupOperations>().ExportAsync(
                    new ExportRequest(path, options), Actor.CommandLine(), bar, ct);
            }
            catch (NpgsqlException e)
            {
                return await io.FailAsync($"Could not read the database: {e.Message}");
            }
            await NoteHistoryErrorAsync(io, done.HistoryError);
            var result = done.Result;
            if (io.Json)
            {
                await io.WriteJsonAsync(ResultJson.Export(result));
            }
            else if (result.Succeeded)
            {
                var diff = result.Manifest!.Differential;
                await io.Out.WriteLineAsync($"Wrote {result.File}: {result.TotalRows:N0} {(diff is null ? "" : "new or changed ")}rows in {result.Manifest.Tables.Count} tables, {result.Duration.TotalSeconds:F1}s.");
                if (result.Manifest.Scrub is { Derived: true } derived)
                    await io.Out.WriteLineAsync($"Scrubbed: this database holds a scrubbed copy's pseudonyms (key fingerprint {derived.KeyFingerprint}); " +
                                                "a production instance refuses to import it.");
                else if (result.Manifest.Scrub is { } scrubbed)
                    await io.Out.WriteLineAsync($"Scrubbed: personal data replaced by pseudonyms (key fingerprint {scrubbed.KeyFingerprint}, {scrubbed.Columns.Count} columns); " +
                                                "a production instance refuses to import it.");
                if (diff is not null)
                    await io.Out.WriteLineAsync($"Differential against the backup of {diff.BaseCreatedAt:u} ({diff.BaseSha256[..12]}…): {diff.Tables.Sum(t => t.DeletedRows):N0} tombstones.");
                // A filtered export lists its tables with the reasons for their rows instead.
                if (result.Manifest.Filter is { } filtered) await WriteFilterAsync(io, filtered);
                else
                    foreach (var t in result.Manifest.Tables)
                        await io.Out.WriteLineAsync($"  {t.Name,-20} {t.Rows,12:N0}" +
                                                    (diff?.Tables.FirstOrDefault(d => d.Name == t.Name) is { DeletedRows: > 0 } d ? $"   ({d.DeletedRows:N0} deleted)" : ""));
                var warnings = result.Issues.Where(i => i.Code == IssueCode.SinceUnfiltered || i.Code == IssueCode.ExcludedParentsKept).ToList();
                if (warnings.Count > 0) await io.WriteIssuesAsync("Warning", warnings);
            }
            else
            {
                await io.WriteIssuesAsync("Error", result.Issues);
            }
            return result.Succeeded ? ExitCodes.Ok
                : result.Issues.Any(i => i.Code == IssueCode.UnknownTable || i.Code == IssueCode.OutputFolderMissing || i.Code == IssueCode.BaseUnknown ||
                                         i.Code == IssueCode.NotFound || i.Code == IssueCode.FilterUnknown || i.Code == IssueCode.FilterWithBase ||
                                         i.Code == IssueCode.ScrubNotDifferential)
                    ? ExitCodes.BadArguments : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>What a filtered backup holds and why: per table its rows and, per reason, how many (export and inspect).</summary>
    private static async Task WriteFilterAsync(CliIo io, ManifestFilter filter)
    {
        var named = new[]
        {
            filter.Projects is { Count: > 0 } p ? $"projects {string.Join(", ", p)}" : null,
            filter.Users is { Count: > 0 } u ? $"users {string.Join(", ", u)}" : null,
            filter.Since is { } s ? $"changed since {s} ({filter.SinceAt:u})" : null,
        }.Where(x => x is not null);
        await io.Out.WriteLineAsync($"Filtered:  {string.Join("; ", named)}");
        foreach (var rule in filter.Rules) await io.Out.WriteLineAsync($"  rule: {rule}");
        foreach (var t in filter.Tables)
        {
            await io.Out.WriteLineAsync($"  {t.Name,-20} {t.Rows,12:N0}{(t.SinceBy is { } by ? $"   (--since by {by})" : "")}");
            foreach (var r in t.Reasons) await io.Out.WriteLineAsync($"      {r.Rows,12:N0}  {r.Reason}");
        }
        if (filter.SinceUnfiltered.Count > 0)
            await io.Out.WriteLineAsync($"  --since could not filter (written whole): {string.Join(", ", filter.SinceUnfiltered)}");
    }

    private static Command Combine()
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "The full backup, then the differentials taken against it, each against the one before (BASE D1 [D2 …]).",
            Arity = new ArgumentArity(2, 1000),
        };
        var output = new Option<string>("--output") { Description = "The full backup to write (FULL.tar.gz).", Required = true };
        var encrypt = new Option<bool>("--encrypt") { Description = "Write an age-encrypted backup (see backup export --help)." };
        var recipient = new Option<string[]>("--recipient") { Description = "An age recipient (age1…) to encrypt to. Repeatable." };
        var recipientsFile = new Option<string?>("--recipients-file") { Description = "A file of age recipients, one per line." };
        var identity = IdentityOption();
        var passphraseFile = PassphraseFileOption();
        var json = JsonOption();
        var command = new Command("combine", "Rebuild a full backup from a full backup and the differentials taken after it (no database needed).")
        {
            files, output, encrypt, recipient, recipientsFile, identity, passphraseFile, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            var (keys, keyError) = ReadKeys(parse, identity, passphraseFile);
            if (keyError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, keyError, "Give a readable age identity file or passphrase file.");
            var (encryption, encryptionError) = ReadEncryption(parse, encrypt, recipient, recipientsFile, passphraseFile, opensBase: true);
            if (encryptionError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, encryptionError, "See backup export --help for --encrypt.");
            var path = parse.GetRequiredValue(output);
            if (encryption is not null && !path.EndsWith(".age", StringComparison.OrdinalIgnoreCase)) path += ".age";
            var all = parse.GetRequiredValue(files);
            var result = await BackupCombiner.CombineAsync(all[0], all[1..], path, keys, encryption, ct);
            if (io.Json) await io.WriteJsonAsync(ResultJson.Export(result));
            else if (result.Succeeded)
            {
                await io.Out.WriteLineAsync($"Wrote {result.File}: {result.TotalRows:N0} rows in {result.Manifest!.Tables.Count} tables (from {all.Length} files), {result.Duration.TotalSeconds:F1}s.");
                foreach (var t in result.Manifest.Tables) await io.Out.WriteLineAsync($"  {t.Name,-20} {t.Rows,12:N0}");
            }
            else await io.WriteIssuesAsync("Error", result.Issues);
            return result.Succeeded ? ExitCodes.Ok : ExitCodes.BadArguments;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("FILE") { Description = "The backup to import (ours or the original exporter's .tar.gz)." };
        var connection = ConnectionOption();
        var mode = new Option<string>("--mode")
        {
            Description = "new-only: leave rows that exist alone (Import New Only). merge: insert new rows and update changed ones (Merge Changes).",
            Required = true,
        };
        mode.AcceptOnlyFromAmong([.. ImportModeNames.All]);
        var dryRun = new Option<bool>("--dry-run") { Description = "Run the whole import and roll it back; report what would happen." };
        var tables = ListOption("--tables", "Only these tables (comma-separated).");
        var exclude = ListOption("--exclude", "Leave these tables out (comma-separated).");
        var withDependencies = new Option<bool>("--with-dependencies") { Description = "Add the tables the selected ones refer to." };
        var continueOnError = new Option<bool>("--continue-on-error") { Description = "Skip and report rows that fail validation; commit the rest." };
        var conflicts = new Option<string>("--conflicts")
        {
            Description = "Merge: cell (default) — only a field changed differently on both sides since the last exchange conflicts; " +
                          "row — any change on both sides to the same row conflicts.",
            DefaultValueFactory = _ => "cell",
        };
        conflicts.AcceptOnlyFromAmong("cell", "row");
        var onConflict = new Option<string>("--on-conflict")
        {
            Description = $"Merge: what undecided conflicts do. fail (default): write nothing, list them, exit {ExitCodes.Conflicts}; " +
                          "keep-target: keep this database's values; take-backup: write the backup's.",
            DefaultValueFactory = _ => "fail",
        };
        onConflict.AcceptOnlyFromAmong("fail", "keep-target", "take-backup");
        var resolutions = new Option<string?>("--resolutions")
        {
            Description = "Merge: a JSON file of decisions — the conflicts a dry run printed with --json, each with \"take\": \"target\", \"backup\" or \"value\" (and \"value\").",
        };
        var applyDeletes = new Option<bool>("--apply-deletes")
        {
            Description = "Merge: delete the rows the backup's instance deleted since the last exchange and nobody changed here (listed otherwise).",
        };
        var wait = new Option<int>("--wait")
        {
            Description = "When another import (or dry run) holds the database, wait up to this many seconds for it. " +
                          $"Default 0: refuse at once with exit code {ExitCodes.Busy}, naming who holds it and since when.",
            DefaultValueFactory = _ => 0,
        };
        wait.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--wait must be 0 or more seconds.");
        });
        var safetyCopy = new Option<bool>("--safety-copy")
        {
            Description = "Keep every row the import adds or changes with its history entry, so that `backup undo RUN` can undo it (the pages always keep one).",
        };
        var identity = IdentityOption();
        var passphraseFile = PassphraseFileOption();
        var json = JsonOption();
        var command = new Command("import", "Import a backup: rows matched by natural keys, all in one transaction.")
        {
            file, connection, mode, dryRun, tables, exclude, withDependencies, continueOnError, conflicts, onConflict, resolutions, applyDeletes,
            wait, safetyCopy, identity, passphraseFile, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            await using var context = CliContext.Create();
            var cs = ResolveConnection(context, parse.GetValue(connection), io);
            if (cs is null) return ExitCodes.BadArguments;
            var path = parse.GetRequiredValue(file);
            var (keys, keyError) = ReadKeys(parse, identity, passphraseFile);
            if (keyError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, keyError, "Give a readable age identity file or passphrase file.");
            IReadOnlyList<ConflictResolution>? decisions = null;
            if (parse.GetValue(resolutions) is { } resolutionsFile)
            {
                string text;
                try { text = await File.ReadAllTextAsync(resolutionsFile, ct); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return await RefuseAsync(io, IssueCode.BadResolutions, $"Cannot read {resolutionsFile}: {e.Message}", "Give a readable JSON file.");
                }
                var (parsed, problem) = ConflictResolutions.Parse(text);
                if (problem is not null)
                    return await RefuseAsync(io, IssueCode.BadResolutions, $"{resolutionsFile} cannot be used: {problem}.",
                        "Start from the conflicts of a dry run (--dry-run --json) and add \"take\" to each.");
                decisions = parsed;
            }
            var options = new ImportOptions(
                ImportModeNames.Parse(parse.GetRequiredValue(mode)),
                parse.GetValue(dryRun), NullIfEmpty(parse.GetValue(tables)), NullIfEmpty(parse.GetValue(exclude)),
                parse.GetValue(withDependencies), parse.GetValue(continueOnError),
                parse.GetValue(conflicts) == "row" ? ConflictStrictness.Row : ConflictStrictness.Cell,
                parse.GetValue(onConflict) switch { "keep-target" => ConflictPolicy.KeepTarget, "take-backup" => ConflictPolicy.TakeBackup, _ => ConflictPolicy.Fail },
                decisions, parse.GetValue(applyDeletes));
            await using var services = context.OperationServices(cs);
            var request = new ImportRequest(path, options, Wait: TimeSpan.FromSeconds(parse.GetValue(wait)))
            {
                Keys = keys,
                OnWaiting = holder => io.Err.WriteLine($"Waiting for another import into this database, {holder.Describe()} …"),
                KeepJournal = parse.GetValue(safetyCopy),
            };
            ImportOperationResult done;
            try
            {
                using var bar = io.ProgressBar();
                done = await services.GetRequiredService<BackupOperations>().ImportAsync(request, Actor.CommandLine(), bar, ct);
            }
            catch (NpgsqlException e)
            {
                return await io.FailAsync($"Could not reach the database: {e.Message}");
            }
            await NoteHistoryErrorAsync(io, done.HistoryError);
            var result = done.Result;
            if (io.Json)
            {
                // The run's number too: what `backup undo` takes.
                var node = System.Text.Json.Nodes.JsonNode.Parse(ResultJson.Import(result))!.AsObject();
                node["runId"] = done.RunId;
                await io.WriteJsonAsync(node.ToJsonString(ResultJson.Options));
            }
            else
            {
                await WriteImportAsync(io, result, done.IsBusy);
                if (done.RunId is { } runId)
                    await io.Out.WriteLineAsync($"History: run {runId}" +
                                                (request.KeepJournal && !options.DryRun && result.Succeeded ? $" (undo it with: backup undo {runId})" : ""));
            }
            if (done.IsBusy) return ExitCodes.Busy;
            // A dry run that finds conflicts nothing decides says so the way the merge itself would.
            if (result.Outcome == ImportOutcome.Conflicts || (result.Outcome == ImportOutcome.DryRun && result.Conflicts.Any(c => c.Taken is null)))
                return ExitCodes.Conflicts;
            return result.Outcome switch
            {
                ImportOutcome.Applied => ExitCodes.Ok,
                ImportOutcome.DryRun => result.Errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed,
                ImportOutcome.AppliedWithSkips => AppliedWithSkips,
                ImportOutcome.Refused => ExitCodes.BadArguments,
                _ => ExitCodes.Failed,
            };
        });
        return command;
    }

    private static Command Verify()
    {
        var file = new Argument<string>("FILE") { Description = "The backup to check." };
        var identity = IdentityOption();
        var passphraseFile = PassphraseFileOption();
        var json = JsonOption();
        var command = new Command("verify", "Check a backup's format, manifest and checksums (both formats).") { file, identity, passphraseFile, json };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            var (keys, keyError) = ReadKeys(parse, identity, passphraseFile);
            if (keyError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, keyError, "Give a readable age identity file or passphrase file.");
            var v = await BackupFiles.VerifyAsync(parse.GetRequiredValue(file), ct, keys);
            if (io.Json)
                await io.WriteJsonAsync(JsonSerializer.Serialize(new
                {
                    valid = v.IsValid, format = (int?)v.Format,
                    tables = v.Summary?.Tables.ToDictionary(t => t.Table, t => t.Rows),
                    errors = v.Issues.Where(i => i.Severity == IssueSeverity.Error).Select(ResultJson.Issue),
                    warnings = v.Issues.Where(i => i.Severity == IssueSeverity.Warning).Select(ResultJson.Issue),
                }, ResultJson.Options));
            else if (v.IsValid)
                await io.Out.WriteLineAsync($"OK: format {(int)v.Format!}, {v.Summary!.Tables.Count} tables, {v.Summary.Tables.Sum(t => t.Rows):N0} rows, checksums match.");
            else
                await io.WriteIssuesAsync("Invalid", v.Issues);
            return v.IsValid ? ExitCodes.Ok : ExitCodes.BadArguments;
        });
        return command;
    }

    private static Command Inspect()
    {
        var file = new Argument<string>("FILE") { Description = "The backup to describe." };
        var identity = IdentityOption();
        var passphraseFile = PassphraseFileOption();
        var json = JsonOption();
        var command = new Command("inspect", "Show a backup's manifest, tables and row counts.") { file, identity, passphraseFile, json };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            var (keys, keyError) = ReadKeys(parse, identity, passphraseFile);
            if (keyError is not null) return await RefuseAsync(io, IssueCode.KeyRequired, keyError, "Give a readable age identity file or passphrase file.");
            var v = await BackupFiles.VerifyAsync(parse.GetRequiredValue(file), ct, keys);
            if (v.Summary is null)
            {
                if (io.Json) await io.WriteJsonAsync(JsonSerializer.Serialize(new { valid = false, errors = v.Issues.Select(ResultJson.Issue) }, ResultJson.Options));
                else await io.WriteIssuesAsync("Invalid", v.Issues);
                return ExitCodes.BadArguments;
            }
            var s = v.Summary;
            if (io.Json)
            {
                await io.WriteJsonAsync(JsonSerializer.Serialize(new
                {
                    valid = v.IsValid, format = (int)s.Format, createdAt = s.CreatedAt, sourceDatabase = s.SourceDatabase,
                    schemaFingerprint = s.SchemaFingerprint, description = s.Description, manifest = v.Manifest,
                    differential = ResultJson.Differential(v.Manifest?.Differential),
                    scrub = ResultJson.Scrub(s.Scrub),
                    tables = s.Tables.ToDictionary(t => t.Table, t => new { rows = t.Rows, hasSourceIds = t.HasSourceIds }),
                    errors = v.Issues.Select(ResultJson.Issue),
                }, ResultJson.Options));
            }
            else
            {
                await io.Out.WriteLineAsync($"Format:    {(int)s.Format} ({(s.Format == BackupFormat.Crearis ? "Crearis Backup Admin" : "original crearis-vue exporter")})");
                await io.Out.WriteLineAsync($"Created:   {s.CreatedAt:u}");
                await io.Out.WriteLineAsync($"Source:    {s.SourceDatabase}");
                if (s.Description is not null) await io.Out.WriteLineAsync($"Note:      {s.Description}");
                await io.Out.WriteLineAsync($"Verified:  {(v.IsValid ? "yes" : "NO")}");
                if (s.Scrub is { Derived: true } derived)
                    await io.Out.WriteLineAsync($"Scrubbed:  derived (exported from a database that imported a scrubbed copy, key fingerprint {derived.KeyFingerprint}); production refuses it");
                else if (s.Scrub is { } scrubbed)
                    await io.Out.WriteLineAsync($"Scrubbed:  yes, key fingerprint {scrubbed.KeyFingerprint} ({string.Join(", ", scrubbed.Columns.Select(c => $"{c.Key} {c.Value}"))}); production refuses it");
                if (s.DifferentialBase is { } diffBase)
                    await io.Out.WriteLineAsync($"Base:      differential against {diffBase} ({s.Tombstones?.Values.Sum() ?? 0:N0} tombstones)");
                if (v.Manifest?.Filter is { } filtered) await WriteFilterAsync(io, filtered);
                foreach (var t in s.Tables)
                    await io.Out.WriteLineAsync($"  {t.Table,-20} {t.Rows,12:N0}{(t.HasSourceIds ? "" : "   (no ids in file)")}" +
                                                (s.Tombstones?.GetValueOrDefault(t.Table) is > 0 and var deleted ? $"   ({deleted:N0} deleted)" : ""));
                if (!v.IsValid) await io.WriteIssuesAsync("Problem", v.Issues);
            }
            return v.IsValid ? ExitCodes.Ok : ExitCodes.BadArguments;
        });
        return command;
    }

    private static Command Instance()
    {
        var connection = ConnectionOption();
        var mark = new Option<string?>("--mark")
        {
            Description = "Mark this database's instance: production (refuses scrubbed copies) or development.",
        };
        mark.AcceptOnlyFromAmong("production", "development");
        var json = JsonOption();
        var command = new Command("instance", "Show this database's instance id and its production/development mark, or set the mark.")
        {
            connection, mark, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            await using var context = CliContext.Create();
            var cs = ResolveConnection(context, parse.GetValue(connection), io);
            if (cs is null) return ExitCodes.BadArguments;
            await using var services = context.OperationServices(cs);
            var operations = services.GetRequiredService<BackupOperations>();
            InstanceInfo info;
            try
            {
                info = InstanceMarks.Parse(parse.GetValue(mark)) is { } set
                    ? await operations.MarkInstanceAsync(set, Actor.CommandLine(), ct)
                    : await operations.InstanceAsync(ct);
            }
            catch (NpgsqlException e)
            {
                return await io.FailAsync($"Could not reach the database: {e.Message}");
            }
            if (io.Json)
                await io.WriteJsonAsync(JsonSerializer.Serialize(new { instance = info.Id, database = info.Database, mark = info.Mark?.Wire() }, ResultJson.Options));
            else
            {
                await io.Out.WriteLineAsync($"Instance:  {info.Id} (database {info.Database})");
                await io.Out.WriteLineAsync($"Mark:      {info.Mark?.Wire() ?? "none (mark it with --mark production|development)"}" +
                                            (info.Mark == InstanceMark.Production ? " — scrubbed copies are refused here" : ""));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Undo()
    {
        var run = new Argument<long>("RUN") { Description = "The import's number in the history (the pages' /history/RUN, --json's runId)." };
        var connection = ConnectionOption();
        var json = JsonOption();
        var command = new Command("undo", "Undo an import kept with its safety copy: remove the rows it added, put back the fields it changed — " +
                                          "refused, naming the rows, if any changed since.") { run, connection, json };
        command.SetAction(async (parse, ct) =>
        {
            var io = new CliIo(parse, parse.GetValue(json));
            await using var context = CliContext.Create();
            var cs = ResolveConnection(context, parse.GetValue(connection), io);
            if (cs is null) return ExitCodes.BadArguments;
            await using var services = context.OperationServices(cs);
            UndoResult result;
            try
            {
                result = await services.GetRequiredService<BackupOperations>().UndoAsync(parse.GetValue(run), Actor.CommandLine(), ct);
            }
            catch (NpgsqlException e)
            {
                return await io.FailAsync($"Could not reach the database: {e.Message}");
            }
            if (io.Json)
                await io.WriteJsonAsync(JsonSerializer.Serialize(new
                {
                    outcome = result.Outcome.ToString(),
                    tables = result.Tables.ToDictionary(t => t.Key, t => new { removed = t.Value.Removed, restored = t.Value.Restored }),
                    errors = result.Errors,
                }, ResultJson.Options));
            else if (result.Succeeded)
            {
                await io.Out.WriteLineAsync($"Undone: {result.Tables.Values.Sum(t => t.Removed):N0} rows removed, {result.Tables.Values.Sum(t => t.Restored):N0} rows put back.");
                foreach (var (table, counts) in result.Tables.Where(t => t.Value.Removed + t.Value.Restored > 0))
                    await io.Out.WriteLineAsync($"  {table,-20} {counts.Removed,10:N0} removed {counts.Restored,10:N0} put back");
            }
            else await io.WriteIssuesAsync("Error", result.Errors);
            return result.Succeeded ? ExitCodes.Ok
                : result.Errors.Any(e => e.Code == IssueCode.ImportRunning) ? ExitCodes.Busy : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task WriteImportAsync(CliIo io, ImportResult result, bool busy)
    {
        var verb = busy ? "Refused: the database is busy (nothing written)" : result.Outcome switch
        {
            ImportOutcome.Applied => "Applied",
            ImportOutcome.AppliedWithSkips => "Applied, with rows skipped",
            ImportOutcome.DryRun => "Dry run (rolled back, nothing changed)",
            ImportOutcome.Refused => "Refused (nothing written)",
            ImportOutcome.Conflicts => "Stopped on conflicts (nothing written)",
            _ => "FAILED and rolled back (nothing written)",
        };
        var format = result.Format is { } f ? $", format {(int)f}" : "";
        await io.Out.WriteLineAsync($"{verb}: {result.Mode.ToName()}{format}, {result.Duration.TotalSeconds:F1}s");
        if (result.StoppedAt is { } stop)
            await io.Out.WriteLineAsync($"  Stopped at {stop.Table ?? "the end"} ({stop.Phase.Wire()}); not reached: {(result.NotReached.Count == 0 ? "none" : string.Join(", ", result.NotReached))}");
        if (result.Tables.Count > 0)
        {
            await io.Out.WriteLineAsync($"  {"table",-20} {"total",9} {"inserted",9} {"updated",9} {"unchanged",9} {"skipped",9}");
            foreach (var (name, c) in result.Tables)
                await io.Out.WriteLineAsync($"  {name,-20} {c.Total,9} {c.Inserted,9} {c.Updated,9} {c.Unchanged,9} {c.Skipped,9}" +
                                            (c.MissingFromBackup > 0 ? $"   ({c.MissingFromBackup} in the database but not in the backup)" : ""));
        }
        if (result.MergeBase is { } b)
            await io.Out.WriteLineAsync($"  Merge base: the backup of {b.BackupCreatedAt:u} this database {(b.Direction == ExchangeDirection.Imported ? "imported from" : "exported to")} the other instance");
        if (result.Conflicts.Count > 0)
        {
            var undecided = result.Conflicts.Count(c => c.Taken is null);
            await io.Out.WriteLineAsync($"  Conflicts: {result.Tables.Values.Sum(t => t.Conflicts)} ({undecided} undecided" +
                                        (undecided > 0 ? "; decide them with --resolutions FILE or --on-conflict keep-target|take-backup)" : ")"));
            foreach (var c in result.Conflicts.Take(50))
                await io.Out.WriteLineAsync($"    {c.Table} {TerminalText.Clean(c.Key)}{(c.Column is null ? "" : " " + c.Column)}: {KindName(c.Kind)}" +
                                            (c.Column is null ? "" : $"; base {Shown(c.Base)}, here {Shown(c.Target)}, backup {Shown(c.Backup)}") +
                                            (c.Taken is { } taken ? $" → {taken.ToString().ToLowerInvariant()}" : ""));
            if (result.Conflicts.Count > 50) await io.Out.WriteLineAsync($"    … {result.Conflicts.Count - 50} more (--json lists them all)");
        }
        foreach (var (name, c) in result.Tables.Where(t => t.Value.DeletedThere > 0 || t.Value.DeletedHere > 0))
            await io.Out.WriteLineAsync($"  {name}: {c.DeletedThere} deleted in the backup's instance since the base" +
                                        (c.Deleted > 0 ? $", {c.Deleted} deleted here" : c.DeletedThere > 0 ? " (kept; --apply-deletes deletes them)" : "") +
                                        (c.DeletedHere > 0 ? $"; {c.DeletedHere} deleted here stay deleted" : ""));
        await io.WriteIssuesAsync("Error", result.Errors);
        await io.WriteIssuesAsync("Warning", result.Warnings);
    }

    private static string KindName(ConflictKind kind) => kind switch
    {
        ConflictKind.ChangedHereDeletedThere => "changed here, deleted there",
        ConflictKind.DeletedHereChangedThere => "deleted here, changed there",
        _ => "changed on both sides",
    };

    private static string Shown(string? value) =>
        value is null ? "NULL" : "\"" + TerminalText.Clean(value.Length > 60 ? value[..60] + "…" : value) + "\"";

    private static string? ResolveConnection(CliContext context, string? option, CliIo io)
    {
        var cs = string.IsNullOrWhiteSpace(option) ? context.Configuration.GetConnectionString(Hosting.AppConfiguration.CrearisConnection) : option;
        if (string.IsNullOrWhiteSpace(cs))
        {
            io.Err.WriteLine("No database given: pass --connection \"Host=…;Database=…;Username=…;Password=…\" or set ConnectionStrings:Crearis.");
            return null;
        }
        return cs;
    }

    /// <summary>The run itself is done; a history that cannot be written must not turn it into a failure.</summary>
    private static async Task NoteHistoryErrorAsync(CliIo io, string? error)
    {
        if (error is not null) await io.Err.WriteLineAsync($"Note: the run could not be recorded in the history ({error}).");
    }

    private static IReadOnlyList<string>? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>What --encrypt writes to: recipients, or (alone, as age requires) a passphrase; null without --encrypt.</summary>
    private static (BackupEncryption? Encryption, string? Error) ReadEncryption(ParseResult parse, Option<bool> encrypt,
        Option<string[]> recipient, Option<string?> recipientsFile, Option<string?> passphraseFile, bool opensBase = false)
    {
        var texts = parse.GetValue(recipient) ?? [];
        var file = parse.GetValue(recipientsFile);
        var passphrasePath = parse.GetValue(passphraseFile);
        if (!parse.GetValue(encrypt))
            // A passphrase may open the files read (a differential's base, combine's inputs) without encrypting the output.
            return texts.Length > 0 || file is not null || (passphrasePath is not null && !opensBase)
                ? (null, "--recipient, --recipients-file and --passphrase-file take effect with --encrypt; add it.") : (null, null);
        var recipients = new List<AgeRecipient>();
        foreach (var text in texts)
        {
            if (AgeRecipient.Parse(text) is not { } parsed) return (null, $"\"{text}\" is not an age recipient (age1…).");
            recipients.Add(parsed);
        }
        if (file is not null)
        {
            var (read, error) = AgeKeyFiles.ReadRecipients(file);
            if (error is not null) return (null, error);
            recipients.AddRange(read);
        }
        if (recipients.Count > 0)
            return passphrasePath is null ? (new BackupEncryption(recipients), null)
                : (null, "age encrypts to recipients or to a passphrase, not both: drop --passphrase-file or the recipients.");
        var (passphrase, passphraseError) = ReadPassphrase(passphrasePath);
        if (passphraseError is not null) return (null, passphraseError);
        return passphrase is null
            ? (null, $"--encrypt needs --recipient, --recipients-file, --passphrase-file or {PassphraseVariable}.")
            : (new BackupEncryption([], passphrase), null);
    }
}

/// <summary>Where a command writes: text or JSON on stdout, messages and the progress bar on stderr.</summary>
internal sealed class CliIo(ParseResult parse, bool json)
{
    public bool Json { get; } = json;
    public TextWriter Out { get; } = parse.InvocationConfiguration.Output;
    public TextWriter Err { get; } = parse.InvocationConfiguration.Error;

    public async Task<int> FailAsync(string message)
    {
        if (Json) await WriteJsonAsync(JsonSerializer.Serialize(new { outcome = "Failed", errors = new[] { new { code = IssueCode.DatabaseUnreachable.Wire, message } } }, ResultJson.Options));
        else await Err.WriteLineAsync(message);
        return ExitCodes.Failed;
    }

    /// <summary>A JSON document on stdout, line by line (see <see cref="TerminalText"/>: a line ends only where we end it).</summary>
    public Task WriteJsonAsync(string json) =>
        Out is TerminalText terminal ? terminal.WriteLinesAsync(json) : Out.WriteLineAsync(json);

    public async Task WriteIssuesAsync(string label, IReadOnlyList<BackupIssue> issues)
    {
        foreach (var i in issues)
        {
            var where = string.Join(" ", new[] { i.Table, i.Key is null ? null : $"[{i.Key}]", i.Column is null ? null : $"column {i.Column}", i.Constraint is null ? null : $"constraint {i.Constraint}" }.Where(x => x is not null));
            await Err.WriteLineAsync($"{label} {i.Code}{(where.Length > 0 ? " " + where : "")}: {i.Message}");
            if (i.Suggestion is not null) await Err.WriteLineAsync($"    → {i.Suggestion}");
        }
    }

    /// <summary>A one-line progress bar on an interactive terminal, at most ten redraws a second; nothing otherwise.</summary>
    public ProgressBar ProgressBar() =>
        new(Json || Console.IsErrorRedirected || Err is not TerminalText { Inner: var inner } || !ReferenceEquals(inner, Console.Error)
            ? null : (TerminalText)Err);
}

internal sealed class ProgressBar(TerminalText? terminal) : IProgress<BackupProgress>, IDisposable
{
    private long _lastDraw;
    private bool _drawn;

    public void Report(BackupProgress value)
    {
        if (terminal is null) return;
        var now = Environment.TickCount64;
        if (now - _lastDraw < 100 && value.OverallDone < value.OverallTotal) return;
        _lastDraw = now;
        var fraction = value.OverallTotal > 0 ? Math.Min(1, (double)value.OverallDone / value.OverallTotal) : 0;
        var filled = (int)(fraction * 30);
        var eta = value.Remaining is { } r ? $" ~{r:mm\\:ss} left" : "";
        terminal.Redraw($"[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} {value.Phase.Wire()} {value.Table} {value.RowsPerSecond,8:N0} rows/s{eta}   ");
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn) terminal?.WriteLine();
    }
}
