using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Backups;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Crearis.Admin.Tests.Components;

/// <summary>
/// The Backups page's export dialog over a real database and backup folder: what the admin picks (a base among this
/// database's exports, projects and users found by a search the database answers, since, scrub) becomes the engine's
/// options; scrub is offered only when the app has a key.
/// </summary>
public sealed class ExportDialogTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    private const string Key = "a scrub key for the export dialog tests, long enough";

    private string _folder = "";
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-export-dialog-").FullName;

    private async Task<string> ServicesAsync(bool scrubKey)
    {
        await database.ResetWithDemoDataAsync(300, seed: 11);
        string? keyFile = null;
        if (scrubKey)
        {
            keyFile = Path.Combine(_scratch, "scrub.key");
            await File.WriteAllTextAsync(keyFile, Key + "\n");
        }
        _folder = AppServices.AddBackupServices(Services, database.ConnectionString,
            storage: keyFile is null ? null : o => o.ScrubKeyFile = keyFile);
        AddAuthorization().SetAuthorized(CrearisAppFactory.AdminEmail).SetRoles(Roles.Admin);
        return _folder;
    }

    /// <summary>Opens the dialog the way the page does; the task ends with what it answers.</summary>
    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<ExportSettings?> Answer)> OpenAsync()
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        Task<ExportSettings?> answer = null!;
        // Not awaited inside: the dialog's task ends only when it closes.
        await provider.InvokeAsync(() => { answer = ExportDialog.ShowAsync(Services.GetRequiredService<IDialogService>()); });
        // The base picker is filled from the folder once the dialog has read it.
        provider.WaitForAssertion(() => provider.FindComponent<MudSelect<string>>().Instance.Disabled.Should().BeFalse());
        return (provider, answer);
    }

    private static string Fingerprint(string key) =>
        Convert.ToHexString(SHA256.HashData([.. Encoding.UTF8.GetBytes("crearis-scrub-key\n"), .. Encoding.UTF8.GetBytes(key)]))[..16].ToLowerInvariant();

    [Fact]
    public async Task Projects_and_users_found_by_search_a_since_and_scrub_become_the_engines_filter_and_scrub_key()
    {
        await ServicesAsync(scrubKey: true);
        var project = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT domaincode FROM projects ORDER BY id DESC LIMIT 1"))!;
        var projectName = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, $"SELECT name FROM projects WHERE domaincode = '{project}'"))!;
        var user = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY id DESC LIMIT 1"))!;

        var (dialog, answer) = await OpenAsync();
        var projects = dialog.FindComponents<MudAutocomplete<ContentChoice>>()[0];
        var users = dialog.FindComponents<MudAutocomplete<ContentChoice>>()[1];
        // What the pickers offer is what the database answers for the text typed.
        var searchProjects = projects.Instance.SearchFunc ?? throw new InvalidOperationException("no project search");
        var searchUsers = users.Instance.SearchFunc ?? throw new InvalidOperationException("no user search");
        var projectHits = (await searchProjects(project, CancellationToken.None)! ?? []).ToList();
        var userHits = (await searchUsers(user, CancellationToken.None)! ?? []).ToList();
        await dialog.InvokeAsync(() => projects.Instance.ValueChanged.InvokeAsync(projectHits.Single(p => p.Key == project)));
        await dialog.InvokeAsync(() => users.Instance.ValueChanged.InvokeAsync(userHits.Single(u => u.Key == user)));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<ExportDialog.SinceMode>>().Instance.ValueChanged.InvokeAsync(ExportDialog.SinceMode.Days));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudNumericField<int>>().Instance.ValueChanged.InvokeAsync(7));
        var scrub = dialog.FindComponent<MudSwitch<bool>>();
        scrub.Instance.Disabled.Should().BeFalse("the app has a scrub key");
        await dialog.InvokeAsync(() => scrub.Instance.ValueChanged.InvokeAsync(true));
        var chips = dialog.FindAll("[data-testid=project-chip]").Select(c => c.TextContent.Trim()).ToList();
        var baseDisabled = dialog.FindComponent<MudSelect<string>>().Instance.Disabled;
        dialog.Find("[data-testid=export-start]").Click();
        var settings = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        chips.Should().Equal(projectName);
        baseDisabled.Should().BeTrue("a filtered or scrubbed export is never a differential");
        var before = DateTimeOffset.UtcNow;
        var (options, issues) = settings!.Resolve(Services.GetRequiredService<BackupStorage>(), before);
        issues.Should().BeEmpty();
        options!.Base.Should().BeNull();
        options.Filter!.Projects.Should().Equal(project);
        options.Filter!.Users.Should().Equal(user);
        options.Filter!.Since!.Text.Should().Be("7d");
        options.Filter!.Since!.At.Should().BeCloseTo(before.AddDays(-7), TimeSpan.FromSeconds(5));
        options.Scrub!.Fingerprint.Should().Be(Fingerprint(Key), "the key is the one in Crearis:Backups:ScrubKeyFile");
        options.Exclude.Should().BeNull("all tables stayed ticked");
    }

    [Fact]
    public async Task A_base_picked_among_this_databases_exports_becomes_its_path_in_the_folder_and_the_export_is_neither_filtered_nor_scrubbed()
    {
        var folder = await ServicesAsync(scrubKey: true);
        var full = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "full.tar.gz"));
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("export_dialog_other");
        try
        {
            await EngineHarness.ExportAsync(other, Path.Combine(folder, "other-database.tar.gz"));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "not-a-backup.tar.gz"), "hello");

        var (dialog, answer) = await OpenAsync();
        var offered = await Services.GetRequiredService<BackupStorage>().BaseCandidatesAsync(database.DatabaseName);
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("full.tar.gz"));
        var searchDisabled = dialog.FindComponents<MudAutocomplete<ContentChoice>>().Select(a => a.Instance.Disabled).ToList();
        var scrubDisabled = dialog.FindComponent<MudSwitch<bool>>().Instance.Disabled;
        dialog.Find("[data-testid=differential-only]");
        dialog.Find("[data-testid=export-start]").Click();
        var settings = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        offered.Select(c => c.Name).Should().Equal(["full.tar.gz"], "only this database's exports can be a base");
        searchDisabled.Should().Equal(true, true);
        scrubDisabled.Should().BeTrue();
        var (options, issues) = settings!.Resolve(Services.GetRequiredService<BackupStorage>(), DateTimeOffset.UtcNow);
        issues.Should().BeEmpty();
        options!.Base.Should().Be(full, "the base is the file of the folder, by name");
        options.BaseKeys.Should().NotBeNull("an encrypted base is opened with the app's identity");
        options.Filter.Should().BeNull();
        options.Scrub.Should().BeNull();
    }

    [Fact]
    public async Task The_project_and_user_search_is_answered_by_the_database_a_limited_number_at_a_time()
    {
        await ServicesAsync(scrubKey: false);
        var userCount = (long)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM users"))!;
        var last = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY sysmail DESC LIMIT 1"))!;
        var underscore = (long)(await EngineHarness.ScalarAsync(database.ConnectionString,
            "SELECT count(*) FROM users WHERE strpos(sysmail, '_') > 0 OR strpos(username, '_') > 0"))!;
        var search = Services.GetRequiredService<ContentSearch>();

        var everyone = await search.UsersAsync("");
        var one = await search.UsersAsync(last.ToUpperInvariant());
        var wildcard = await search.UsersAsync("_");
        var projects = await search.ProjectsAsync("");

        userCount.Should().BeGreaterThan(ContentSearch.Limit, "the demo data has more users than one search answers");
        everyone.Should().HaveCount(ContentSearch.Limit);
        one.Select(u => u.Key).Should().Contain(last, "the last user by sysmail is found by the database, not among the first rows loaded");
        wildcard.Should().HaveCount((int)Math.Min(underscore, ContentSearch.Limit), "a typed _ is a character, not LIKE's wildcard");
        projects.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(ContentSearch.Limit);
    }

    [Fact]
    public async Task A_viewer_finds_no_one_the_names_are_for_admins_who_export()
    {
        await database.ResetWithDemoDataAsync(100, seed: 12);
        AppServices.AddBackupServices(Services, database.ConnectionString);
        AddAuthorization().SetAuthorized("viewer@crearis.test").SetRoles(Roles.Viewer);

        var found = await Services.GetRequiredService<ContentSearch>().UsersAsync("");

        found.Should().BeEmpty();
    }

    [Fact]
    public async Task Scrub_is_disabled_without_a_key_and_says_which_setting_to_set()
    {
        await ServicesAsync(scrubKey: false);

        var (dialog, answer) = await OpenAsync();
        var disabled = dialog.FindComponent<MudSwitch<bool>>().Instance.Disabled;
        var why = dialog.Find("[data-testid=scrub-why]").TextContent;
        dialog.Find("[data-testid=export-start]").Click();
        var settings = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        disabled.Should().BeTrue();
        why.Should().Contain("Crearis:Backups:ScrubKeyFile");
        settings!.Scrub.Should().BeFalse();
        settings.Base.Should().BeNull("no base picked is a full export");
        settings.Projects.Should().BeNull();
        settings.Since.Should().BeNull();
    }

    [Fact]
    public async Task Scrub_is_offered_with_a_key_and_names_the_keys_fingerprint()
    {
        await ServicesAsync(scrubKey: true);

        var (dialog, _) = await OpenAsync();

        dialog.FindComponent<MudSwitch<bool>>().Instance.Disabled.Should().BeFalse();
        dialog.Find("[data-testid=scrub-why]").TextContent.Should().Contain(Fingerprint(Key)).And.Contain("not for production");
    }

    [Fact]
    public async Task A_date_since_is_answered_as_the_date()
    {
        await ServicesAsync(scrubKey: false);

        var (dialog, answer) = await OpenAsync();
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<ExportDialog.SinceMode>>().Instance.ValueChanged.InvokeAsync(ExportDialog.SinceMode.Date));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudDatePicker>().Instance.DateChanged.InvokeAsync(new DateTime(2026, 1, 15)));
        dialog.Find("[data-testid=export-start]").Click();
        var settings = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        settings!.Since.Should().Be("2026-01-15");
        var (options, _) = settings.Resolve(Services.GetRequiredService<BackupStorage>(), DateTimeOffset.UtcNow);
        options!.Filter!.Since!.At.Should().Be(new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero), "a date is UTC midnight");
    }
}
