using Microsoft.AspNetCore.Identity;

namespace Crearis.Admin.Data;

public class ApplicationUser : IdentityUser
{
}
