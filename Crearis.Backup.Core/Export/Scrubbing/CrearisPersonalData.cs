namespace Crearis.Backup.Core.Export.Scrubbing;

/// <summary>
/// Where a profile's tables hold personal data: columns by kind, members of jsonb columns by key, and the e-mail
/// columns whose values must stay distinct (a UNIQUE key, or the platform's trigger that keeps a user's extmail apart
/// from every other user's sysmail). Everything else is written as it is, except that every e-mail address found in
/// any string (any column, any depth of a json value) becomes its pseudonym.
/// </summary>
/// <param name="Columns">table → column → kind.</param>
/// <param name="JsonKeys">table (or <see cref="AnyTable"/>) → jsonb column → member name (any depth) → kind: a string value, or each string of an array value.</param>
/// <param name="DistinctEmails">"table.column" of e-mail columns whose pseudonyms must not collide, checked together.</param>
public sealed record PersonalData(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScrubKind>> Columns,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScrubKind>>> JsonKeys,
    IReadOnlySet<string> DistinctEmails)
{
    /// <summary>The table name of <see cref="JsonKeys"/> whose rules apply to a column of that name in every table.</summary>
    public const string AnyTable = "*";
}

/// <summary>
/// The Crearis platform's personal data (from <c>003_tables.sql</c> and what the platform stores in its jsonb columns).
/// Deliberately left as they are: the public content (projects, posts, events, pages, images' urls, instructors' published
/// profile texts), locations' names (venues), interactions' names (the form's kind, part of their key), participants'
/// age and everything that is not a person's. Only e-mail addresses are found inside that content.
/// </summary>
public static class CrearisPersonalData
{
    private static IReadOnlyDictionary<string, ScrubKind> Of(params (string Column, ScrubKind Kind)[] columns) =>
        columns.ToDictionary(c => c.Column, c => c.Kind, StringComparer.Ordinal);

    /// <summary>What a contact or registration form stores under these members (interactions.fields / actions).</summary>
    private static readonly IReadOnlyDictionary<string, ScrubKind> FormMembers = new Dictionary<string, ScrubKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = ScrubKind.Name, ["names"] = ScrubKind.Name, ["first_name"] = ScrubKind.Name, ["last_name"] = ScrubKind.Name,
        ["firstname"] = ScrubKind.Name, ["lastname"] = ScrubKind.Name,
        ["email"] = ScrubKind.Email, ["mail"] = ScrubKind.Email, ["e-mail"] = ScrubKind.Email,
        ["phone"] = ScrubKind.Phone, ["tel"] = ScrubKind.Phone, ["mobile"] = ScrubKind.Phone,
        ["street"] = ScrubKind.Address, ["address"] = ScrubKind.Address, ["zip"] = ScrubKind.Address, ["city"] = ScrubKind.Address,
        ["comment"] = ScrubKind.Text, ["message"] = ScrubKind.Text,
    };

    private static readonly IReadOnlyDictionary<string, ScrubKind> Credit = new Dictionary<string, ScrubKind>(StringComparer.Ordinal)
    {
        ["info"] = ScrubKind.Name, ["account_id"] = ScrubKind.Name,
    };

    private static readonly IReadOnlyDictionary<string, ScrubKind> ImageCache = new Dictionary<string, ScrubKind>(StringComparer.Ordinal)
    {
        ["alt_text"] = ScrubKind.Text,
    };

    public static PersonalData Default { get; } = new(
        new Dictionary<string, IReadOnlyDictionary<string, ScrubKind>>(StringComparer.Ordinal)
        {
            ["users"] = Of(("sysmail", ScrubKind.Email), ("extmail", ScrubKind.Email), ("username", ScrubKind.Name), ("password", ScrubKind.Secret)),
            ["instructors"] = Of(("name", ScrubKind.Name), ("email", ScrubKind.Email), ("phone", ScrubKind.Phone), ("city", ScrubKind.Address)),
            ["locations"] = Of(("phone", ScrubKind.Phone), ("email", ScrubKind.Email), ("street", ScrubKind.Address), ("zip", ScrubKind.Address),
                ("city", ScrubKind.Address)),
            ["participants"] = Of(("name", ScrubKind.Name), ("city", ScrubKind.Address), ("description", ScrubKind.Text)),
            ["interactions"] = Of(("to_mail", ScrubKind.Email), ("from_mail", ScrubKind.Email), ("subject", ScrubKind.Text), ("md", ScrubKind.Text)),
            // An avatar is named, titled and described after its user ("Profilbild Anna Muster"), and a photo's credit
            // names its photographer; which image is an avatar is not known row by row, so every image's texts are
            // replaced (their shape kept). The url stays, so the copy still shows the pictures.
            ["images"] = Of(("name", ScrubKind.Text), ("alt_text", ScrubKind.Text), ("title", ScrubKind.Text), ("about", ScrubKind.Text)),
        },
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScrubKind>>>(StringComparer.Ordinal)
        {
            ["interactions"] = new Dictionary<string, IReadOnlyDictionary<string, ScrubKind>>(StringComparer.Ordinal)
            {
                ["fields"] = FormMembers, ["actions"] = FormMembers,
            },
            // The platform's image caches (img_thumb, img_square, img_wide, img_vert on every table that shows an image)
            // copy the image's alt text: replaced as the image's own alt_text column is, so the two still agree.
            [PersonalData.AnyTable] = new Dictionary<string, IReadOnlyDictionary<string, ScrubKind>>(StringComparer.Ordinal)
            {
                ["img_thumb"] = ImageCache, ["img_square"] = ImageCache, ["img_wide"] = ImageCache, ["img_vert"] = ImageCache,
            },
            // The media_adapter composites (to_jsonb renders them as objects): the credit and the account named after the person.
            ["images"] = new Dictionary<string, IReadOnlyDictionary<string, ScrubKind>>(StringComparer.Ordinal)
            {
                ["author"] = Credit, ["producer"] = Credit, ["publisher"] = Credit,
            },
        },
        new HashSet<string>(StringComparer.Ordinal) { "users.sysmail", "users.extmail" });
}
