using static Crearis.Platform.Demo.DemoFormat;

namespace Crearis.Platform.Demo;

/// <summary>
/// Row counts and the cross-table structure of one run (which user owns what, which project an event belongs to, ...).
/// Everything here is a small array of ids per table (index = id, slot 0 unused), decided before any row is written,
/// so that the table writers can stream their rows without looking at each other's data.
/// </summary>
internal sealed class DemoPlan
{
    public const byte PageLanding = 1, PagePost = 2, PageEvent = 4, PageTeam = 8;
    public static readonly (byte Bit, string Type)[] PageTypes = [(PageLanding, "landing"), (PagePost, "post"), (PageEvent, "event"), (PageTeam, "team")];

    private const uint SaltPlan = 0x504C414E;

    public int Seed { get; }
    public int TotalRows { get; }

    // ------------------------------------------------------------ counts
    public int Tags { get; private set; }
    public int Projects { get; private set; }
    public int Regios { get; private set; }
    public int Users { get; private set; }
    public int Participants { get; private set; }
    public int Instructors { get; private set; }
    public int Linked { get; private set; }
    public int Locations { get; private set; }
    public int Avatars { get; private set; }
    public int ContentImages { get; private set; }
    public int Images => Avatars + ContentImages;
    public int Events { get; private set; }
    public int Posts { get; private set; }
    public int Interactions { get; private set; }
    public int Tasks { get; private set; }
    public int TargetEventInstructors { get; private set; }
    public int TargetEventsTags { get; private set; }
    public int TargetPostsTags { get; private set; }
    public int ProjectMemberRows { get; private set; }
    public int ExplicitPages { get; private set; }
    public int TriggerPages { get; private set; }
    public long TotalPlanned { get; private set; }

    // ------------------------------------------------------------ projects (index = project id)
    public string[] Domaincode { get; private set; } = [];
    public int[] ProjectKind { get; private set; } = [];   // -1 = regio, else index into DemoVocabulary.ProjectKinds
    public int[] ProjectCity { get; private set; } = [];   // index into DemoVocabulary.Cities
    public int[] ProjectRegion { get; private set; } = []; // regio: index into DemoVocabulary.Regions
    public string[] ProjectType { get; private set; } = [];
    public int[] ProjectRegio { get; private set; } = [];
    public int[] ProjectOwner { get; private set; } = [];
    public int[] ProjectImg { get; private set; } = [];
    public bool[] ProjectDeleted { get; private set; } = [];
    public bool[] ProjectFlip { get; private set; } = [];
    public byte[] ProjectExplicitPages { get; private set; } = [];
    public byte[] ProjectTriggerPages { get; private set; } = [];
    public string?[] ProjectConfig { get; private set; } = [];
    public bool[] ProjectTeamPage { get; private set; } = [];
    public int[][] Members { get; private set; } = [];      // sorted, distinct user ids (owner included)
    public int[] ProjectOrder { get; private set; } = [];   // random permutation used for skewed picks
    public int[] LiveProjects { get; private set; } = [];   // not deleted
    public int ShowcaseProject { get; private set; }

    // ------------------------------------------------------------ users
    public int[] UserHome { get; private set; } = [];
    public int[] UserInstructor { get; private set; } = [];
    public int[] UserAvatar { get; private set; } = [];
    public int[] UserParticipant { get; private set; } = [];
    public bool[] UserDeleted { get; private set; } = [];

    // ------------------------------------------------------------ instructors / participants
    public int[] InstructorUser { get; private set; } = [];
    public int[] InstructorProject { get; private set; } = [];
    public int[] InstructorImg { get; private set; } = [];
    public int[][] InstructorsByProject { get; private set; } = [];
    public int[] LinkedInstructors { get; private set; } = [];
    public int[] ParticipantUser { get; private set; } = [];
    public int[] ParticipantProject { get; private set; } = [];

    // ------------------------------------------------------------ images (ids 1..Avatars are avatars, then content images)
    public int[] ImageProject { get; private set; } = [];  // project_id (0 = NULL)
    public int[] ImageHome { get; private set; } = [];     // project used for the xmlid
    public int[] ImageOwner { get; private set; } = [];
    public int[] ImageParent { get; private set; } = [];
    public bool[] ImageDeleted { get; private set; } = [];
    public int[][] ImagesByProject { get; private set; } = [];

