using Microsoft.OpenApi;

namespace Crearis.Admin.Tests.Web;

/// <summary>Microsoft.OpenApi's own reader over a document: what it cannot read or finds invalid, as messages.</summary>
public static class OpenApiLint
{
    public static (bool Read, IReadOnlyList<string> Problems) Read(string json)
    {
        var result = OpenApiDocument.Parse(json, "json");
        var problems = result.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}").ToList() ?? ["no diagnostic"];
        if (result.Document is { } document)
            problems.AddRange(document.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet())?.Select(e => $"{e.Pointer}: {e.Message}") ?? []);
        return (result.Document is not null && result.Diagnostic?.SpecificationVersion == OpenApiSpecVersion.OpenApi3_1, problems);
    }
}
