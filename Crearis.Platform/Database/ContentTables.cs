namespace Crearis.Platform.Database;

/// <summary>The content tables a Crearis backup covers.</summary>
public static class ContentTables
{
    public static IReadOnlyList<string> All { get; } =
    [
        "tags", "status", "users", "projects", "images", "instructors", "locations", "participants", "posts",
        "events", "interactions", "pages", "tasks", "project_members", "event_instructors", "events_tags", "posts_tags",
    ];
}