    // ------------------------------------------------------------ locations / events / posts
    public int[] LocationHome { get; private set; } = [];
    public bool[] LocationWithoutProject { get; private set; } = [];
    public int[][] LocationsByProject { get; private set; } = [];
    public int[] EventProject { get; private set; } = [];
    public bool[] EventDeleted { get; private set; } = [];
    public int[] PostProject { get; private set; } = [];

    public int[] DeletedUsers { get; private set; } = [];
    public int[] DeletedProjects { get; private set; } = [];
    public int[] DeletedImages { get; private set; } = [];
    public int[] DeletedEvents { get; private set; } = [];

    private DemoPlan(int seed, int totalRows)
    {
        Seed = seed;
        TotalRows = totalRows;
    }

    public static DemoPlan Create(DemoDataOptions options)
    {
        var plan = new DemoPlan(options.Seed, options.TotalRows);
        var r = TableRandom(options.Seed, SaltPlan);
        plan.ComputeCounts();
        plan.PlanProjects(r);
        plan.PlanMembers(r);
        plan.PlanInstructorsAndParticipants(r);
        plan.PlanImages(r);
        plan.PlanLocationsEventsPosts(r);
        plan.TotalPlanned = plan.Tags + plan.Projects + plan.Users + plan.Participants + plan.Instructors + plan.Locations
            + plan.Images + plan.Events + plan.Posts + plan.Interactions + plan.Tasks + plan.ProjectMemberRows
            + plan.TargetEventInstructors + plan.TargetEventsTags + plan.TargetPostsTags + plan.ExplicitPages + plan.TriggerPages;
        return plan;
    }

    private void ComputeCounts()
    {
        var n = Math.Max(1, TotalRows);
        var f = n / 300.0;
        // only Sqrt (correctly rounded everywhere) is used for the shape of the data, so counts never depend on the platform
        Projects = Math.Max(4, (int)Math.Round(8 * Math.Sqrt(f)));
        Regios = Math.Clamp((int)Math.Round(2 * Math.Sqrt(Math.Sqrt(f))), 2, Math.Max(2, Projects / 3));
        Tags = Math.Max(8, (int)Math.Round(12 * Math.Sqrt(f)));
        var pagesEstimate = (int)Math.Round(2.0 * Projects);
        var rest = Math.Max(0, n - Projects - Tags - pagesEstimate);
        var u = rest / 264.0;
        int Scale(double weight, int min) => Math.Max(min, (int)Math.Round(weight * u));
        // weights: tables whose platform triggers are expensive per row (images, events, posts, the tag junctions)
        // get a little less, the trigger-free junction tables a little more
        Users = Scale(24, 10);
        Participants = Scale(14, 3);
        Instructors = Scale(14, 4);
        Locations = Scale(8, 3);
        var images = Scale(8, 10);
        Posts = Scale(16, 4);
        Events = Scale(20, 6);
        Interactions = Scale(16, 3);
        Tasks = Scale(24, 3);
        ProjectMemberRows = Scale(38, Projects + 4);
        TargetEventInstructors = Scale(60, 4);
        TargetEventsTags = Scale(12, 6);
        TargetPostsTags = Scale(10, 4);

        // Users linked to instructors. The platform trigger behind instructors.is_user looks the user up with a
        // sequential scan of users (no index on instructor_id), which costs O(links^2); so the number of links grows
        // with sqrt(rows) once the data set is large (about 4,000 at a million rows).
        Linked = Math.Clamp((int)Math.Round(0.6 * Instructors), 2, Math.Max(2, Math.Min(Instructors, Users / 2)));
        Linked = Math.Min(Linked, Math.Max(2, (int)Math.Round(4 * Math.Sqrt(n))));
        Avatars = Math.Clamp((int)Math.Round(0.3 * Users), 2, Math.Max(2, images / 2));
        ContentImages = Math.Max(images - Avatars, Projects + 4);
    }

    // ------------------------------------------------------------------------------------------------ projects

