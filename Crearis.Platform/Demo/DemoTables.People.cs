using System.Text;
using static Crearis.Platform.Demo.DemoFormat;

namespace Crearis.Platform.Demo;

/// <summary>Row writers for tags, participants, projects, instructors and users.</summary>
internal static partial class DemoTables
{
    private const uint SaltTags = 0x54414753, SaltParticipants = 0x50415254, SaltProjects = 0x50524F4A, SaltInstructors = 0x494E5354,
        SaltUsers = 0x55534552, SaltImages = 0x494D4147, SaltLocations = 0x4C4F4341, SaltEvents = 0x45564E54, SaltPosts = 0x504F5354,
        SaltEventInstructors = 0x45494E53, SaltEventsTags = 0x45544147, SaltPostsTags = 0x50544147, SaltMembers = 0x4D454D42,
        SaltInteractions = 0x494E5445, SaltPages = 0x50414745, SaltTasks = 0x5441534B;

    /// <summary>Days after the base date over which the platform's history is spread.</summary>
    private const double HistoryDays = 540;

    /// <summary>created_at roughly follows the id order (rows are inserted over time), with some jitter.</summary>
    private static DateTime CreatedAt(Random r, int id, int count, double fromDay = 0, double toDay = HistoryDays, bool micros = true)
    {
        var pos = fromDay + (toDay - fromDay) * (id - 1) / Math.Max(1, count);
        return r.Stamp(pos, Math.Min(toDay, pos + Math.Max(1, (toDay - fromDay) / Math.Max(1, count) * 3)), micros && r.Chance(0.5));
    }

