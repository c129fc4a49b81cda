using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Crearis.Admin.Tests.Infrastructure.AdminTestFramework", "Crearis.Admin.Tests")]

namespace Crearis.Admin.Tests.Infrastructure;

/// <summary>
/// xunit's own framework, made by this assembly so its module initializer (<see cref="AdminTemplate"/>) has run before
/// the first class fixture builds the template database. Otherwise a class fixture (code of Crearis.Testing) can build
/// the template before any code of this assembly ran, without the admin schema, and every test database that depends on
/// the template's admin tables fails, depending on which test class happens to start first.
/// </summary>
public sealed class AdminTestFramework : XunitTestFramework
{
    public AdminTestFramework(IMessageSink messageSink) : base(messageSink) => AdminTemplate.Register();
}