    private void PlanProjects(Random r)
    {
        var p = Projects;
        Domaincode = new string[p + 1];
        ProjectKind = new int[p + 1];
        ProjectCity = new int[p + 1];
        ProjectRegion = new int[p + 1];
        ProjectType = new string[p + 1];
        ProjectRegio = new int[p + 1];
        ProjectOwner = new int[p + 1];
        ProjectImg = new int[p + 1];
        ProjectDeleted = new bool[p + 1];
        ProjectFlip = new bool[p + 1];
        ProjectExplicitPages = new byte[p + 1];
        ProjectTriggerPages = new byte[p + 1];
        ProjectConfig = new string?[p + 1];
        ProjectTeamPage = new bool[p + 1];
        Domaincode[0] = "";
        ProjectType[0] = "";

        var used = new HashSet<string>(StringComparer.Ordinal);
        var regions = DemoVocabulary.Regions;
        var kinds = DemoVocabulary.ProjectKinds;
        var cities = DemoVocabulary.Cities;
        for (var id = 1; id <= p; id++)
        {
            string code;
            if (id <= Regios)
            {
                var ri = (id - 1) % regions.Length;
                ProjectKind[id] = -1;
                ProjectRegion[id] = ri;
                ProjectCity[id] = r.Next(cities.Length);
                ProjectType[id] = "regio";
                code = (id - 1) < regions.Length ? regions[ri].Code : $"{regions[ri].Code}_{(id - 1) / regions.Length + 1}";
            }
            else
            {
                // mostly plain projects; topics, locations and specials now and then
                var ki = r.Next(kinds.Length);
                if (kinds[ki].Type != "project" && r.Chance(0.6)) ki = r.Next(kinds.Length); // non-project types are rarer
                ProjectKind[id] = ki;
                ProjectCity[id] = r.Next(cities.Length);
                ProjectType[id] = kinds[ki].Type;
                code = kinds[ki].Code + "_" + Slug(cities[ProjectCity[id]].City);
            }
            if (!used.Add(code))
            {
                code = $"{code}_{id}";
                used.Add(code);
            }
            Domaincode[id] = code;

            if (id > Regios && r.Chance(0.75)) ProjectRegio[id] = 1 + r.Next(Regios);
            ProjectTeamPage[id] = !r.Chance(0.2);
            var c = r.Next(100);
            ProjectConfig[id] = c switch
            {
                < 12 => "{\"onepage\": true, \"sidebar\": false}",
                < 20 => "{\"service\": true}",
                < 30 => "{\"sidebar\": true, \"theme_variant\": \"dunkel\"}",
                < 35 => "{}",
                < 40 => "{\"onepage\": false, \"nav\": [\"start\", \"termine\", \"über uns\"]}",
                _ => null,
            };
        }

        // deleted projects: never regios
        var deletable = Enumerable.Range(Regios + 1, p - Regios - 1).ToArray(); // never the highest id: the gap must show
        r.Shuffle(deletable);
        var deleteCount = Math.Min(deletable.Length, Math.Clamp((int)Math.Round(p * 0.02), 1, 6));
        DeletedProjects = deletable.Take(Math.Max(0, deleteCount)).Order().ToArray();
        foreach (var d in DeletedProjects) ProjectDeleted[d] = true;
        LiveProjects = Enumerable.Range(1, p).Where(id => !ProjectDeleted[id]).ToArray();
        // the first surviving plain project always shows the features small data sets might otherwise miss:
        // a regio link and member_ids written as JSON strings
        ShowcaseProject = LiveProjects.First(id => id > Regios);
        if (ProjectRegio[ShowcaseProject] == 0) ProjectRegio[ShowcaseProject] = 1;

        ProjectOrder = Enumerable.Range(1, p).ToArray();
        r.Shuffle(ProjectOrder);

        // pages: explicit ones and the ones the platform trigger creates on the status change to 20
        var flips = 0;
        foreach (var id in LiveProjects)
        {
            byte explicitPages = 0;
            if (r.Chance(0.4)) explicitPages |= PageLanding;
            if (r.Chance(0.15)) explicitPages |= PageTeam;
            if (r.Chance(0.1)) explicitPages |= PageEvent;
            if (r.Chance(0.05)) explicitPages |= PagePost;
            ProjectExplicitPages[id] = explicitPages;
            if (r.Chance(0.35))
            {
                ProjectFlip[id] = true;
                flips++;
            }
        }
        if (flips == 0) ProjectFlip[LiveProjects[^1]] = true;
        foreach (var id in LiveProjects)
        {
            ExplicitPages += System.Numerics.BitOperations.PopCount(ProjectExplicitPages[id]);
            if (!ProjectFlip[id]) continue;
            var cfg = ProjectConfig[id] ?? "";
            byte t = 0;
            if (!cfg.Contains("\"service\": true", StringComparison.Ordinal)) t |= PageLanding;
            if (!cfg.Contains("\"onepage\": true", StringComparison.Ordinal)) t |= PagePost;
            if (ProjectType[id] != "topic") t |= PageEvent;
            if (ProjectTeamPage[id]) t |= PageTeam;
            t &= (byte)~ProjectExplicitPages[id];
            ProjectTriggerPages[id] = t;
            TriggerPages += System.Numerics.BitOperations.PopCount(t);
        }
    }

