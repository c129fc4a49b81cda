using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// The lint of the API's OpenAPI document, run in CI like every test: the app's own document at /openapi/v1.json is
/// OpenAPI 3.1, every /api operation says which errors it answers (problem+json) and what it requires, names are unique
/// and every reference resolves. And the API page shows it without asking any other host.
/// </summary>
public sealed partial class OpenApiDocumentTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    private CrearisAppFactory _app = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _app = new CrearisAppFactory(database.ConnectionString);
        await _app.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
        _viewer = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(_viewer, "viewer@crearis.test", "Viewer-Passw0rd!")).StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    public async Task DisposeAsync()
    {
        _viewer.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
    }

    private async Task<(string Text, JsonElement Root)> DocumentAsync()
    {
        var response = await _viewer.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        // Kept beside the screenshots, so a person (or another tool) can read what was linted.
        await File.WriteAllTextAsync(Path.Combine(RepoPaths.Artifacts, "openapi-v1.json"), text);
        return (text, JsonDocument.Parse(text).RootElement);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> ApiOperations(JsonElement root) =>
        from path in root.GetProperty("paths").EnumerateObject()
        where path.Name.StartsWith("/api/", StringComparison.Ordinal)
        from member in path.Value.EnumerateObject()
        where Methods.Contains(member.Name)
        select (path.Name, member.Name, member.Value);

    [Fact]
    public async Task The_document_is_openapi_3_1_with_a_bearer_scheme()
    {
        var (_, root) = await DocumentAsync();

        root.GetProperty("openapi").GetString().Should().StartWith("3.1");
        root.GetProperty("info").GetProperty("title").GetString().Should().NotBeNullOrWhiteSpace();
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        scheme.GetProperty("type").GetString().Should().Be("http");
        scheme.GetProperty("scheme").GetString().Should().Be("bearer");
    }

    [Fact]
    public async Task It_lists_every_endpoint_a_script_needs()
    {
        var (_, root) = await DocumentAsync();

        ApiOperations(root).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").Should().Contain([
            "GET /api/backups", "POST /api/backups", "GET /api/backups/{name}", "GET /api/backups/{name}/download",
            "POST /api/exports", "POST /api/imports", "GET /api/jobs/{id}", "GET /api/database", "POST /api/users",
        ]);
    }

    [Fact]
    public async Task Every_api_operation_documents_its_errors_as_problem_json_and_its_required_scope()
    {
        var (_, root) = await DocumentAsync();
        var operations = ApiOperations(root).ToList();

        operations.Should().NotBeEmpty();
        foreach (var (path, method, operation) in operations)
        {
            var because = $"{method.ToUpperInvariant()} {path}";
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            responses.Should().Contain(r => r.Name.StartsWith('2') || r.Name.StartsWith('3'), because);
            var errors = responses.Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5')).ToList();
            errors.Select(r => r.Name).Should().Contain(["401", "403"], because);
            foreach (var error in errors)
                error.Value.GetProperty("content").TryGetProperty("application/problem+json", out _).Should().BeTrue($"{because} {error.Name}");
            operation.GetProperty("security").EnumerateArray().SelectMany(s => s.EnumerateObject())
                .Should().Contain(s => s.Name == "bearer" && s.Value.GetArrayLength() > 0, $"{because} names its scope in the bearer requirement");
            operation.GetProperty("description").GetString().Should().Contain("Requires scope", because);
            operation.GetProperty("operationId").GetString().Should().NotBeNullOrWhiteSpace(because);
            operation.GetProperty("tags").GetArrayLength().Should().BePositive(because);
        }
    }

    [Fact]
    public async Task Operation_ids_are_unique_and_every_reference_resolves()
    {
        var (text, root) = await DocumentAsync();

        var ids = ApiOperations(root).Select(o => o.Operation.GetProperty("operationId").GetString()).ToList();
        ids.Should().OnlyHaveUniqueItems();
        var references = Reference().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        foreach (var reference in references)
        {
            var target = root;
            foreach (var part in reference.TrimStart('#', '/').Split('/'))
                target.TryGetProperty(part.Replace("~1", "/").Replace("~0", "~"), out target).Should().BeTrue($"{reference} resolves");
        }
    }

    [Fact]
    public async Task The_document_reads_without_errors_in_the_openapi_reader()
    {
        var (text, _) = await DocumentAsync();

        var (read, problems) = OpenApiLint.Read(text);

        problems.Should().BeEmpty();
        read.Should().BeTrue("the reader takes it as an OpenAPI 3.1 document");
    }

    [Fact]
    public async Task The_api_page_shows_the_endpoints_scopes_and_errors_from_this_app_alone()
    {
        var page = await _viewer.GetAsync("/api-docs");

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("/openapi/v1.json").And.Contain("GET").And.Contain("/api/backups/{name}/download")
            .And.Contain("backups:read").And.Contain("application/problem+json").And.Contain("Authorization: Bearer");
        ExternalReference().Matches(html).Select(m => m.Value).Should().BeEmpty("the page asks no other host for anything");
    }

    [Fact]
    public async Task Anonymous_callers_get_neither_the_document_nor_the_page()
    {
        using var anonymous = _app.CreateBrowserLikeClient();

        (await anonymous.GetAsync("/openapi/v1.json")).StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Redirect);
        (await anonymous.GetAsync("/api-docs")).StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    [GeneratedRegex("\"\\$ref\"\\s*:\\s*\"([^\"]+)\"")]
    private static partial Regex Reference();

    [GeneratedRegex("""(?:src|href|action|@import|url\()\s*=?\s*["']?(?:https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
