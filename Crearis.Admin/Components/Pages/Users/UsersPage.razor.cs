using Crearis.Admin.Security;
using Microsoft.AspNetCore.Identity;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Users;

/// <summary>
/// Who may sign in. Every action goes through <see cref="UserManagement"/>, which checks on the server that the caller
/// is an active admin and writes the audit entry; what the page hides or disables is only a convenience.
/// </summary>
public partial class UsersPage
{
    private MudDataGrid<UserSummary>? _grid;
    private string? _search;
    private string? _error;
    private string _me = "";
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    private bool Interactive => RendererInfo.IsInteractive;

    protected override async Task OnInitializedAsync() => (_me, _) = await Current.GetAsync();

    private async Task<GridData<UserSummary>> LoadAsync(GridState<UserSummary> state, CancellationToken ct)
    {
        var list = await Users.ListAsync(state.Page, state.PageSize, _search, ct);
        _now = DateTimeOffset.UtcNow;
        if (_error != list.Error)
        {
            // The alert lives outside the grid, which re-renders only itself after loading.
            _error = list.Error;
            StateHasChanged();
        }
        return new GridData<UserSummary> { Items = list.Items, TotalItems = list.Total };
    }

    private async Task SearchAsync(string? text)
    {
        _search = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        await ReloadAsync();
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task AddAsync()
    {
        if (await AddUserDialog.ShowAsync(Dialogs) is not { } added) return;
        Snackbar.Add($"Added {added.Email} as {added.Role}.", Severity.Success);
        await ReloadAsync();
    }

    private async Task ChangeRoleAsync(UserSummary user, string role)
    {
        if (IsSelf(user) && role != Roles.Admin)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync("Give up your admin role",
                $"Make yourself a {role}? You lose access to this page and to every admin action, and are asked to sign in again.",
                yesText: $"Make me a {role}", cancelText: "Cancel");
            if (confirmed != true) return;
        }
        var result = await Users.ChangeRoleAsync(user.Email, role);
        if (!Report(result, $"{user.Email} is now {(role == Roles.Admin ? "an" : "a")} {role}.")) return;
        if (IsSelf(user) && role != Roles.Admin)
        {
            // This page is for admins only; the sign-in is renewed with the new role on the next page.
            Navigation.NavigateTo("", forceLoad: true);
            return;
        }
        await ReloadAsync();
    }

    private async Task LockAsync(UserSummary user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Lock user",
            $"Lock {user.Email}? They cannot sign in until an admin unlocks them, and their open sessions end within a minute.",
            yesText: "Lock", cancelText: "Cancel");
        if (confirmed != true) return;
        Report(await Users.LockAsync(user.Email), $"Locked {user.Email}.");
        await ReloadAsync();
    }

    private async Task UnlockAsync(UserSummary user)
    {
        Report(await Users.UnlockAsync(user.Email), $"Unlocked {user.Email}; failed sign-ins reset.");
        await ReloadAsync();
    }

    private async Task ResetPasswordAsync(UserSummary user)
    {
        if (!await ResetPasswordDialog.ShowAsync(Dialogs, user.Email, IsSelf(user))) return;
        Snackbar.Add($"Set a new password for {user.Email}.", Severity.Success);
        await ReloadAsync();
    }

    private async Task DeleteAsync(UserSummary user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete user",
            $"Delete {user.Email} ({user.Role ?? "no role"})? They can no longer sign in; this cannot be undone (add them again if needed).",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true) return;
        Report(await Users.DeleteAsync(user.Email), $"Deleted {user.Email}.");
        await ReloadAsync();
    }

    /// <summary>A snackbar for the outcome; true when the change was made.</summary>
    private bool Report(UserChangeResult result, string success)
    {
        if (result.Succeeded) Snackbar.Add(success, Severity.Success);
        else Snackbar.Add(string.Join(" ", result.Errors), Severity.Error, o => o.VisibleStateDuration = 10_000);
        return result.Succeeded;
    }

    private bool IsSelf(UserSummary user) => string.Equals(user.Email, _me, StringComparison.OrdinalIgnoreCase);

    private int MinutesLeft(UserSummary user) =>
        user.LockedOutUntil is { } until ? Math.Max(1, (int)Math.Ceiling((until - _now).TotalMinutes)) : 0;

    private static string Initial(string email) => email.Length > 0 ? email[..1].ToUpperInvariant() : "?";

    private static string RoleIcon(string role) =>
        role == Roles.Admin ? Icons.Material.Filled.AdminPanelSettings : Icons.Material.Filled.Visibility;

    /// <summary>Identity's password rules in one sentence, for the password fields.</summary>
    internal static string PasswordHint(PasswordOptions rules)
    {
        var kinds = new List<string>();
        if (rules.RequireUppercase) kinds.Add("an upper-case letter");
        if (rules.RequireLowercase) kinds.Add("a lower-case letter");
        if (rules.RequireDigit) kinds.Add("a digit");
        if (rules.RequireNonAlphanumeric) kinds.Add("a symbol");
        var hint = $"At least {rules.RequiredLength} characters";
        if (kinds.Count > 0) hint += ", with " + (kinds.Count == 1 ? kinds[0] : string.Join(", ", kinds[..^1]) + " and " + kinds[^1]);
        return hint + ".";
    }
}