    /// <summary>Skewed pick over all projects (some projects are busy, most are small).</summary>
    public int SkewedProject(Random r) => ProjectOrder[r.Skewed(Projects)];

    /// <summary>Skewed pick over projects that survive the deletions.</summary>
    public int SkewedLiveProject(Random r)
    {
        for (var i = 0; i < 8; i++)
        {
            var p = SkewedProject(r);
            if (!ProjectDeleted[p]) return p;
        }
        return LiveProjects[r.Next(LiveProjects.Length)];
    }

    // ------------------------------------------------------------------------------------------------ users & members

    private void PlanMembers(Random r)
    {
        var u = Users;
        UserHome = new int[u + 1];
        UserInstructor = new int[u + 1];
        UserAvatar = new int[u + 1];
        UserParticipant = new int[u + 1];
        UserDeleted = new bool[u + 1];

        // deleted users: never linked to an instructor, never owners (chosen before the owners)
        var candidates = Enumerable.Range(Linked + 1, u - Linked - 1).ToArray(); // never the highest id: the gap must show
        r.Shuffle(candidates);
        // a few only: each deleted user makes the FK action scan events (events.user_id has no index)
        var deleteCount = Math.Min(candidates.Length / 2, Math.Clamp((int)Math.Round(u * 0.01), 1, 24));
        DeletedUsers = candidates.Take(deleteCount).Order().ToArray();
        foreach (var d in DeletedUsers) UserDeleted[d] = true;

        Members = new int[Projects + 1][];
        Members[0] = [];
        var mean = ProjectMemberRows / (double)Projects;
        var total = 0;
        for (var p = 1; p <= Projects; p++)
        {
            int owner;
            if (ProjectType[p] == "regio") owner = 1 + r.Next(Linked);
            else owner = LiveUser(r);
            ProjectOwner[p] = owner;
            var want = Math.Clamp(r.CountAround(mean * (0.5 + r.NextDouble()), u), 1, u);
            var set = new HashSet<int> { owner };
            // regio member lists always name an instructor's account, so the trigger can derive instructors.regio_id
            if ((ProjectType[p] == "regio" || p == ShowcaseProject) && Linked > 1) set.Add(owner == 1 ? 2 : 1);
            var guard = want * 4 + 8;
            while (set.Count < want && guard-- > 0)
            {
                var m = ProjectType[p] == "regio" && r.Chance(0.4) ? 1 + r.Next(Linked) : 1 + r.Next(u);
                set.Add(m);
            }
            Members[p] = set.Order().ToArray();
            total += Members[p].Length;
        }
        ProjectMemberRows = total;

        for (var p = Projects; p >= 1; p--)
        {
            if (ProjectDeleted[p]) continue;
            foreach (var m in Members[p]) UserHome[m] = p;
        }
        for (var id = 1; id <= u; id++)
        {
            if (UserHome[id] == 0) UserHome[id] = LiveProjects[HashIndex(Seed, 0x484F4D45, id, LiveProjects.Length)];
        }
    }

    public int LiveUser(Random r)
    {
        while (true)
        {
            var id = 1 + r.Next(Users);
            if (!UserDeleted[id]) return id;
        }
    }

    // ------------------------------------------------------------------------------------------------ instructors

