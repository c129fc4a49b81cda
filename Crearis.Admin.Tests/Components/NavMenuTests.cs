using Bunit;
using Crearis.Admin.Components.Layout;
using Crearis.Admin.Security;

namespace Crearis.Admin.Tests.Components;

public sealed class NavMenuTests : ComponentTestContext
{
    [Fact]
    public void An_admin_sees_every_section_including_users()
    {
        AddAuthorization().SetAuthorized("admin@crearis.test").SetRoles(Roles.Admin);

        var menu = Render<NavMenu>();

        menu.FindAll("a").Select(a => a.TextContent.Trim()).Should()
            .Equal("Dashboard", "Backups", "Import", "History", "Conflicts", "Audit", "API", "Users");
    }

    [Fact]
    public void A_viewer_does_not_see_the_users_section()
    {
        AddAuthorization().SetAuthorized("viewer@crearis.test").SetRoles(Roles.Viewer);

        var menu = Render<NavMenu>();

        menu.FindAll("a").Select(a => a.TextContent.Trim()).Should().NotContain("Users").And.Contain("History");
    }
}
