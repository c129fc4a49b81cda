using static Crearis.Platform.Demo.DemoFormat;

namespace Crearis.Platform.Demo;

/// <summary>Row writers for locations, events, posts, the four junction tables, interactions, pages and tasks.</summary>
internal static partial class DemoTables
{
    private static readonly string[] LocationKinds =
    [
        "Probebühne", "Saal", "Studio", "Turnhalle der Grundschule", "Pfarrsaal", "Zirkuszelt", "Freilichtbühne", "Jugendzentrum",
        "Kulturscheune", "Stadtteilzentrum", "Velký sál", "Zkušebna", "Werkstattbühne", "Aula",
    ];

    /// <summary>Event text statuses; the ones the platform treats as "publishing" need a public_user with an account.</summary>
    private static readonly string?[] EventTextStatus =
    [
        "published", "published", "published", "published", "published", "published", "published", "published", "published",
        "active", "active", "final", "reopen", "trash", "draft", "draft", "draft", "new", "new", "idea", "planned", "", null,
    ];

    private static bool IsPublishing(string? status) => status is "published" or "active" or "final" or "reopen" or "trash";

    // ------------------------------------------------------------------------------------------------ locations

    public static async Task<long> LocationsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltLocations);
        await using var w = ctx.Binary("locations",
            "id, xmlid, name, phone, email, city, zip, street, country_id, is_company, category_id, header_type, header_size, md, " +
            "is_location_provider, event_xmlid, version_id, status_id, project_id, isbase, created_at, updated_at, img_id, lang");
        for (var id = 1; id <= plan.Locations; id++)
        {
            var home = plan.LocationHome[id];
            var cityIndex = r.Chance(0.8) ? plan.ProjectCity[home] : r.Next(DemoVocabulary.Cities.Length);
            if (id == 1) cityIndex = Array.FindIndex(DemoVocabulary.Cities, c => c.Zip.StartsWith('0')); // zip '0…' always present
            var city = DemoVocabulary.Cities[cityIndex];
            var kind = r.Pick(LocationKinds);
            var name = r.Chance(0.5) ? $"{kind} {city.City}" : $"{kind} {r.Pick(DemoVocabulary.Streets)}";
            var created = CreatedAt(r, id, plan.Locations, 10, 450);
            w.Row();
            w.Int(id);
            w.Text($"{plan.Domaincode[home]}.location_{Slug(kind)}_{id}");
            w.Text(name);
            w.Text(id == 1 ? "0" + Inv(r.Next(8100, 8199)) + Inv(r.Next(100000, 999999)) : r.Next(6) switch { 0 => null, 1 => "", _ => Phone(r, cityIndex) });
            w.Text(r.Chance(0.5) ? null : $"info@{Slug(kind, '.').Replace('.', '-')}-{Slug(city.City, '.').Replace('.', '-')}.{(city.Country == "cz" ? "cz" : city.Country == "at" ? "at" : "de")}");
            w.Text(city.City);
            w.Text(r.Chance(0.05) ? null : city.Zip);
            w.Text(r.Chance(0.1) ? null : $"{r.Pick(DemoVocabulary.Streets)} {Inv(r.Next(1, 120))}{(r.Chance(0.1) ? "a" : "")}");
            w.Text(city.Country);
            w.Text(r.Next(3) switch { 0 => "true", 1 => "false", _ => null });
            w.Text(Inv(r.Next(1, 6)));
            w.Text(r.Next(3) switch { 0 => "banner", 1 => "simple", _ => null });
            w.Text(r.Next(4) switch { 0 => "large", 1 => "small", _ => null });
            w.Text(r.Chance(0.3) ? "Barrierefreier Zugang über den Hof. Parkplätze: " + Inv(r.Next(0, 40)) : null);
            w.Text(r.Chance(0.4) ? "true" : null);
            w.Text(r.Chance(0.2) ? plan.EventXmlId(plan.LiveEvent(r)) : null);
            w.Text(Inv(1 + r.Next(3)));
            var status = r.Pick(st.Persons);
            w.Ref(r.Chance(0.2) && id > 1 ? 0 : status); // location 1 always marks its project as location provider
            w.Ref(plan.LocationWithoutProject[id] ? 0 : home);
            w.Int(0);
            w.Stamp(created);
            w.Text(r.Chance(0.4) ? Iso(created.AddDays(r.Next(1, 60))) : null);
            w.Ref(r.Chance(0.4) ? plan.ProjectImage(r, home) : 0);
            w.Text(city.Country == "cz" ? "cz" : "de");
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ events

    private static int LinkedInstructor(Random r, DemoPlan plan, int project)
    {
        var local = plan.InstructorsByProject[project];
        for (var i = 0; i < 3 && local.Length > 0; i++)
        {
            var candidate = local[r.Next(local.Length)];
            if (plan.InstructorUser[candidate] != 0) return candidate;
        }
        return plan.LinkedInstructors[r.Next(plan.LinkedInstructors.Length)];
    }

    private static int AnyInstructor(Random r, DemoPlan plan, int project)
    {
        var local = plan.InstructorsByProject[project];
        return local.Length > 0 && r.Chance(0.7) ? local[r.Next(local.Length)] : 1 + r.Next(plan.Instructors);
    }

    public static async Task<long> EventsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltEvents);
        await using var w = ctx.Binary("events",
            "id, xmlid, name, date_begin, date_end, address_id, user_id, seats_max, header_type, rectitle, teaser, version_id, " +
            "created_at, updated_at, status, isbase, template, public_user, location, event_type, md, html, status_id, lang, project_id, img_id");
        for (var id = 1; id <= plan.Events; id++)
        {
            var project = plan.EventProject[id];
            var (_, title, type) = plan.EventTitle(id);
            var status = r.Pick(EventTextStatus);
            var created = CreatedAt(r, id, plan.Events, 30, HistoryDays);
            var begin = created.AddDays(r.Next(7, 200)).Date.AddHours(r.Next(9, 21)).AddMinutes(r.Next(0, 4) * 15);
            var members = plan.Members[project];
            var locations = plan.LocationsByProject[project];
            var location = locations.Length > 0 && r.Chance(0.8) ? locations[r.Next(locations.Length)]
                : r.Chance(0.5) ? 1 + r.Next(plan.Locations) : 0;
            var publicUser = IsPublishing(status) ? LinkedInstructor(r, plan, project)
                : r.Chance(0.7) ? AnyInstructor(r, plan, project) : 0;
            var lang = r.Next(10) switch { 0 => "en", 1 => "cz", _ => "de" };
            w.Row();
            w.Int(id);
            w.Text(plan.EventXmlId(id));
            w.Text(lang == "cz" && r.Chance(0.5) ? title + " / Představení" : title);
            w.Text(SqlStamp(begin));
            w.Text(r.Chance(0.15) ? null : SqlStamp(begin.AddHours(type is "course" or "tour" or "festival" ? 24 * r.Next(1, 5) + r.Next(0, 6) : r.Next(1, 4))));
            w.Text(r.Chance(0.8) ? null : Inv(r.Next(1, 40)));
            w.Ref(r.Chance(0.1) ? 0 : members[r.Next(members.Length)]);
            w.Int(r.Chance(0.1) ? null : r.Next(1, 30) * 10);
            w.Text(r.Next(4) switch { 0 => null, 1 => "banner", 2 => "cover", _ => "simple" });
            w.Text(r.Chance(0.7) ? null : title.Length > 20 ? title[..20] : title);
            w.Text(r.Chance(0.1) ? "" : r.Pick(DemoVocabulary.Sentences));
            w.Text(Inv(1 + r.Next(3)));
            w.Stamp(r.Chance(0.03) ? null : created);
            w.Text(r.Chance(0.5) ? Iso(created.AddDays(r.Next(0, 30)).AddSeconds(r.Next(86400))) : null);
            w.Text(status);
            w.Int(r.Chance(0.05) ? 1 : 0);
            w.Text(r.Next(8) switch { 0 => "default", 1 => "youth", _ => null });
            w.Ref(publicUser);
            w.Ref(location);
            w.Text(type);
            w.Text(r.Chance(0.3) ? Markdown(r, title) : null);
            w.Text(r.Chance(0.05) ? $"<h2>{title}</h2><p>Einlass 30&nbsp;Minuten vorher</p>" : null);
            w.Ref(r.Chance(0.05) ? 0 : r.Pick(st.Events));
            w.Text(lang);
            w.Ref(project);
            w.Ref(r.Chance(0.6) ? plan.ProjectImage(r, project) : 0);
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ posts

    public static async Task<long> PostsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltPosts);
        var tagMean = plan.TargetPostsTags / (double)plan.Posts;
        await using var w = ctx.Binary("posts",
            "id, xmlid, name, subtitle, teaser, author_id, blog_id, tag_ids, website_published, is_published, post_date, " +
            "cover_properties, event_xmlid, version_id, created_at, updated_at, status, isbase, template, public_user, header_type, md, html, " +
            "status_id, lang, project_id, img_id");
        for (var id = 1; id <= plan.Posts; id++)
        {
            var project = plan.PostProject[id];
            var (slug, title) = plan.PostTitle(id);
            var created = CreatedAt(r, id, plan.Posts, 30, HistoryDays);
            var published = r.Chance(0.7);
            var members = plan.Members[project];
            var author = members[r.Next(members.Length)];
            var tags = plan.TagsOf(1, id, tagMean);
            w.Row();
            w.Int(id);
            w.Text($"{plan.Domaincode[project]}.post_{slug}_{id}");
            w.Text(title);
            w.Text(r.Next(4) switch { 0 => null, 1 => "", _ => r.Pick(DemoVocabulary.Sentences) });
            w.Text(r.Chance(0.05) ? null : r.Pick(DemoVocabulary.Sentences));
            w.Text(r.Chance(0.1) || plan.UserDeleted[author] ? null : Inv(author));
            w.Text(Inv(1 + r.Next(9)));
            w.Text(tags.Length == 0 || r.Chance(0.1) ? null : string.Join(',', tags));
            w.Text(published ? "True" : "False");
            w.Text(published ? "True" : r.Chance(0.5) ? "False" : "false");
            w.Text(r.Chance(0.1) ? null : Day(created.AddDays(r.Next(0, 10))));
            w.Text(r.Chance(0.85) ? null : "{\"position\": \"top\", \"opacity\": 0.8}");
            w.Text(r.Chance(0.25) ? plan.EventXmlId(plan.LiveEvent(r)) : null);
            w.Text(Inv(1 + r.Next(3)));
            w.Stamp(r.Chance(0.03) ? null : created);
            w.Text(r.Chance(0.4) ? Iso(created.AddDays(r.Next(0, 40))) : null);
            w.Text(published ? "published" : r.Chance(0.8) ? "draft" : "new");
            w.Int(0);
            w.Text(r.Chance(0.1) ? "article" : null);
            w.Ref(r.Chance(0.6) ? AnyInstructor(r, plan, project) : 0);
            w.Text(r.Next(4) switch { 0 => null, 1 => "banner", 2 => "cover", _ => "simple" });
            w.Text(r.Chance(0.5) ? Markdown(r, title) : null);
            w.Text(r.Chance(0.05) ? "<blockquote>„Großartig!“ – Landshuter Zeitung</blockquote>" : null);
            w.Ref(r.Chance(0.05) ? 0 : r.Pick(st.Posts));
            w.Text(r.Next(10) switch { 0 => "en", 1 => "cz", _ => "de" });
            w.Ref(project);
            w.Ref(r.Chance(0.5) ? plan.ProjectImage(r, project) : 0);
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ junction tables

    public static async Task<long> EventInstructorsAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltEventInstructors);
        var mean = plan.TargetEventInstructors / (double)Math.Max(1, plan.Events - plan.DeletedEvents.Length);
        var picked = new List<int>(8);
        await using var w = ctx.Binary("event_instructors", "event_id, instructor_id, added_at");
        for (var e = 1; e <= plan.Events; e++)
        {
            if (plan.EventDeleted[e]) continue; // the table has no FK: a live system removes these rows by hand
            var k = r.CountAround(mean, Math.Min(6, plan.Instructors));
            picked.Clear();
            var guard = k * 6;
            while (picked.Count < k && guard-- > 0)
            {
                var i = AnyInstructor(r, plan, plan.EventProject[e]);
                if (!picked.Contains(i)) picked.Add(i);
            }
            var at = CreatedAt(r, e, plan.Events, 30, HistoryDays);
            foreach (var i in picked)
            {
                w.Row();
                w.Int(e);
                w.Int(i);
                w.Stamp(at.AddMinutes(r.Next(0, 600)));
            }
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Rows after which the tag junction COPYs are split to analyze the table (see SplitAndAnalyzeAsync).</summary>
    private const int SplitRows = 2_000;

    public static async Task<long> EventsTagsAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltEventsTags);
        var mean = plan.TargetEventsTags / (double)plan.Events;
        await using var w = ctx.Binary("events_tags", "event_id, tag_id, created_at");
        var split = false;
        for (var e = 1; e <= plan.Events; e++)
        {
            if (!split && w.Rows >= SplitRows)
            {
                await w.SplitAndAnalyzeAsync().ConfigureAwait(false);
                split = true;
            }
            var at = CreatedAt(r, e, plan.Events, 30, HistoryDays, micros: false);
            var n = 0;
            foreach (var t in plan.TagsOf(0, e, mean))
            {
                w.Row();
                w.Int(e);
                w.Int(t);
                w.Stamp(at.AddSeconds(n++));
            }
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    public static async Task<long> PostsTagsAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltPostsTags);
        var mean = plan.TargetPostsTags / (double)plan.Posts;
        await using var w = ctx.Binary("posts_tags", "post_id, tag_id, created_at");
        var split = false;
        for (var p = 1; p <= plan.Posts; p++)
        {
            if (!split && w.Rows >= SplitRows)
            {
                await w.SplitAndAnalyzeAsync().ConfigureAwait(false);
                split = true;
            }
            var at = CreatedAt(r, p, plan.Posts, 30, HistoryDays);
            var n = 0;
            foreach (var t in plan.TagsOf(1, p, mean))
            {
                w.Row();
                w.Int(p);
                w.Int(t);
                w.Stamp(r.Chance(0.05) ? null : at.AddSeconds(n++));
            }
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    public static async Task<long> ProjectMembersAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltMembers);
        await using var w = ctx.Binary("project_members", "project_id, user_id, role, added_at");
        for (var p = 1; p <= plan.Projects; p++)
        {
            var since = CreatedAt(r, p, plan.Projects, 0, 360);
            foreach (var u in plan.Members[p])
            {
                w.Row();
                w.Int(p);
                w.Int(u);
                w.Text(u == plan.ProjectOwner[p] ? "owner" : r.Next(20) switch { 0 => "editor", 1 => "admin", 2 => null, _ => "member" });
                w.Stamp(u == plan.ProjectOwner[p] ? since : since.AddDays(r.Next(0, 300)).AddSeconds(r.Next(86400)));
            }
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ interactions

    public static async Task<long> InteractionsAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltInteractions);
        await using var w = ctx.Binary("interactions",
            "id, user_id, name, project_id, \"timestamp\", status_id, actions, to_mail, from_mail, subject, md, fields");
        for (var id = 1; id <= plan.Interactions; id++)
        {
            var project = plan.SkewedProject(r);
            var kind = r.Pick(DemoVocabulary.InteractionNames);
            var user = r.Chance(0.5) ? 1 + r.Next(plan.Users) : 0;
            var (first, last, _) = DemoPlan.Person(r.Next(100000), 911);
            var from = user != 0 && r.Chance(0.7) ? plan.UserMail(user) : $"{Slug(first, '.')}.{Slug(last, '.')}@{r.Pick(DemoVocabulary.MailProviders)}";
            var at = CreatedAt(r, id, plan.Interactions, 60, HistoryDays + 30);
            string? actions = kind switch
            {
                "contact_form" => "{\"notify\": [" + JsonStr(plan.UserMail(plan.ProjectOwner[project])) + "], \"reply\": false}",
                "event_registration" => "{\"confirm\": true}",
                "membership_request" => "{\"assign_role\": \"member\"}",
                _ => null,
            };
            if (id == 2) actions = "null"; // a JSON null (not SQL NULL) in a jsonb column
            string? fields = kind switch
            {
                "contact_form" => $"{{\"name\": {JsonStr(first + " " + last)}, \"phone\": \"0170 {Inv(r.Next(1000000, 9999999))}\", \"tickets\": \"{Inv(r.Next(1, 5))}\"}}",
                "event_registration" => $"{{\"event_xmlid\": {JsonStr(plan.EventXmlId(plan.LiveEvent(r)))}, \"children\": {Inv(r.Next(1, 4))}, \"names\": [{JsonStr(first)}, \"Jiří\"]}}",
                "newsletter_signup" => $"{{\"list\": \"{plan.Domaincode[project]}-news\", \"double_opt_in\": true}}",
                "membership_request" => $"{{\"age\": \"{Inv(r.Next(12, 70))}\", \"parent_consent\": {(r.Chance(0.5) ? "true" : "false")}}}",
                "ticket_order" => $"{{\"seats\": [{Inv(r.Next(1, 20))}, {Inv(r.Next(21, 40))}], \"price\": 12.5, \"meta\": {{\"discount\": null, \"codes\": []}}}}",
                _ => r.Chance(0.5) ? null : $"{{\"rating\": {Inv(r.Next(1, 6))}, \"comment\": \"Schöne Aufführung – díky!\"}}",
            };
            w.Row();
            w.Int(id);
            w.Ref(user);
            w.Text(kind);
            w.Ref(r.Chance(0.05) ? 0 : project);
            w.Stamp(at);
            w.Int(r.Pick(st.Interactions));
            w.Json(actions);
            w.Text(r.Chance(0.3) ? null : $"kontakt@{plan.Domaincode[project].Replace('_', '-')}.de");
            w.Text(from);
            w.Text(kind switch
            {
                "contact_form" => "Frage zu ermäßigten Karten",
                "event_registration" => "Anmeldung",
                "membership_request" => "Aufnahme ins Ensemble",
                "feedback" => r.Chance(0.3) ? "You have won!!!" : "Rückmeldung zur Vorstellung",
                _ => null,
            });
            w.Text(r.Chance(0.6) ? null : r.Pick(DemoVocabulary.Sentences) + "\n\nViele Grüße\n" + first);
            w.Json(fields);
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ pages

    private static readonly string[] PageHeaderTypes = ["simple", "columns", "banner", "cover", "bauchbinde"];

    public static async Task<(long Rows, List<string> Ids)> PagesAsync(DemoContext ctx, DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltPages);
        var ids = new List<string>(plan.ExplicitPages);
        await using var w = ctx.Binary("pages",
            "id, project, header_type, page_type, created_at, updated_at, page_options, header_options, aside_options, footer_options");
        foreach (var p in plan.LiveProjects)
        {
            var mask = plan.ProjectExplicitPages[p];
            if (mask == 0) continue;
            var created = CreatedAt(r, p, plan.Projects, 0, 360);
            foreach (var (bit, type) in DemoPlan.PageTypes)
            {
                if ((mask & bit) == 0) continue;
                var id = RandomUuid(r);
                ids.Add(id);
                w.Row();
                w.Text(id);
                w.Int(p);
                w.Text(r.Chance(0.05) ? null : r.Pick(PageHeaderTypes));
                w.Text(type);
                w.Stamp(created);
                w.Stamp(r.Chance(0.5) ? created : created.AddDays(r.Next(1, 200)));
                w.Json(r.Chance(0.3) ? "{\"layout\": \"wide\"}" : "{}");
                w.Json(r.Next(4) switch
                {
                    0 => "{\"title\": \"Bühne frei für alle!\", \"cta\": {\"label\": \"Mitmachen\", \"link\": \"/mitmachen\"}}",
                    1 => null,
                    _ => "{}",
                });
                w.Json(r.Chance(0.2) ? "{\"toc\": false}" : "{}");
                w.Json(r.Chance(0.2) ? "{\"sitemap\": true}" : "{}");
            }
        }
        var rows = await w.CompleteAsync().ConfigureAwait(false);
        return (rows, ids);
    }

    /// <summary>Deterministic ids and timestamps for the pages the platform trigger creates on a project's status change.</summary>
    public static (int[] Projects, string[] Types, string[] Ids, DateTime[] Stamps) TriggerPageKeys(DemoPlan plan)
    {
        var r = TableRandom(plan.Seed, SaltPages + 1);
        var projects = new List<int>();
        var types = new List<string>();
        var ids = new List<string>();
        var stamps = new List<DateTime>();
        foreach (var p in plan.LiveProjects)
        {
            var mask = plan.ProjectTriggerPages[p];
            if (mask == 0) continue;
            var at = r.Stamp(HistoryDays - 30, HistoryDays, true);
            foreach (var (bit, type) in DemoPlan.PageTypes)
            {
                if ((mask & bit) == 0) continue;
                projects.Add(p);
                types.Add(type);
                ids.Add(RandomUuid(r));
                stamps.Add(at);
            }
        }
        return (projects.ToArray(), types.ToArray(), ids.ToArray(), stamps.ToArray());
    }

    // ------------------------------------------------------------------------------------------------ tasks

    public static async Task<long> TasksAsync(DemoContext ctx, DemoPlan plan, DemoStatuses st)
    {
        var r = TableRandom(plan.Seed, SaltTasks);
        await using var w = ctx.Binary("tasks",
            "id, name, description, category, priority, record_type, record_id, assigned_to, created_at, updated_at, due_date, " +
            "completed_at, version_id, release_id, cimg, prompt, logic, filter, entity_name, status_id, lang");
        for (var n = 1; n <= plan.Tasks; n++)
        {
            var c = r.Next(100);
            string? recordType;
            string? recordId;
            string? entity;
            var category = "project";
            if (c < 45)
            {
                var e = plan.LiveEvent(r);
                recordType = "event";
                recordId = Inv(e);
                entity = plan.EventTitle(e).Title;
            }
            else if (c < 85)
            {
                var p = 1 + r.Next(plan.Posts);
                recordType = "post";
                recordId = Inv(p);
                entity = plan.PostTitle(p).Title;
            }
            else if (c < 95)
            {
                var p = plan.LiveProjects[r.Next(plan.LiveProjects.Length)];
                recordType = "project";
                recordId = Inv(p);
                entity = plan.Domaincode[p];
                category = r.Chance(0.5) ? "main" : "admin";
            }
            else
            {
                recordType = null;
                recordId = null;
                entity = null;
                category = "base";
            }
            var created = CreatedAt(r, n, plan.Tasks, 40, HistoryDays);
            var done = r.Chance(0.25);
            var assignee = r.Chance(0.2) ? 0 : plan.LiveUser(r);
            w.Row();
            w.Text(r.Chance(0.15) ? RandomUuid(r) : RandomToken(r, 21));
            w.Text(category == "main" && entity is not null ? entity : r.Pick(DemoVocabulary.TaskVerbs));
            w.Text(r.Next(3) switch { 0 => null, 1 => "", _ => r.Pick(DemoVocabulary.Sentences) });
            w.Text(category);
            w.Text(r.Next(8) switch { 0 => "low", 1 => "high", 2 => "urgent", _ => "medium" });
            w.Text(recordType);
            w.Text(recordId);
            w.Text(assignee == 0 ? null : Inv(assignee));
            w.Stamp(created);
            w.Text(r.Next(3) switch
            {
                0 => null,
                1 => Iso(created.AddDays(r.Next(0, 20))),
                _ => created.AddDays(r.Next(0, 20)).ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "+00",
            });
            w.Text(r.Chance(0.3) ? null : Day(created.AddDays(r.Next(3, 90))));
            w.Text(done ? Iso(created.AddDays(r.Next(1, 60))) : null);
            w.Text(n == 1 ? "2" : Inv(1 + r.Next(3)));
            w.Text(n == 1 ? "1.10" : r.Next(5) switch { 0 => "0.4", 1 => "1.10", 2 => "2", _ => null });
            w.Text(null);
            w.Text(r.Chance(0.05) ? "Übersetze den Beitrag ins Tschechische, Ton: freundlich." : null);
            w.Text(r.Chance(0.05) ? "status_id < 5" : null);
            w.Text(r.Chance(0.05) ? "record_type = " + (recordType ?? "post") : null);
            w.Text(entity);
            w.Int(r.Pick(st.Tasks));
            w.Text(r.Next(8) switch { 0 => "cz", 1 => "en", _ => "de" });
        }
        return await w.CompleteAsync().ConfigureAwait(false);
    }
}