    private void PlanInstructorsAndParticipants(Random r)
    {
        var n = Instructors;
        InstructorUser = new int[n + 1];
        InstructorProject = new int[n + 1];
        InstructorImg = new int[n + 1];
        var ids = Enumerable.Range(1, n).ToArray();
        r.Shuffle(ids);
        LinkedInstructors = ids.Take(Linked).Order().ToArray();
        var order = LinkedInstructors.ToArray();
        r.Shuffle(order);
        // users 1..Linked are the instructors' accounts (they come first, like the team that set the platform up)
        for (var k = 0; k < Linked; k++)
        {
            var user = k + 1;
            var instructor = order[k];
            UserInstructor[user] = instructor;
            InstructorUser[instructor] = user;
        }
        var byProject = new List<int>?[Projects + 1];
        for (var i = 1; i <= n; i++)
        {
            var p = InstructorUser[i] != 0 ? UserHome[InstructorUser[i]] : SkewedLiveProject(r);
            InstructorProject[i] = p;
            (byProject[p] ??= []).Add(i);
        }
        InstructorsByProject = byProject.Select(l => l?.ToArray() ?? []).ToArray();

        // participants; a few of them have a user account
        ParticipantUser = new int[Participants + 1];
        ParticipantProject = new int[Participants + 1];
        for (var i = 1; i <= Participants; i++) ParticipantProject[i] = SkewedProject(r);
        var linkedParticipants = Math.Min(Math.Max(1, (int)Math.Round(Participants * 0.15)), Math.Max(0, Users - Linked - DeletedUsers.Length));
        var pIds = Enumerable.Range(1, Participants).ToArray();
        r.Shuffle(pIds);
        var uIds = Enumerable.Range(Linked + 1, Users - Linked).Where(x => !UserDeleted[x]).ToArray();
        r.Shuffle(uIds);
        for (var k = 0; k < linkedParticipants && k < uIds.Length; k++)
        {
            ParticipantUser[pIds[k]] = uIds[k];
            UserParticipant[uIds[k]] = pIds[k];
            ParticipantProject[pIds[k]] = UserHome[uIds[k]];
        }
    }

    // ------------------------------------------------------------------------------------------------ images

    private void PlanImages(Random r)
    {
        var total = Images;
        ImageProject = new int[total + 1];
        ImageHome = new int[total + 1];
        ImageOwner = new int[total + 1];
        ImageParent = new int[total + 1];
        ImageDeleted = new bool[total + 1];
        var depth = new byte[total + 1];
        var hasChild = new bool[total + 1];

        // avatars: ids 1..Avatars, one per chosen user; owner_id is filled after the users exist
        var users = Enumerable.Range(1, Users).ToArray();
        r.Shuffle(users);
        var avatarUsers = users.Take(Avatars).Order().ToArray();
        for (var k = 0; k < Avatars; k++)
        {
            var img = k + 1;
            var user = avatarUsers[k];
            UserAvatar[user] = img;
            ImageOwner[img] = user;
            ImageHome[img] = UserHome[user];
            ImageProject[img] = r.Chance(0.7) ? UserHome[user] : 0;
        }

        // content images
        var byProjectAll = new List<int>?[Projects + 1];
        for (var img = Avatars + 1; img <= total; img++)
        {
            // every project gets at least one image, the rest is skewed; the two images after those are
            // always variations (a chain of depth 2) so that every data set has them
            var k = img - Avatars;
            var p = k <= Projects ? k : k == Projects + 2 ? ImageHome[img - 1] : SkewedProject(r);
            ImageHome[img] = p;
            ImageProject[img] = r.Chance(0.95) ? p : 0;
            var members = Members[p];
            ImageOwner[img] = r.Chance(0.9) ? members[r.Next(members.Length)] : 0;
            var siblings = byProjectAll[p];
            var forced = k == Projects + 1 || k == Projects + 2;
            if (siblings is { Count: > 0 } && (r.Chance(0.12) || forced))
            {
                var parent = k == Projects + 2 ? img - 1 : siblings[r.Next(siblings.Count)];
                if (parent == Avatars + Projects + 3) parent = 0; // reserved for deletion (see below)
                if (parent != 0 && depth[parent] < 2)
                {
                    ImageParent[img] = parent;
                    depth[img] = (byte)(depth[parent] + 1);
                    hasChild[parent] = true;
                }
            }
            (byProjectAll[p] ??= []).Add(img);
        }

        // deleted images: content images nothing points at (no variations children; never picked below)
        // (never the highest id, so that the gap shows; Avatars + Projects + 3 is never a parent, so there is always one)
        var deletable = Enumerable.Range(Avatars + Projects + 3, Math.Max(0, total - Avatars - Projects - 3)).Where(i => !hasChild[i]).ToArray();
        r.Shuffle(deletable);
        DeletedImages = deletable.Take(Math.Min(deletable.Length, Math.Max(1, (int)Math.Round(total * 0.01)))).Order().ToArray();
        foreach (var d in DeletedImages) ImageDeleted[d] = true;

        ImagesByProject = byProjectAll.Select(l => l?.Where(i => !ImageDeleted[i]).ToArray() ?? []).ToArray();
        for (var p = 1; p <= Projects; p++)
        {
            var list = ImagesByProject[p];
            if (list.Length > 0 && r.Chance(0.8)) ProjectImg[p] = list[r.Next(list.Length)];
        }
        for (var i = 1; i <= Instructors; i++)
        {
            var user = InstructorUser[i];
            if (user != 0 && UserAvatar[user] != 0 && r.Chance(0.8)) InstructorImg[i] = UserAvatar[user];
            else if (r.Chance(0.3)) InstructorImg[i] = ProjectImage(r, InstructorProject[i]);
        }
    }