    private static string Sentences(Random r, int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(r.Pick(DemoVocabulary.Sentences));
        }
        return sb.ToString();
    }

    private static string Markdown(Random r, string heading)
    {
        var sb = new StringBuilder();
        sb.Append("## ").Append(heading).Append("\n\n").Append(Sentences(r, 2));
        if (r.Chance(0.5)) sb.Append("\n\n- **Wann:** siehe Termine\n- **Wo:** ").Append(r.Pick(DemoVocabulary.Cities).City);
        if (r.Chance(0.05)) sb.Append("\n\nPfad zum Plan: C:\\Bühne\\Pläne\\grundriss_v2.pdf\tStand: 03/2025");
        return sb.ToString();
    }

    private static string Phone(Random r, int cityIndex)
    {
        var c = DemoVocabulary.Cities[cityIndex];
        return r.Next(4) switch
        {
            0 => c.Phone.Replace(" ", "", StringComparison.Ordinal) + Inv(r.Next(100000, 999999)), // digits only, leading zero
            1 => c.Phone + " " + Inv(r.Next(100, 999)) + " " + Inv(r.Next(100, 9999)),
            2 => (c.Country == "cz" ? "" : "+49 ") + c.Phone.TrimStart('0') + " " + Inv(r.Next(10000, 99999)),
            _ => c.Phone + "/" + Inv(r.Next(1000, 99999)),
        };
    }

    private static string Lang(Random r, string country) => country == "cz" ? (r.Chance(0.85) ? "cz" : "de") : r.Next(10) switch
    {
        < 8 => "de",
        8 => "en",
        _ => "cz",
    };

    // ------------------------------------------------------------------------------------------------ tags

    public static async Task<long> TagsAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltTags);
        var bases = DemoVocabulary.Tags;
        var quals = DemoVocabulary.TagQualifiers;
        await using var w = ctx.Binary("tags", "id, name, description, name_i18n, desc_i18n");
        for (var id = 1; id <= plan.Tags; id++)
        {
            var k = id - 1;
            string name, de, en, cz;
            if (k < bases.Length)
            {
                (name, de, en, cz) = bases[k];
            }
            else
            {
                var q = k - bases.Length;
                var b = bases[q % bases.Length];
                var ql = quals[q / bases.Length % quals.Length];
                var round = q / (bases.Length * quals.Length);
                name = b.Slug + "_" + ql.Slug + (round > 0 ? "_" + Inv(round + 1) : "");
                de = $"{b.De} ({ql.De})";
                en = $"{b.En} ({ql.En})";
                cz = b.Cz;
            }
            w.Row();
            w.Int(id);
            w.Text(name);
            w.Text(r.Next(20) switch
            {
                0 => null,
                1 => "",
                _ => en + " – groups, courses and performances",
            });
            w.Json(r.Next(12) switch
            {
                0 => null,
                1 => $"{{\"de\": {JsonStr(de)}, \"en\": {JsonStr(en)}}}",
                _ => $"{{\"de\": {JsonStr(de)}, \"en\": {JsonStr(en)}, \"cz\": {JsonStr(cz)}}}",
            });
            w.Json(r.Chance(0.35) ? null : $"{{\"de\": {JsonStr("Angebote rund um " + de)}, \"en\": {JsonStr("Everything about " + en)}}}");
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ participants

    public static async Task<long> ParticipantsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltParticipants);
        await using var w = ctx.Binary("participants",
            "id, xmlid, name, age, city, country_id, description, event_xmlid, type, version_id, status_id, created_at, updated_at, lang");
        for (var id = 1; id <= plan.Participants; id++)
        {
            var (first, last, _) = plan.ParticipantPerson(id);
            var home = plan.ParticipantProject[id];
            var city = DemoVocabulary.Cities[r.Chance(0.7) ? plan.ProjectCity[home] : r.Next(DemoVocabulary.Cities.Length)];
            var type = plan.ParticipantUser[id] != 0 ? "adult" : r.Next(3) switch { 0 => "child", 1 => "teen", _ => "adult" };
            int? age = type switch { "child" => r.Next(6, 13), "teen" => r.Next(13, 20), _ => r.Next(20, 86) };
            if (r.Chance(0.05)) age = null;
            var created = CreatedAt(r, id, plan.Participants);
            w.Row();
            w.Int(id);
            w.Text($"{plan.Domaincode[home]}.participant_{Slug(first)}_{Slug(last)}_{id}");
            w.Text($"{first} {last}");
            w.Int(age);
            w.Text(city.City);
            w.Text(city.Country);
            w.Text(r.Next(10) switch { < 5 => null, 5 => "", _ => r.Pick(DemoVocabulary.Sentences) });
            w.Text(r.Chance(0.5) ? plan.EventXmlId(plan.LiveEvent(r)) : null);
            w.Text(type);
            w.Text(Inv(1 + r.Next(3)));
            w.Ref(r.Chance(0.05) ? 0 : r.Pick(st.Persons));
            w.Stamp(created);
            w.Text(r.Chance(0.4) ? Iso(created.AddDays(r.Next(1, 90))) : null);
            w.Text(Lang(r, city.Country));
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ projects

    private static string ProjectName(DemoPlan plan, int id)
    {
        var city = DemoVocabulary.Cities[plan.ProjectCity[id]].City;
        var kind = plan.ProjectKind[id];
        if (kind < 0) return "Theaterregion " + DemoVocabulary.Regions[plan.ProjectRegion[id]].Name;
        var k = DemoVocabulary.ProjectKinds[kind];
        return k.Code switch
        {
            "praxisfeld" or "methodenlabor" => $"{k.Name} {DemoVocabulary.Skills[id % DemoVocabulary.Skills.Length].Title}",
            "divadlo" => $"Divadlo {city}",
            _ => $"{k.Name} {city}",
        };
    }

    private static string? MemberIds(Random r, DemoPlan plan, int id)
    {
        var regio = plan.ProjectType[id] == "regio";
        var c = r.Next(20);
        if (!regio && c < 4 && id != plan.ShowcaseProject) return null;
        if (!regio && c == 4 && id != plan.ShowcaseProject) return "[]";
        var asStrings = !regio && (c < 8 || id == plan.ShowcaseProject); // JSON strings instead of numbers (the trigger reads both)
        var sb = new StringBuilder("[");
        var n = 0;
        foreach (var m in plan.Members[id])
        {
            if (m == plan.ProjectOwner[id] || plan.UserDeleted[m]) continue;
            if (n > 0) sb.Append(", ");
            if (asStrings) sb.Append('"').Append(Inv(m)).Append('"');
            else sb.Append(Inv(m));
            if (++n >= 24) break;
        }
        return sb.Append(']').ToString();
    }

    public static async Task<long> ProjectsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltProjects);
        await using var w = ctx.Binary("projects",
            "id, domaincode, name, description, status_old, created_at, updated_at, header_type, header_size, md, html, type, " +
            "partner_projects, heading, theme, teaser, team_page, cta_title, cta_form, cta_entity, cta_link, is_company, config, member_ids, " +
            "page_background, page_cssvars, page_navigation, page_options_ext, aside_postit, aside_toc, aside_list, aside_context, aside_options_ext, " +
            "header_alert, header_postit, header_options_ext, footer_gallery, footer_postit, footer_slider, footer_repeat, footer_sitemap, " +
            "footer_options_ext, status_id");
        for (var id = 1; id <= plan.Projects; id++)
        {
            var name = ProjectName(plan, id);
            var city = DemoVocabulary.Cities[plan.ProjectCity[id]];
            var type = plan.ProjectType[id];
            var created = CreatedAt(r, id, plan.Projects, 0, 360);
            var rich = r.Chance(0.3);
            w.Row();
            w.Int(id);
            w.Text(plan.Domaincode[id]);
            w.Text(name);
            w.Text(type == "regio"
                ? $"Netzwerk freier Gruppen, Spielstätten und Theaterpädagog:innen in der Region {name[14..]}."
                : r.Chance(0.1) ? "" : $"{name}: {Sentences(r, 2)}");
            w.Text(r.Next(6) switch { 0 => null, 1 => "active", 2 => "archived", _ => "new" });
            w.Stamp(created);
            w.Text(r.Chance(0.7) ? Iso(created.AddDays(r.Next(0, 200)).AddSeconds(r.Next(86400))) : null);
            w.Text(r.Next(5) switch { 0 => null, 1 => "banner", 2 => "cover", 3 => "columns", _ => "simple" });
            w.Text(r.Next(4) switch { 0 => null, 1 => "small", 2 => "medium", _ => "large" });
            w.Text(r.Chance(0.6) ? Markdown(r, "Über uns") : null);
            w.Text(r.Chance(0.1) ? $"<p>{name} – <em>seit {2010 + r.Next(15)}</em> &amp; mit Herz</p>" : null);
            w.Text(type);
            w.Text(r.Chance(0.12) ? plan.Domaincode[r.Pick(plan.LiveProjects)] + "," + plan.Domaincode[r.Pick(plan.LiveProjects)] : null);
            w.Text(type == "regio" ? "Gemeinsam spielen in " + name[14..] : $"{r.Pick(DemoVocabulary.Skills).Title} in {city.City}");
            w.Int(r.Chance(0.2) ? null : r.Next(0, 8));
            w.Text(r.Chance(0.2) ? null : r.Pick(DemoVocabulary.Sentences));
            w.Text(plan.ProjectTeamPage[id] ? "yes" : "no");
            var cta = r.Next(4);
            w.Text(cta == 0 ? null : cta == 1 ? "Jetzt anmelden" : cta == 2 ? "Karten sichern" : "Mitmachen!");
            w.Text(cta == 3 ? "kontakt" : null);
            w.Text(cta switch { 0 => null, 1 => "event", 2 => "post", _ => "instructor" });
            w.Text(cta == 0 ? null : cta == 1 ? "/events" : "/kontakt?quelle=" + plan.Domaincode[id]);
            w.Bool(type == "location" || r.Chance(0.05));
            w.Json(plan.ProjectConfig[id]);
            w.Json(MemberIds(r, plan, id));
            // page / aside / header / footer groups: defaults, NULLs and real content mixed
            w.Text(rich ? r.Pick(["dimmed-stage", "paper", "vorhang_rot"]) : r.Chance(0.1) ? null : "");
            w.Json(rich ? "{\"--color-primary\": \"#" + Convert.ToHexStringLower([(byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)]) + "\", \"--radius\": \"6px\"}" : "{}");
            w.Json(rich && r.Chance(0.5) ? "{\"items\": [\"start\", \"termine\", \"team\"], \"sticky\": true}" : "{}");
            w.Json(r.Chance(0.05) ? null : "{}");
            w.Json(rich && r.Chance(0.3) ? "{\"text\": \"Spielzeit 2025/26 – jetzt Abo sichern!\", \"color\": \"gelb\"}" : "{}");
            w.Json(rich && r.Chance(0.3) ? "{\"depth\": 2}" : "{}");
            w.Text(rich && r.Chance(0.3) ? "termine,beitraege" : "");
            w.Json("{}");
            w.Json(r.Chance(0.05) ? null : "{}");
            w.Json(rich && r.Chance(0.4) ? "{\"text\": \"Nächste Premiere am 14.03.\", \"level\": \"info\"}" : "{}");
            w.Json("{}");
            w.Json("{}");
            w.Text(rich && r.Chance(0.3) ? "galerie_2025" : "");
            w.Json("{}");
            w.Text("");
            w.Json(rich && r.Chance(0.2) ? "{\"every\": 3, \"of\": \"events\"}" : "{}");
            w.Text(rich && r.Chance(0.5) ? "compact" : "");
            w.Json(r.Chance(0.05) ? null : "{}");
            w.Int(plan.ProjectFlip[id] ? r.Pick(st.ProjectsWithoutPages) : r.Pick(st.Projects));
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ instructors

    public static async Task<long> InstructorsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltInstructors);
        await using var w = ctx.Binary("instructors",
            "id, xmlid, name, email, phone, city, country_id, description, event_xmlid, version_id, status_id, multiproject, " +
            "header_type, md, html, isbase, created_at, updated_at, is_user, header_size, lang");
        for (var id = 1; id <= plan.Instructors; id++)
        {
            var (first, last, round) = plan.InstructorPerson(id);
            var home = plan.InstructorProject[id];
            var cityIndex = r.Chance(0.7) ? plan.ProjectCity[home] : r.Next(DemoVocabulary.Cities.Length);
            var city = DemoVocabulary.Cities[cityIndex];
            var created = CreatedAt(r, id, plan.Instructors, 0, 400);
            var linked = plan.InstructorUser[id] != 0;
            w.Row();
            w.Int(id);
            w.Text($"{plan.Domaincode[home]}.instructor_{Slug(first)}_{Slug(last)}_{id}");
            w.Text($"{first} {last}");
            w.Text(r.Next(5) switch
            {
                0 => null,
                1 => $"{Slug(first, '.')}.{Slug(last, '.')}{(round > 0 ? Inv(round) : "")}@{r.Pick(DemoVocabulary.MailProviders)}",
                _ => $"{Slug(first, '.')}@{plan.Domaincode[home].Replace('_', '-')}.de",
            });
            w.Text(r.Chance(0.25) ? null : Phone(r, cityIndex));
            w.Text(city.City);
            w.Text(city.Country);
            w.Text(r.Chance(0.15) ? null : city.Country == "cz"
                ? "Herec a lektor dramatické výchovy, vede kurzy pro děti i dospělé."
                : $"Theaterpädagog:in mit Schwerpunkt {r.Pick(DemoVocabulary.Skills).Title}. {r.Pick(DemoVocabulary.Sentences)}");
            w.Text(r.Chance(0.3) ? plan.EventXmlId(plan.LiveEvent(r)) : null);
            w.Text(Inv(1 + r.Next(3)));
            w.Ref(r.Chance(0.05) ? 0 : r.Pick(st.Persons));
            w.Text(r.Chance(0.7) ? "yes" : "no");
            w.Text(r.Next(4) switch { 0 => null, 1 => "banner", 2 => "cover", _ => "simple" });
            w.Text(r.Chance(0.3) ? $"### Schwerpunkte\n- {r.Pick(DemoVocabulary.Skills).Title}\n- {r.Pick(DemoVocabulary.Skills).Title}" : null);
            w.Text(r.Chance(0.05) ? "<p>Zertifiziert: <strong>BuT</strong></p>" : null);
            w.Int(r.Chance(0.1) ? 1 : 0);
            w.Stamp(created);
            w.Text(r.Chance(0.5) ? Iso(created.AddDays(r.Next(1, 150))) : null);
            w.Bool(false); // the trigger on users sets it when an account links to this instructor
            w.Text(r.Next(4) switch { 0 => null, 1 => "small", 2 => "medium", _ => "large" });
            w.Text(linked && r.Chance(0.2) ? "en" : Lang(r, city.Country));
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ users

    public static async Task<long> UsersAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltUsers);
        await using var w = ctx.Binary("users",
            "id, sysmail, extmail, username, password, role, status_id, instructor_id, participant_id, lang, created_at, updated_at, img_id");
        for (var id = 1; id <= plan.Users; id++)
        {
            var (first, last, round) = plan.UserPerson(id);
            var suffix = round > 0 ? Inv(round) : "";
            var created = CreatedAt(r, id, plan.Users, 0, HistoryDays);
            w.Row();
            w.Int(id);
            w.Text(plan.UserMail(id));
            // extmail: never in the sysmail domain, unique because (first, last, round) is unique per user
            w.Text(r.Next(10) switch
            {
                < 3 => $"{Slug(last, '.')}.{Slug(first, '.')}{suffix}@{r.Pick(DemoVocabulary.MailProviders)}",
                < 4 => $"{Slug(first, '.')}_{Slug(last, '.')}{suffix}@{r.Pick(DemoVocabulary.MailProviders)}",
                _ => null,
            });
            w.Text($"{first} {last}");
            w.Text(FakeBcrypt(r));
            w.Text(id == 1 ? "admin" : r.Next(20) switch { 0 => "admin", < 3 => "base", _ => "user" });
            w.Ref(r.Chance(0.05) ? 0 : r.Pick(st.Users));
            w.Ref(plan.UserInstructor[id]);
            w.Ref(plan.UserParticipant[id]);
            w.Text(r.Next(8) switch { 0 => "en", 1 => "cz", _ => "de" });
            w.Stamp(created);
            w.Stamp(r.Chance(0.5) ? created : created.AddSeconds(r.Next(60, 86400 * 120)));
            w.Ref(plan.UserAvatar[id]);
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }
}
