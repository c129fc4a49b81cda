using System.Text.Json;
using Bunit;
using Crearis.Admin.Components.Pages.Audit;
using Crearis.Admin.Components.Pages.History;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Components.Shared;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Results;
using MudBlazor;

namespace Crearis.Admin.Tests.Components;

/// <summary>The history and the audit trail store names made for scripts; the pages say them in words.</summary>
public sealed class RunWordsTests : ComponentTestContext
{
    [Theory]
    [InlineData("AppliedWithSkips", "Applied with skipped rows")]
    [InlineData("DryRun", "Dry run — nothing written")]
    [InlineData("Conflicts", "Stopped on conflicts — nothing written")]
    [InlineData("Refused", "Refused — nothing written")]
    [InlineData("Applied", "Applied")]
    [InlineData("Succeeded", "Succeeded")]
    public void A_runs_outcome_reads_in_words(string stored, string words) => RunWords.Outcome(stored).Should().Be(words);

    [Fact]
    public void Every_outcome_the_history_filter_offers_reads_without_a_code_name()
    {
        RunWords.Outcomes.Select(RunWords.Outcome).Should().NotContain(w => w.Contains("DryRun") || w.Contains("WithSkips"));
    }

    [Fact]
    public void A_mode_reads_as_the_import_pages_buttons_say_it()
    {
        RunWords.Mode("new-only").Should().Be("Import New Only");
        RunWords.Mode("merge").Should().Be("Merge Changes");
        RunWords.Mode(null).Should().BeEmpty();
    }

    [Fact]
    public void The_counts_of_a_table_are_headed_in_words()
    {
        RunWords.Column("missingFromBackup", dryRun: false).Should().Be("Only in database");
        RunWords.Column("inserted", dryRun: true).Should().Be("Would insert");
        RunWords.Column("deletedThere", dryRun: false).Should().Be("Deleted there");
        RunWords.Column("total", dryRun: false).Should().Be("Rows");
    }

    [Fact]
    public void A_runs_rows_are_counted_in_words()
    {
        var run = new BackupRun { Kind = JobKind.Import, TotalRows = 376, Inserted = 12, Updated = 3, Skipped = 1 };
        RunWords.Rows(run).Should().Be("376 rows · 12 inserted · 3 updated · 1 skipped");
        RunWords.Rows(new BackupRun { Kind = JobKind.Export, TotalRows = 5 }).Should().Be("5 rows");
    }

    [Fact]
    public void The_options_of_a_run_read_as_a_list_of_phrases_not_json()
    {
        var options = RunWords.Options("""
            { "tables": ["users", "projects"], "withDependencies": true, "continueOnError": false, "dryRun": true,
              "conflicts": "cell", "onConflict": "fail", "applyDeletes": true }
            """, JobKind.DryRun);

        options.Should().Equal(
            "Only the tables users, projects",
            "With the tables the chosen ones depend on",
            "Stops at the first row that fails",
            "A conflict is the same field changed on both sides",
            "Undecided conflicts stop the merge",
            "Rows the backup's instance deleted are deleted here too");
        RunWords.Options("""{ "description": "before the update" }""", JobKind.Export).Should().Equal("All tables", "Description: before the update");
    }

    [Fact]
    public void A_stored_error_reads_as_the_import_page_shows_it_with_what_to_do()
    {
        using var doc = JsonDocument.Parse("""
            { "errors": [ { "code": "NOT_A_BACKUP", "message": "broken.tar.gz is not a backup.", "suggestion": "Choose a .tar.gz backup file.", "phase": "stage" } ] }
            """);
        var issues = RunWords.Issues(doc.RootElement, "errors", IssueSeverity.Error);

        var view = Render<IssueList>(p => p.Add(c => c.Title, "Errors").Add(c => c.Issues, issues).Add(c => c.Severity, Severity.Error));

        view.Find("[data-testid=issue]").TextContent.Should().Contain("The file is not a backup").And.Contain("broken.tar.gz is not a backup.");
        view.Find("[data-testid=issue-where]").TextContent.Should().Be("while reading the backup");
        view.Find("[data-testid=issue-what-to-do]").TextContent.Should().Contain("Choose a .tar.gz backup file.");
        view.Markup.Should().NotContain(">NOT_A_BACKUP<", "the code stays out of the reading line");
    }

    [Fact]
    public void Every_audit_action_and_outcome_reads_in_words()
    {
        foreach (var action in AuditActions.Vocabulary.Members)
            action.Label().Should().NotBe(action.ToName()).And.MatchRegex("^[A-Z]", $"{action.ToName()} reads in words");
        AuditWords.Outcome("wrong-credentials").Should().Be("Wrong e-mail or password");
        AuditWords.Outcome("AppliedWithSkips").Should().Be("Applied with skipped rows");
    }

    [Fact]
    public void A_time_is_written_in_utc_and_says_so()
    {
        var at = new DateTimeOffset(2026, 12, 2, 16, 52, 7, TimeSpan.FromHours(1));
        Times.Minute(at).Should().Be("2026-12-02 15:52 UTC");
        Times.Second(at).Should().Be("2026-12-02 15:52:07 UTC");
        Times.Duration(1_792).Should().Be("1.8 s");
        Times.Duration(65_000).Should().Be("1 min 05 s");
    }
}