    /// <summary>True for the two content images that always carry a complete image_variation.</summary>
    public bool IsShowcaseVariation(int image) => image - Avatars - Projects is 1 or 2;

    /// <summary>A surviving content image of the project (0 if it has none).</summary>
    public int ProjectImage(Random r, int project)
    {
        var list = ImagesByProject[project];
        return list.Length == 0 ? 0 : list[r.Next(list.Length)];
    }

    // ------------------------------------------------------------------------------------------------ locations, events, posts

    private void PlanLocationsEventsPosts(Random r)
    {
        LocationHome = new int[Locations + 1];
        LocationWithoutProject = new bool[Locations + 1];
        var byProject = new List<int>?[Projects + 1];
        for (var l = 1; l <= Locations; l++)
        {
            var p = l == 1 ? ShowcaseProject : SkewedProject(r);
            LocationHome[l] = p;
            // Every location row with a project (and a status) makes the platform trigger UPDATE that project row.
            // Hundreds of updates of one row in one transaction leave long version chains that slow down every later
            // lookup of the project, so only the first two locations of a project carry project_id; the others are
            // shared venues without a project (their xmlid still names the home project).
            var known = byProject[p]?.Count ?? 0;
            LocationWithoutProject[l] = l > 1 && (known >= 2 || r.Chance(0.1));
            (byProject[p] ??= []).Add(l);
        }
        LocationsByProject = byProject.Select(x => x?.ToArray() ?? []).ToArray();

        EventProject = new int[Events + 1];
        EventDeleted = new bool[Events + 1];
        for (var e = 1; e <= Events; e++) EventProject[e] = e == 1 ? ShowcaseProject : SkewedProject(r);
        var ev = Enumerable.Range(1, Events - 1).ToArray(); // never the highest id: the gap must show
        r.Shuffle(ev);
        DeletedEvents = ev.Take(Math.Min(Events / 2, Math.Max(1, (int)Math.Round(Events * 0.01)))).Order().ToArray();
        foreach (var d in DeletedEvents) EventDeleted[d] = true;

        PostProject = new int[Posts + 1];
        for (var i = 1; i <= Posts; i++) PostProject[i] = SkewedProject(r);
    }

    /// <summary>A random event that survives the deletions.</summary>
    public int LiveEvent(Random r)
    {
        while (true)
        {
            var e = 1 + r.Next(Events);
            if (!EventDeleted[e]) return e;
        }
    }

    // ------------------------------------------------------------------------------------------------ names and keys

    private static readonly int NamePairs = DemoVocabulary.FirstNames.Length * DemoVocabulary.LastNames.Length;
    private static readonly long NameStride = FindStride(NamePairs);

    private static long FindStride(int modulus)
    {
        for (long s = 7919; ; s++)
        {
            if (System.Numerics.BigInteger.GreatestCommonDivisor(s, modulus) == 1) return s;
        }
    }

    /// <summary>
    /// The person behind name slot k: first and last name plus a round number that keeps
    /// (first, last, round) unique for every k.
    /// </summary>
    public static (string First, string Last, int Round) Person(long k, int offset)
    {
        var idx = (int)(((k * NameStride) + offset) % NamePairs);
        var round = (int)(k / NamePairs);
        var fn = DemoVocabulary.FirstNames;
        return (fn[idx % fn.Length], DemoVocabulary.LastNames[idx / fn.Length], round);
    }

