namespace Crearis.Backup.Core.Profile;

/// <summary>The Crearis platform's 17 content tables, their natural keys and the references its schema leaves undeclared.</summary>
public static class CrearisProfile
{
    private static readonly string[] ImageFields = ["img_show", "img_thumb", "img_square", "img_wide", "img_vert"];

    // The platform's triggers keep these equal to the row's events_tags / posts_tags links (ids and labels).
    private static readonly string[] TagCaches = ["tags_ids", "tags_display"];

    private static KeyPart[] Key(params string[] columns) => columns.Select(c => new KeyPart(c)).ToArray();

    public static BackupProfile Default { get; } = new("crearis", [
        // Status rows are seeded identically by the platform's migrations: their ids are stable and are the key.
        new TableProfile("status", Key("id"), [], []),
        new TableProfile("tags", Key("name"), [], []),
        new TableProfile("users", Key("sysmail"),
            [ReferenceSpec.To("participant_id", "participants")],
            ImageFields),
        new TableProfile("projects", Key("domaincode"),
            [ReferenceSpec.To("member_ids", "users", ReferenceShape.JsonArray)],
            [.. ImageFields, "is_location_provider"]),
        new TableProfile("images", Key("xmlid"),
            [
                ReferenceSpec.To("root_id", "images"),
                ReferenceSpec.To("status_id", "status"),
                ReferenceSpec.Composite("variations", "images", "parent_id", "alike_ids"),
            ],
            [.. ImageFields, "project_domaincode", "root_id", "use_player", "is_public", "is_private", "is_internal",
             "is_deprecated", "has_issues"]),
        new TableProfile("instructors", Key("xmlid"),
            [ReferenceSpec.To("regio_id", "projects")],
            [.. ImageFields, "is_user", "regio_id"]),
        new TableProfile("locations", Key("xmlid"), [], ImageFields),
        new TableProfile("participants", Key("xmlid"), [], ["is_user"]),
        new TableProfile("posts", Key("xmlid"),
            [
                ReferenceSpec.To("tags_ids", "tags", ReferenceShape.IntArray),
                ReferenceSpec.To("tag_ids", "tags", ReferenceShape.TextList),
            ],
            [.. ImageFields, "regio_id", "tags_ids", "tags_display"],
            LinkCaches: TagCaches),
        new TableProfile("events", Key("xmlid"),
            [ReferenceSpec.To("tags_ids", "tags", ReferenceShape.IntArray)],
            [.. ImageFields, "regio_id", "tags_ids", "tags_display"],
            LinkCaches: TagCaches),
        // Interactions have no key column: one is recognised by who (user), where (project), what (name) and when.
        new TableProfile("interactions",
            [new KeyPart("user_id", "users"), new KeyPart("project_id", "projects"), new KeyPart("name"), new KeyPart("timestamp")],
            [], [],
            KeyNote: "user (sysmail), project (domaincode), name and timestamp"),
        new TableProfile("pages", [new KeyPart("project", "projects"), new KeyPart("page_type")], [], []),
        new TableProfile("tasks", Key("id"),
            [
                ReferenceSpec.Polymorphic("record_type", "record_id", new Dictionary<string, string>
                {
                    ["post"] = "posts", ["event"] = "events", ["project"] = "projects",
                }),
                ReferenceSpec.To("assigned_to", "users", ReferenceShape.TextList),
            ],
            // The platform's trigger stamps updated_at on every update.
            ["updated_at"]),
        new TableProfile("project_members", [new KeyPart("project_id", "projects"), new KeyPart("user_id", "users")], [], []),
        new TableProfile("event_instructors", [new KeyPart("event_id", "events"), new KeyPart("instructor_id", "instructors")],
            // The platform declares no foreign keys on this table at all.
            [ReferenceSpec.To("event_id", "events"), ReferenceSpec.To("instructor_id", "instructors")], []),
        new TableProfile("events_tags", [new KeyPart("event_id", "events"), new KeyPart("tag_id", "tags")], [], []),
        new TableProfile("posts_tags", [new KeyPart("post_id", "posts"), new KeyPart("tag_id", "tags")], [], []),
    ], [
        // trgfn_instructors_regio looks for "the user of this instructor" on every instructor insert and every is_user
        // change (each user linked to an instructor sets it): without this index one scan of users per instructor.
        new LookupIndex("users", "instructor_id", "trgfn_instructors_regio finds an instructor's user by users.instructor_id"),
    ])
    {
        ProjectSeeds = new FilterSeeds("projects", "domaincode"),
        UserSeeds = new FilterSeeds("users", "sysmail"),
        // What an admin who asks for "this project" or "this user" expects with it. Not followed: a project's owner or
        // members as users (they come as parents, without their other projects), a user's owned projects.
        ChildRules =
        [
            new ChildRule("events", "project_id", "projects", "events of a selected project"),
            new ChildRule("posts", "project_id", "projects", "posts of a selected project"),
            new ChildRule("pages", "project", "projects", "pages of a selected project"),
            new ChildRule("locations", "project_id", "projects", "locations of a selected project"),
            new ChildRule("images", "project_id", "projects", "images of a selected project"),
            new ChildRule("project_members", "project_id", "projects", "memberships of a selected project"),
            new ChildRule("interactions", "project_id", "projects", "interactions in a selected project"),
            new ChildRule("tasks", "record_id", "projects", "tasks on a selected project (record_type project)"),
            new ChildRule("events_tags", "event_id", "events", "tag links of a selected event"),
            new ChildRule("event_instructors", "event_id", "events", "instructor links of a selected event"),
            new ChildRule("tasks", "record_id", "events", "tasks on a selected event (record_type event)"),
            new ChildRule("posts_tags", "post_id", "posts", "tag links of a selected post"),
            new ChildRule("tasks", "record_id", "posts", "tasks on a selected post (record_type post)"),
            new ChildRule("project_members", "user_id", "users", "memberships of a selected user"),
            new ChildRule("interactions", "user_id", "users", "interactions of a selected user"),
            new ChildRule("images", "owner_id", "users", "images a selected user owns"),
            new ChildRule("tasks", "assigned_to", "users", "tasks assigned to a selected user"),
        ],
    };
}
