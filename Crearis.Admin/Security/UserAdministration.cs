using System.Security.Cryptography;
using Crearis.Admin.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Security;

public enum AddUserStatus { Created, InvalidRole, InvalidInput, AlreadyExists }

public sealed record AddUserResult(AddUserStatus Status, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Status == AddUserStatus.Created;
}

/// <summary>Creates users and roles; shared by the web API, the CLI and the first-admin bootstrap.</summary>
public sealed class UserAdministration(UserManager<ApplicationUser> users, RoleManager<IdentityRole> roles)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
        }
    }

    public async Task<AddUserResult> AddUserAsync(string email, string role, string password)
    {
        var roleName = Roles.Normalize(role);
        if (roleName is null)
            return new(AddUserStatus.InvalidRole, [$"Unknown role '{role}'. Use one of: {string.Join(", ", Roles.All)}."]);
        email = email.Trim();
        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
            return new(AddUserStatus.InvalidInput, [$"'{email}' is not an e-mail address."]);
        if (await users.FindByEmailAsync(email) is not null)
            return new(AddUserStatus.AlreadyExists, [$"A user with the e-mail {email} already exists."]);

        await EnsureRolesAsync();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, LockoutEnabled = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
            return new(AddUserStatus.InvalidInput, created.Errors.Select(e => e.Description).ToList());
        var added = await users.AddToRoleAsync(user, roleName);
        if (!added.Succeeded)
        {
            await users.DeleteAsync(user);
            return new(AddUserStatus.InvalidInput, added.Errors.Select(e => e.Description).ToList());
        }
        return new(AddUserStatus.Created, []);
    }

    public async Task<bool> AnyAdminAsync() => (await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0;

    public Task<int> CountUsersAsync() => users.Users.CountAsync();

    /// <summary>A password that meets Identity's default rules: 20 characters with every character class.</summary>
    public static string GeneratePassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "!#%+-=?@";
        const string all = lower + upper + digits + symbols;
        var chars = new char[20];
        chars[0] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[1] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        chars[3] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
        for (var i = 4; i < chars.Length; i++) chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