    public (string First, string Last, int Round) UserPerson(int user) => Person(user - 1, 0);

    public (string First, string Last, int Round) InstructorPerson(int instructor)
        => InstructorUser[instructor] != 0 ? UserPerson(InstructorUser[instructor]) : Person(instructor - 1, 1777);

    public (string First, string Last, int Round) ParticipantPerson(int participant)
        => ParticipantUser[participant] != 0 ? UserPerson(ParticipantUser[participant]) : Person(participant - 1, 3301);

    public string UserMail(int user)
    {
        var (first, last, round) = UserPerson(user);
        var local = Slug(first, '.') + "." + Slug(last, '.');
        return round == 0 ? $"{local}@crearis-demo.org" : $"{local}+{round}@crearis-demo.org";
    }

    public string EventXmlId(int e)
    {
        var (slug, _, _) = EventTitle(e);
        return $"{Domaincode[EventProject[e]]}.event_{slug}_{e}";
    }

    /// <summary>Slug, title and event type of an event; a pure function of (seed, id) so other tables can refer to it.</summary>
    public (string Slug, string Title, string Type) EventTitle(int e)
    {
        var h = Hash(Seed, 0x45564E54, e);
        var kind = (int)(h % 6);
        var plays = DemoVocabulary.Plays;
        var skills = DemoVocabulary.Skills;
        var cities = DemoVocabulary.Cities;
        var play = plays[(int)((h >> 8) % (ulong)plays.Length)];
        var skill = skills[(int)((h >> 16) % (ulong)skills.Length)];
        var audience = DemoVocabulary.Audiences[(int)((h >> 24) % (ulong)DemoVocabulary.Audiences.Length)];
        var city = cities[(int)((h >> 32) % (ulong)cities.Length)].City;
        return kind switch
        {
            0 => ("premiere_" + play.Slug, "Premiere: " + play.Title, "performance"),
            1 => ("workshop_" + skill.Slug, "Workshop " + skill.Title, "workshop"),
            2 => ("kurs_" + skill.Slug, $"Kurs {skill.Title} für {audience}", "course"),
            3 => ("gastspiel_" + Slug(city), $"Gastspiel in {city}: {play.Title}", "tour"),
            4 => ("probe_" + play.Slug, $"Offene Probe „{play.Title}“", "rehearsal"),
            _ => ("festival_" + Slug(city), $"Theatertage {city}", "festival"),
        };
    }

    public (string Slug, string Title) PostTitle(int p)
    {
        var h = Hash(Seed, 0x504F5354, p);
        var topic = DemoVocabulary.PostTopics[(int)(h % (ulong)DemoVocabulary.PostTopics.Length)];
        var play = DemoVocabulary.Plays[(int)((h >> 12) % (ulong)DemoVocabulary.Plays.Length)];
        return ((h >> 40) % 3) switch
        {
            0 => (topic.Slug + "_" + play.Slug, $"{topic.Title}: {play.Title}"),
            1 => (topic.Slug, topic.Title),
            _ => (topic.Slug + "_" + DemoFormat.Inv(2025 + (int)((h >> 50) % 2)), $"{topic.Title} {2025 + (int)((h >> 50) % 2)}"),
        };
    }

    /// <summary>Distinct tag ids of an event (kind 0) or post (kind 1); a pure function so posts.tag_ids matches posts_tags.</summary>
    public int[] TagsOf(int kind, int id, double mean)
    {
        var h = Hash(Seed, kind == 0 ? 0x45544147u : 0x50544147u, id);
        var k = (int)Math.Floor(mean);
        var frac = mean - k;
        if ((h & 0xFFFF) / 65536.0 < frac) k++;
        if (((h >> 16) & 7) == 0 && k > 0) k--;
        else if (((h >> 16) & 7) == 1) k++;
        k = Math.Min(k, Math.Min(Tags, 8));
        if (k <= 0) return [];
        var result = new int[k];
        var count = 0;
        var x = h;
        while (count < k)
        {
            x = Mix(x);
            // low tag ids (the base vocabulary) are the popular ones
            var u = (x >> 11) * (1.0 / (1UL << 53));
            var t = 1 + (int)(u * u * Tags);
            if (t > Tags) t = Tags;
            if (Array.IndexOf(result, t, 0, count) < 0) result[count++] = t;
        }
        Array.Sort(result);
        return result;
    }
}
