using System.Security.Claims;
using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// The conflict decisions of the web app, in the real app over a real admin database: the conflicts come from the
/// latest merge dry run in the history, decisions are stored per field or in bulk, every admin sees them, only admins
/// make them (audited), and the merge gets exactly the resolutions they say.
/// </summary>
public sealed class ConflictDecisionsTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string File = "crearis_y.tar.gz";
    private const string Admin = CrearisAppFactory.AdminEmail;
    private const string SecondAdmin = "second-admin@crearis.test";
    private const string Viewer = "viewer@crearis.test";
    private CrearisAppFactory _app = null!;

    private static readonly MergeConflict[] Found =
    [
        new("users", "ada@crearis.test", "username", ConflictKind.BothChanged, "ada", "ada-here", "ada-there"),
        new("users", "bob@crearis.test", "username", ConflictKind.BothChanged, "bob", "bob-here", "bob-there"),
        new("users", "ada@crearis.test", "extmail", ConflictKind.BothChanged, null, "a@here.test", "a@there.test"),
        new("events", "theater.ev1", "config", ConflictKind.BothChanged, """{"a": 1}""", """{"a": 2}""", """{"a": 3}"""),
        new("tags", "tag-shared", null, ConflictKind.ChangedHereDeletedThere, null, null, null),
    ];

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _app = new CrearisAppFactory(database.ConnectionString);
        _ = _app.Services;
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, "Second-Passw0rd!");
        await _app.AddUserAsync(Viewer, Roles.Viewer, "Viewer-Passw0rd!");
        await RecordDryRunAsync(Found, DateTimeOffset.UtcNow.AddMinutes(-5), """{"dryRun":true,"conflicts":"row"}""");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A merge dry run of <see cref="File"/> in the history, as the operation path records it.</summary>
    private async Task<long> RecordDryRunAsync(IReadOnlyList<MergeConflict> conflicts, DateTimeOffset at, string options,
        JobKind kind = JobKind.DryRun, ImportOutcome outcome = ImportOutcome.DryRun)
    {
        var tables = conflicts.GroupBy(c => c.Table).ToDictionary(g => g.Key, g => new TableCounts { Total = 10, Conflicts = g.Count() });
        var result = new ImportResult(outcome, ImportMode.Merge, kind == JobKind.DryRun, BackupFormat.Crearis, TimeSpan.FromSeconds(1),
            tables, [], [], new Dictionary<string, IReadOnlyList<string>>()) { Conflicts = conflicts };
        var contexts = _app.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var run = new BackupRun
        {
            Kind = kind, StartedBy = Admin, StartedAt = at, File = File, Mode = "merge", Options = options, Outcome = outcome.ToString(),
            Result = ResultJson.Import(result),
        };
        db.BackupRuns.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>A scope whose circuit says the given user is signed in with the given role, and its decisions service.</summary>
    private async Task<T> AsAsync<T>(string email, string role, Func<ConflictDecisions, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "Test");
        ((IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>())
            .SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(identity))));
        return await action(scope.ServiceProvider.GetRequiredService<ConflictDecisions>());
    }

    private Task<DecisionResult> DecideAsAdminAsync(params DecisionInput[] decisions) =>
        AsAsync(Admin, Roles.Admin, d => d.DecideAsync(File, decisions));

    private async Task<List<AuditEvent>> AuditAsync(AuditAction action)
    {
        var contexts = _app.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.AuditEvents.Where(a => a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task The_conflicts_come_from_the_latest_merge_dry_run_of_the_file_with_its_strictness()
    {
        var source = await AsAsync(Viewer, Roles.Viewer, d => d.LoadAsync(File));

        source.Should().NotBeNull();
        source!.Conflicts.Should().BeEquivalentTo(Found, o => o.WithStrictOrdering());
        source.Strictness.Should().Be(ConflictStrictness.Row);
        source.Tables.Should().Equal("users", "events", "tags");
        source.CountsPerTable["users"].Should().Be(3);
        source.MergedRunId.Should().BeNull();
    }

    [Fact]
    public async Task A_decision_per_field_is_stored_and_another_admin_sees_and_changes_it()
    {
        (await DecideAsAdminAsync(new DecisionInput("users", "ada@crearis.test", "username", ConflictTake.Backup))).Succeeded.Should().BeTrue();

        var seen = await AsAsync(SecondAdmin, Roles.Admin, d => d.DecisionsAsync(File));
        var decision = seen.Should().ContainSingle().Subject.Value;
        (decision.Table, decision.Key, decision.Column, decision.Take, decision.DecidedBy).Should()
            .Be(("users", "ada@crearis.test", "username", ConflictTake.Backup, Admin));

        var changed = await AsAsync(SecondAdmin, Roles.Admin,
            d => d.DecideAsync(File, [new DecisionInput("users", "ada@crearis.test", "username", ConflictTake.Value, "Ada Lovelace")]));
        changed.Succeeded.Should().BeTrue();

        var now = await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File));
        var again = now.Should().ContainSingle().Subject.Value;
        (again.Take, again.Value, again.DecidedBy).Should().Be((ConflictTake.Value, "Ada Lovelace", SecondAdmin));
        (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT \"Take\" FROM crearis_admin.conflict_decisions")).Should().Be("value");
        var audit = await AuditAsync(AuditAction.ConflictDecide);
        audit.Select(a => (a.User, a.Outcome, a.Target, a.Detail)).Should().Equal(
            (Admin, "succeeded", File, "users ada@crearis.test username: backup"),
            (SecondAdmin, "succeeded", File, "users ada@crearis.test username: value"));
    }

    [Fact]
    public async Task Bulk_per_column_and_per_table_decide_exactly_those_conflicts()
    {
        (await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "users", "username", ConflictTake.Target))).Count.Should().Be(2);
        var afterColumn = await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File));
        afterColumn.Keys.Should().BeEquivalentTo(new[]
        {
            new ConflictKey("users", "ada@crearis.test", "username"), new ConflictKey("users", "bob@crearis.test", "username"),
        });
        afterColumn.Values.Should().OnlyContain(d => d.Take == ConflictTake.Target);

        (await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "users", null, ConflictTake.Backup))).Count.Should().Be(3);
        (await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "tags", null, ConflictTake.Backup))).Count.Should().Be(1);
        var refused = await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "users", "username", ConflictTake.Value));

        refused.Status.Should().Be(DecisionStatus.Invalid);
        var all = await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File));
        all.Should().HaveCount(4, "users' three conflicts and the tags row; the events conflict stays undecided");
        all.Values.Should().OnlyContain(d => d.Take == ConflictTake.Backup);
        all.Should().ContainKey(new ConflictKey("tags", "tag-shared", ""));
        (await AuditAsync(AuditAction.ConflictDecide)).Last().Detail.Should().Be("tags tag-shared: backup");
    }

    [Fact]
    public async Task The_resolutions_are_built_from_the_stored_decisions_and_name_what_is_undecided()
    {
        await DecideAsAdminAsync(
            new DecisionInput("users", "ada@crearis.test", "username", ConflictTake.Value, "Ada \"the first\""),
            new DecisionInput("users", "bob@crearis.test", "username", ConflictTake.Target),
            new DecisionInput("events", "theater.ev1", "config", ConflictTake.Value, """{"a": 4, "b": [1]}"""),
            new DecisionInput("tags", "tag-shared", null, ConflictTake.Backup),
            new DecisionInput("users", "gone@crearis.test", "username", ConflictTake.Backup));
        var source = (await AsAsync(Admin, Roles.Admin, d => d.LoadAsync(File)))!;
        var decisions = await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File));

        var (resolutions, undecided) = ConflictDecisions.BuildResolutions(source.Conflicts, decisions);

        undecided.Should().ContainSingle().Which.Column.Should().Be("extmail");
        resolutions.Select(r => (r.Table, r.Key, r.Column, r.Take, r.Value?.ToString())).Should().Equal(
            ("users", "ada@crearis.test", "username", ConflictTake.Value, "Ada \"the first\""),
            ("users", "bob@crearis.test", "username", ConflictTake.Target, null),
            ("events", "theater.ev1", "config", ConflictTake.Value, """{"a": 4, "b": [1]}"""),
            ("tags", "tag-shared", null, ConflictTake.Backup, null));
        resolutions[0].Value!.Value.ValueKind.Should().Be(JsonValueKind.String);
        resolutions[2].Value!.Value.ValueKind.Should().Be(JsonValueKind.Object, "a jsonb field gets the JSON typed, key by key");
        // What a resolutions file of the command line would say: the engine's own parser reads the same back.
        var file = JsonSerializer.Serialize(resolutions.Select(r => new { table = r.Table, key = r.Key, column = r.Column, take = r.Take, value = r.Value }));
        ConflictResolutions.Parse(file).Resolutions.Should().BeEquivalentTo(resolutions, o => o.Excluding(r => r.Value));
    }

    [Fact]
    public async Task A_viewer_cannot_decide_or_merge_and_nothing_is_stored()
    {
        var decided = await AsAsync(Viewer, Roles.Viewer,
            d => d.DecideAsync(File, [new DecisionInput("users", "ada@crearis.test", "username", ConflictTake.Backup)]));
        // A circuit that still claims Admin, for an account that is not one in the database, is refused too.
        var forged = await AsAsync(Viewer, Roles.Admin, d => d.DecideAllAsync(File, "users", null, ConflictTake.Backup));
        var merge = await AsAsync(Viewer, Roles.Viewer, d => d.MergeAsync(File, applyDeletes: false));

        decided.Status.Should().Be(DecisionStatus.Forbidden);
        forged.Status.Should().Be(DecisionStatus.Forbidden);
        merge.JobId.Should().BeNull();
        (await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File))).Should().BeEmpty();
        (await AuditAsync(AuditAction.ConflictDecide)).Should().OnlyContain(a => a.Outcome == "forbidden").And.HaveCount(2);
        (await AuditAsync(AuditAction.ConflictMerge)).Should().ContainSingle(a => a.Outcome == "forbidden");
    }

    [Fact]
    public async Task The_merge_is_refused_while_a_conflict_is_undecided_and_starts_nothing()
    {
        await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "users", null, ConflictTake.Backup));
        await AsAsync(Admin, Roles.Admin, d => d.DecideAllAsync(File, "tags", null, ConflictTake.Target));

        var merge = await AsAsync(Admin, Roles.Admin, d => d.MergeAsync(File, applyDeletes: false));

        merge.JobId.Should().BeNull();
        merge.Refusal.Should().Contain("1 of 5 conflicts are undecided").And.Contain("events theater.ev1 config").And.Contain("nothing was started");
        (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM crearis_admin.backup_jobs")).Should().Be(0L);
    }

    [Fact]
    public async Task After_an_applied_merge_its_decisions_are_used_up_and_the_page_points_to_it()
    {
        await DecideAsAdminAsync(new DecisionInput("users", "ada@crearis.test", "username", ConflictTake.Backup));
        var merged = await RecordDryRunAsync(Found.Select(c => c with { Taken = ConflictTake.Backup }).ToList(), DateTimeOffset.UtcNow.AddSeconds(1),
            """{"dryRun":false}""", JobKind.Import, ImportOutcome.Applied);

        var source = await AsAsync(Admin, Roles.Admin, d => d.LoadAsync(File));
        var decisions = await AsAsync(Admin, Roles.Admin, d => d.DecisionsAsync(File));

        source!.MergedRunId.Should().Be(merged);
        source.Conflicts.Should().BeEmpty();
        decisions.Should().BeEmpty("the next dry run starts a new round");
    }
}
