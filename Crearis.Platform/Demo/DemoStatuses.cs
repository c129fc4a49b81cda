namespace Crearis.Platform.Demo;

/// <summary>The status ids present in the target database, grouped by their "table" column.</summary>
internal sealed class DemoStatuses
{
    /// <summary>Status id whose assignment makes the platform trigger create project pages (20 = progress).</summary>
    public const int ProjectPagesStatus = 20;

    private readonly Dictionary<string, int[]> _byTable;

    private DemoStatuses(Dictionary<string, int[]> byTable) => _byTable = byTable;

    public int[] Projects => Get("projects");
    public int[] Events => Get("events");
    public int[] Posts => Get("posts");
    public int[] Persons => Get("persons");
    public int[] Users => Get("users");
    public int[] Tasks => Get("tasks");
    public int[] Interactions => Get("interactions");
    public int[] Images => Get("images");

    /// <summary>Project statuses that do not create pages (anything but 19 and 20).</summary>
    public int[] ProjectsWithoutPages { get; private set; } = [];

    private int[] Get(string table) => _byTable[table];

    public static async Task<DemoStatuses> LoadAsync(DemoContext ctx)
    {
        var map = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        await using (var cmd = ctx.Command("SELECT id, \"table\" FROM status ORDER BY id"))
        await using (var reader = await cmd.ExecuteReaderAsync(ctx.Token).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ctx.Token).ConfigureAwait(false))
            {
                var id = reader.GetInt32(0);
                var table = reader.GetString(1);
                if (!map.TryGetValue(table, out var list)) map[table] = list = [];
                list.Add(id);
            }
        }

        string[] required = ["projects", "events", "posts", "persons", "users", "tasks", "interactions", "images"];
        var missing = required.Where(t => !map.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                "The status table has no rows for: " + string.Join(", ", missing) + ". Seed the 81 platform status rows first.");
        }

        var statuses = new DemoStatuses(map.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal));
        if (!statuses.Projects.Contains(ProjectPagesStatus))
        {
            throw new InvalidOperationException($"The status table has no projects status with id {ProjectPagesStatus} (progress).");
        }
        statuses.ProjectsWithoutPages = statuses.Projects.Where(id => id is not 19 and not ProjectPagesStatus).ToArray();
        if (statuses.ProjectsWithoutPages.Length == 0) statuses.ProjectsWithoutPages = [statuses.Projects[0]];
        return statuses;
    }
}
