using Bunit;
using Crearis.Admin.Components.Layout;
using Crearis.Admin.Security;

namespace Crearis.Admin.Tests.Components;

public sealed class UserMenuTests : ComponentTestContext
{
    [Fact]
    public void The_app_bar_shows_the_signed_in_user_their_role_and_a_sign_out_form()
    {
        AddAuthorization().SetAuthorized("viewer@crearis.test").SetRoles(Roles.Viewer);

        var menu = Render<UserMenu>();

        menu.Find("[data-testid=signed-in-user]").TextContent.Trim().Should().Be("viewer@crearis.test");
        menu.Markup.Should().Contain("Viewer");
        menu.Find("form").GetAttribute("action").Should().Be("Account/Logout");
        menu.Find("button[type=submit]").TextContent.Should().Contain("Sign out");
    }

    [Fact]
    public void Nothing_is_shown_to_an_anonymous_visitor()
    {
        AddAuthorization();

        var menu = Render<UserMenu>();

        menu.FindAll("form").Should().BeEmpty();
    }
}
