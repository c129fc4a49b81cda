using Bunit;
using Crearis.Admin.Components.Pages.Conflicts;
using Crearis.Admin.Components.Pages.History;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Tests.Components;

/// <summary>What the pages show of conflicts: the word and key diffs, the preview's counts and link, a run's decisions.</summary>
public sealed class ConflictViewsTests : ComponentTestContext
{
    [Fact]
    public void The_word_diff_marks_only_the_words_that_changed()
    {
        var diff = TextDiff.Words("The summer concert in the old hall", "The autumn concert in the new hall");

        diff.Where(s => s.Part == DiffPart.Removed).Select(s => s.Text).Should().Equal("summer", "old");
        diff.Where(s => s.Part == DiffPart.Added).Select(s => s.Text).Should().Equal("autumn", "new");
        string.Concat(diff.Where(s => s.Part != DiffPart.Removed).Select(s => s.Text)).Should().Be("The autumn concert in the new hall");
        string.Concat(diff.Where(s => s.Part != DiffPart.Added).Select(s => s.Text)).Should().Be("The summer concert in the old hall");
        TextDiff.Words("same", "same").Should().ContainSingle().Which.Part.Should().Be(DiffPart.Same);
    }

    [Fact]
    public void A_value_rewritten_almost_whole_is_shown_as_replaced_not_as_scattered_words()
    {
        TextDiff.Display("Gastspiel in Budweis: ein Soldatenleben", "Herbstkonzert im alten Saal am Samstag um acht")
            .Should().Equal(new DiffSegment(DiffPart.Added, "Herbstkonzert im alten Saal am Samstag um acht"));
        TextDiff.Display("Lena Huber", "ada-from-b").Should().Equal(new DiffSegment(DiffPart.Added, "ada-from-b"));
        TextDiff.Display("Doors open at seven", "Doors open at eight").Select(s => s.Part)
            .Should().Equal(DiffPart.Same, DiffPart.Removed, DiffPart.Added);
    }

    [Fact]
    public void A_json_object_is_compared_key_by_key()
    {
        var keys = TextDiff.JsonKeys("""{"color": "red", "size": 2, "old": true}""", """{"color": "red", "size": 3, "new": null}""")!;

        keys.Select(k => (k.Key, k.Changed)).Should().Equal(("color", false), ("size", true), ("new", true), ("old", true));
        keys.Single(k => k.Key == "old").To.Should().BeNull();
        TextDiff.JsonKeys("not json", "{}").Should().BeNull();

        var view = Render<DiffValue>(p => p.Add(c => c.Value, """{"color": "red", "size": 3}""").Add(c => c.From, """{"color": "red", "size": 2}"""));
        view.FindAll("[data-diff=changed]").Select(e => e.TextContent.Trim()).Should().Equal("size: 3");
        view.FindAll("[data-diff=same]").Should().ContainSingle();
    }

    [Fact]
    public void A_long_text_shows_its_changed_words_highlighted()
    {
        var view = Render<DiffValue>(p => p.Add(c => c.Value, "Doors open at eight, tickets at the box office").Add(c => c.From, "Doors open at seven, tickets at the box office"));

        view.FindAll("mark.crearis-diff-add").Select(e => e.TextContent).Should().Equal("eight");
        view.FindAll("del.crearis-diff-del").Select(e => e.TextContent).Should().Equal("seven");
    }

    private static ImportResult DryRun(params MergeConflict[] conflicts) =>
        new(ImportOutcome.DryRun, ImportMode.Merge, true, BackupFormat.Crearis, TimeSpan.FromSeconds(1),
            new Dictionary<string, TableCounts>
            {
                ["users"] = new() { Total = 10, Updated = 2, Unchanged = 8, Conflicts = conflicts.Count(c => c.Table == "users") },
                ["events"] = new() { Total = 4, Unchanged = 4, Conflicts = conflicts.Count(c => c.Table == "events") },
            }, [], [], new Dictionary<string, IReadOnlyList<string>>()) { Conflicts = conflicts };

    [Fact]
    public void The_preview_counts_conflicts_per_table_and_links_to_deciding_them()
    {
        var result = DryRun(
            new MergeConflict("users", "a@x.test", "username", ConflictKind.BothChanged, "a", "b", "c"),
            new MergeConflict("users", "b@x.test", "username", ConflictKind.BothChanged, "a", "b", "c"),
            new MergeConflict("events", "ev", "name", ConflictKind.BothChanged, "a", "b", "c"));

        var view = Render<ImportResultView>(p => p.Add(c => c.Result, result).Add(c => c.Backup, "crearis y.tar.gz"));

        view.Find("[data-cell=users-conflicts]").TextContent.Should().Be("2");
        view.Find("[data-cell=events-conflicts]").TextContent.Should().Be("1");
        view.Markup.Should().Contain(">Conflicts</th>");
        var link = view.Find("[data-testid=decide-conflicts]");
        link.TextContent.Should().Contain("3 conflicts — decide them");
        link.GetAttribute("href").Should().Be("conflicts?backup=crearis%20y.tar.gz");
    }

    [Fact]
    public void A_preview_without_conflicts_has_no_conflicts_column_and_a_stopped_merge_says_so_in_plain_words()
    {
        var clean = Render<ImportResultView>(p => p.Add(c => c.Result, DryRun()).Add(c => c.Backup, "y.tar.gz"));
        clean.FindAll("[data-cell=users-conflicts]").Should().BeEmpty();
        clean.FindAll("[data-testid=decide-conflicts]").Should().BeEmpty();

        var stopped = DryRun(new MergeConflict("users", "a@x.test", "username", ConflictKind.BothChanged, "a", "b", "c")) with
        {
            Outcome = ImportOutcome.Conflicts, DryRun = false,
        };
        var view = Render<ImportResultView>(p => p.Add(c => c.Result, stopped).Add(c => c.Backup, "y.tar.gz"));
        view.Find("[data-testid=stopped-on-conflicts]").TextContent.Should().Contain("Stopped on conflicts — nothing written");
        view.Find("[data-testid=decide-conflicts]").TextContent.Should().Contain("1 conflict — decide them");
        RunWords.Outcome("Conflicts").Should().Be("Stopped on conflicts — nothing written");
        RunWords.Outcome("Applied").Should().Be("Applied");
    }

    [Fact]
    public void A_runs_decisions_list_what_was_taken_and_the_value_that_lost()
    {
        var view = Render<RunConflicts>(p => p.Add(c => c.Conflicts, new[]
        {
            new MergeConflict("users", "a@x.test", "username", ConflictKind.BothChanged, "a", "here", "there") { Taken = ConflictTake.Backup },
            new MergeConflict("events", "ev", "name", ConflictKind.BothChanged, "a", "Titel hier", "Titel dort") { Taken = ConflictTake.Value, Value = "\"Mein Titel\"" },
            new MergeConflict("tags", "t", null, ConflictKind.ChangedHereDeletedThere, null, null, null) { Taken = ConflictTake.Target },
        }));

        view.Markup.Should().Contain("Decisions (3)");
        view.FindAll("[data-testid=taken]").Select(e => e.TextContent.Trim()).Should().Equal("Backup", "value Mein Titel", "Keep the row here");
        view.Find(".crearis-before").TextContent.Should().Be("here", "the value that lost is kept and marked");
    }
}
