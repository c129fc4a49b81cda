using static Crearis.Platform.Demo.DemoFormat;

namespace Crearis.Platform.Demo;

/// <summary>
/// Row writer for images. The table has composite (image_shape, media_adapter, image_variation) and enum columns,
/// so it is loaded with a text-format COPY in which those columns are PostgreSQL row literals.
/// </summary>
internal static partial class DemoTables
{
    private const string ImageColumns =
        "id, xmlid, name, url, project_id, status_id, owner_id, alt_text, title, date, geo, x, y, shape_wide, shape_square, " +
        "shape_vertical, shape_thumb, fileformat, embedformat, license, length, about, author, producer, publisher, variations, " +
        "ctags, rtags, created_at, updated_at";

    private static readonly byte[][] CTags =
    [
        [0x00], [0x10], [0x10], [0x10], [0x20], [0x30], [0x40], [0x80], [0xC0], [0x10, 0x03], [0x20, 0x0A, 0x0B], [0x00, 0x10, 0x20, 0x40, 0x80],
    ];

    private static readonly byte[][] RTags = [[0x00], [0x00], [0x00], [0x01], [0x03, 0x05], [0x0A, 0x0B, 0x0C], [0xFF, 0x00, 0x80], []];

    private static readonly string[] Licences =
        ["undefined", "BY", "BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "CC0", "BY-ND-NC", "BY-ND-NC-ND", "unsplash", "commercial", "private"];

    /// <summary>Writes images with ids in [from, to]. Avatars (the first range) are written before the users exist, so
    /// their owner_id stays NULL until the generator links them with a set-based UPDATE.</summary>
    public static async Task<long> ImagesAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st, int from, int to, bool withOwners)
    {
        var r = TableRandom(plan.Seed, SaltImages + (uint)from);
        await using var w = ctx.Text("images", ImageColumns);
        for (var id = from; id <= to; id++)
        {
            var avatar = id <= plan.Avatars;
            var home = plan.ImageHome[id];
            var dc = plan.Domaincode[home];
            var created = CreatedAt(r, id, plan.Images, 20, HistoryDays);
            // 0 avatar, 1 photo, 2 video, 3 graphic; the second content image is always a video with a complete publisher
            var showcase = id == plan.Avatars + 2;
            var kind = avatar ? 0 : showcase ? 2 : r.Next(100) switch { < 8 => 2, < 18 => 3, _ => 1 };
            string slug, name, url;
            string? authorName = null;
            if (avatar)
            {
                var (first, last, _) = plan.UserPerson(plan.ImageOwner[id]);
                slug = Slug(first) + "_" + Slug(last);
                name = $"Profilbild {first} {last}";
                authorName = $"{first} {last}";
                url = $"https://res.cloudinary.com/crearis/image/upload/v17{Inv(10000000 + id)}/avatars/{slug}.jpg";
            }
            else
            {
                var subject = r.Pick(DemoVocabulary.ImageSubjects);
                slug = Slug(subject);
                name = kind == 2 ? $"Video: {subject}" : $"{subject} {DemoVocabulary.Cities[plan.ProjectCity[home]].City}";
                url = kind switch
                {
                    2 when r.Chance(0.5) => "https://www.youtube.com/watch?v=" + RandomToken(r, 11),
                    2 => "https://vimeo.com/" + Inv(r.Next(100000000, 999999999)),
                    3 => $"https://res.cloudinary.com/crearis/image/upload/{dc}/{slug}_{Inv(id)}.svg",
                    _ when r.Chance(0.4) => "https://images.unsplash.com/photo-" + Inv(1500000000000L + r.Next(0, 99999999)) + "-" + RandomToken(r, 12).ToLowerInvariant(),
                    _ => $"https://res.cloudinary.com/crearis/image/upload/v{Inv(1730000000 + id)}/{dc}/{slug}.webp",
                };
                if (plan.ImageOwner[id] != 0 && r.Chance(0.6))
                {
                    var (first, last, _) = plan.UserPerson(plan.ImageOwner[id]);
                    authorName = r.Chance(0.3) ? $"{first} {last}, {DemoVocabulary.Cities[plan.ProjectCity[home]].City}" : $"{first} {last}";
                }
            }
            var parent = plan.ImageParent[id];

            w.Row();
            w.Field(Inv(id));
            w.Field($"{dc}.{(avatar ? "avatar" : kind == 2 ? "video" : "image")}_{slug}_{Inv(id)}");
            w.Field(parent != 0 ? name + " (Ausschnitt)" : name);
            w.Field(parent != 0 ? url + "?crop=" + Inv(r.Next(1, 9)) : url);
            w.Ref(plan.ImageProject[id]);
            w.Ref(r.Chance(0.04) ? 0 : r.Pick(st.Images));
            w.Ref(withOwners ? plan.ImageOwner[id] : 0);
            w.Field(r.Next(8) switch { 0 => null, 1 => "", _ => $"{name} – Bildbeschreibung für Screenreader" });
            w.Field(r.Chance(0.5) ? null : name);
            w.Stamp(r.Chance(0.05) ? null : created.AddHours(-r.Next(1, 400)));
            w.Field(id == plan.Avatars + 1 ? "null" : r.Chance(0.3)
                ? $"{{\"lat\": {Inv(47 + r.NextDouble() * 4)}, \"lng\": {Inv(9 + r.NextDouble() * 6)}}}"
                : null);
            var x = r.Next(6, 40) * 100;
            w.Field(Inv(x));
            w.Field(Inv(r.Next(4, 30) * 100));
            // shapes: params, json, url+blur, tpar text with commas and quotes, or NULL
            w.Field(r.Next(4) == 0 ? Composite(Inv(r.Next(30, 70)), Inv(r.Next(20, 60)), Inv(100 + r.Next(0, 40)), null, null, null, null, null) : null);
            w.Field(r.Next(6) switch
            {
                0 => Composite(null, null, null, null, "{\"crop\": \"1:1\", \"focus\": \"faces\"}", null, null, null),
                1 => Composite("50", "50", Inv(33.3333 + r.Next(0, 3)), null, null, null, null, null),
                _ => null,
            });
            w.Field(r.Next(8) == 0 ? Composite("50", Inv(r.Next(10, 40)), "120", null, null, "L6PZfSi_.AyE", null, null) : null);
            w.Field(r.Next(10) switch
            {
                0 => Composite(null, null, null, url + "?w=200", null, "LKN8z_%2", null, null),
                1 => Composite(null, null, null, null, null, null, url + "?thumb", "w=200, h=200, fit=\"crop\", note=(a,b)"),
                _ => null,
            });
            w.Field(kind switch { 2 => "none", 3 => r.Chance(0.5) ? "svg" : "png", _ => r.Pick(["jpeg", "jpeg", "webp", "avif", "gif"]) });
            w.Field(kind == 2 ? r.Pick(["mp4", "webm", "mov"]) : r.Chance(0.02) ? "pdf" : null);
            w.Field(avatar ? r.Pick(["private", "BY", "undefined"]) : r.Pick(Licences));
            w.Field(kind == 2 ? Inv(r.Next(20, 3600)) : null);
            w.Field(r.Next(12) switch
            {
                0 => "(c) Fotostudio Lechner, Augsburg – „Probe“ \"intern\"",
                1 => "",
                _ => null, // the platform trigger fills it from author / owner
            });
            w.Field(authorName is null ? null : r.Next(3) switch
            {
                0 => Composite("unsplash", "photo-" + RandomToken(r, 10), Slug(authorName), null, authorName, null),
                1 => Composite("cloudinary", dc + "/" + slug, "crearis", dc, authorName, "{\"folder\": \"" + dc + "\", \"eager\": [\"w_400\", \"w_800\"]}"),
                _ => Composite("crearis", slug + "_" + Inv(id), Slug(authorName), null, authorName, null),
            });
            w.Field(r.Chance(0.06) ? Composite("canva", "DAF" + RandomToken(r, 8), "team-" + dc, null, "Gestaltung: Büro für Gestaltung (Plzeň)", null) : null);
            w.Field(kind == 2
                ? r.Chance(0.5) || showcase
                    ? Composite(url.Contains("youtube", StringComparison.Ordinal) ? "youtube" : "vimeo", RandomToken(r, 11), dc, "kanal", "Mitschnitt, 2025", "{\"autoplay\": false, \"start\": 0}")
                    : Composite(url.Contains("youtube", StringComparison.Ordinal) ? "youtube" : "vimeo", RandomToken(r, 11), dc, null, null, null)
                : null);
            w.Field(parent == 0 ? null : (plan.IsShowcaseVariation(id) ? 1 : r.Next(3)) switch
            {
                0 => Composite(Inv(parent), null, null, "Ausschnitt"),
                1 => Composite(Inv(parent), "{" + Inv(parent) + "," + Inv(id) + "}", Inv(r.Next(1, 4)), "zweite Fassung, \"hell\""),
                _ => Composite(Inv(parent), "{}", null, ""),
            });
            var ctags = r.Pick(CTags);
            var rtags = r.Pick(RTags);
            if (id == plan.Avatars + 3) (ctags, rtags) = (CTags[^1], RTags[^1]); // multi-byte ctags and an empty rtags, always
            w.Field(ByteaHex(ctags));
            w.Field(ByteaHex(rtags));
            w.Stamp(created);
            w.Stamp(r.Chance(0.6) ? created : created.AddSeconds(r.Next(60, 86400 * 30)));
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }
}
