namespace Crearis.Backup.Core.Format.Original;

/// <summary>
/// Finds which tag ids the cached tag lists of events and posts force onto which tags. Each row says: its ids
/// (tags_ids) are distinct tags whose labels in the row's language are exactly its labels (tags_display), counted as a
/// multiset; distinct ids are distinct tags. An id is pinned only when every assignment that satisfies all rows gives it
/// the same tag: one solution is found, then for each id a solution that gives it another tag is sought; where none
/// exists the id is forced. The order of the labels (by the tag's name, under the source's collation) is not used: the
/// collation is unknown, and the multisets alone must carry the proof.
/// </summary>
internal sealed class TagIdSolver
{
    /// <summary>Search steps allowed per question; past it the question counts as undecided, so nothing is pinned by it.</summary>
    private const int StepBudget = 200_000;

    /// <summary>
    /// Work allowed for a whole solve (rows noted, candidates checked, rows set up per search, fit checks), some
    /// seconds: the sample needs a few thousand. A file made to exhaust time stops here, and what is undecided then
    /// stays unpinned (reported, its links not imported), as when the step budget runs out.
    /// </summary>
    private const long WorkBudget = 20_000_000;

    /// <summary>Distinct ids the search takes on: each is one level of its recursion. A platform has tens to hundreds of tags.</summary>
    private const int MaxIds = 2000;

    private readonly int _tagCount;
    private readonly CancellationToken _ct;
    private readonly List<Constraint> _rows = [];
    private readonly HashSet<string> _distinct = new(StringComparer.Ordinal);
    private readonly List<long> _ids = [];
    private readonly Dictionary<long, int> _idIndex = [];
    private readonly List<List<(int Row, int Position)>> _rowsOfId = [];
    private int _steps;
    private long _work;

    /// <param name="tagCount">Tags are numbered 0..tagCount-1.</param>
    public TagIdSolver(int tagCount, CancellationToken ct = default)
    {
        _tagCount = tagCount;
        _ct = ct;
    }

    private bool OverBudget => _work > WorkBudget || _ids.Count > MaxIds;

    /// <summary>One cached list: its ids, its labels, the label each tag would show in this row, and the tags that show a label.</summary>
    /// <param name="language">The row's language: rows alike in it, their ids and their labels say the same and count once.</param>
    public void AddRow(IReadOnlyList<long> ids, IReadOnlyList<string> labels, string? language, Func<int, string> labelOf,
        Func<string, IReadOnlyList<int>> tagsShowing)
    {
        _ct.ThrowIfCancellationRequested();
        if (OverBudget) return;
        _work += ids.Count + labels.Count + 1;
        if (!_distinct.Add($"{language}\u0001{string.Join(",", ids.Order())}\u0001{string.Join("\u0002", labels.Order(StringComparer.Ordinal))}")) return;
        var need = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in labels) need[label] = need.GetValueOrDefault(label) + 1;
        var row = new Constraint(need, labelOf, tagsShowing, []);
        _rows.Add(row);
        foreach (var id in ids)
        {
            if (!_idIndex.TryGetValue(id, out var v))
            {
                _idIndex[id] = v = _ids.Count;
                _ids.Add(id);
                _rowsOfId.Add([]);
            }
            _rowsOfId[v].Add((_rows.Count - 1, row.Vars.Count));
            row.Vars.Add(v);
        }
    }

    /// <summary>The forced tag of every id that has one, and whether the rows admit any assignment at all.</summary>
    public SolverResult Solve()
    {
        if (OverBudget) return new SolverResult(SolverState.Undecided, new Dictionary<long, int>(), _ids.ToList());
        // Distinct ids are distinct tags: more ids than tags admit no assignment.
        if (_ids.Count > _tagCount) return new SolverResult(SolverState.Contradictory, new Dictionary<long, int>(), _ids.ToList());
        // An id's candidates: the tags that show one of its first row's labels there and one of every other row's labels
        // in that row. Found by lookup, so a row does not cost every tag of the file.
        var domains = _ids.Select((_, v) =>
        {
            var rows = _rowsOfId[v].Select(r => _rows[r.Row]).ToList();
            var first = rows[0].Need.Keys.SelectMany(rows[0].TagsShowing).Distinct().ToList();
            _work += (long)first.Count * rows.Count;
            return OverBudget ? [] : first.Where(t => rows.All(r => r.Need.ContainsKey(r.LabelOf(t)))).Order().ToList();
        }).ToList();
        if (OverBudget) return new SolverResult(SolverState.Undecided, new Dictionary<long, int>(), _ids.ToList());
        var first = Search(domains);
        if (first.Outcome != SearchOutcome.Found)
            return new SolverResult(first.Outcome == SearchOutcome.None ? SolverState.Contradictory : SolverState.Undecided,
                new Dictionary<long, int>(), _ids.ToList());

        var solution = first.Assignment!;
        var open = new bool[_ids.Count];
        var undecided = false;
        for (var v = 0; v < _ids.Count; v++)
        {
            if (open[v]) continue;
            if (_work > WorkBudget)
            {
                // Out of budget: the ids not yet asked about stay unpinned.
                open[v] = true;
                undecided = true;
                continue;
            }
            var others = new List<List<int>>(domains) { [v] = domains[v].Where(t => t != solution[v]).ToList() };
            var other = Search(others);
            switch (other.Outcome)
            {
                case SearchOutcome.Found:
                    for (var w = 0; w < _ids.Count; w++)
                        if (other.Assignment![w] != solution[w]) open[w] = true;
                    break;
                case SearchOutcome.GaveUp:
                    open[v] = true;
                    undecided = true;
                    break;
            }
        }
        var pinned = new Dictionary<long, int>();
        var unpinned = new List<long>();
        for (var v = 0; v < _ids.Count; v++)
        {
            if (open[v]) unpinned.Add(_ids[v]);
            else pinned[_ids[v]] = solution[v];
        }
        return new SolverResult(undecided ? SolverState.Undecided : SolverState.Solved, pinned, unpinned);
    }

    private (SearchOutcome Outcome, int[]? Assignment) Search(List<List<int>> domains)
    {
        _steps = 0;
        var assignment = Enumerable.Repeat(-1, _ids.Count).ToArray();
        var used = new bool[_tagCount];
        _work += _rows.Count + _tagCount;
        // A row's label counts are made when one of its ids is first assigned.
        var counts = new Dictionary<string, int>?[_rows.Count];
        var outcome = Extend(domains, assignment, used, counts);
        return (outcome, outcome == SearchOutcome.Found ? assignment : null);
    }

    private SearchOutcome Extend(List<List<int>> domains, int[] assignment, bool[] used, Dictionary<string, int>?[] counts)
    {
        _ct.ThrowIfCancellationRequested();
        if (++_steps > StepBudget || _work > WorkBudget) return SearchOutcome.GaveUp;
        // The unassigned id with the fewest values left (fail first).
        var best = -1;
        List<int>? bestValues = null;
        for (var v = 0; v < assignment.Length; v++)
        {
            if (assignment[v] >= 0) continue;
            var values = domains[v].Where(t => Fits(v, t, used, counts)).ToList();
            if (values.Count == 0) return SearchOutcome.None;
            if (bestValues is null || values.Count < bestValues.Count)
            {
                best = v;
                bestValues = values;
            }
        }
        if (best < 0) return SearchOutcome.Found;

        foreach (var t in bestValues!)
        {
            Assign(best, t, assignment, used, counts, +1);
            var outcome = Extend(domains, assignment, used, counts);
            if (outcome != SearchOutcome.None) return outcome;
            Assign(best, t, assignment, used, counts, -1);
        }
        return SearchOutcome.None;
    }

    // A tag fits an id when no other id has it and no row of the id would show its label more often than it lists it.
    private bool Fits(int v, int t, bool[] used, Dictionary<string, int>?[] counts)
    {
        if (used[t]) return false;
        _work += _rowsOfId[v].Count;
        foreach (var (r, _) in _rowsOfId[v])
        {
            var label = _rows[r].LabelOf(t);
            if ((counts[r]?.GetValueOrDefault(label) ?? 0) >= _rows[r].Need[label]) return false;
        }
        return true;
    }

    private void Assign(int v, int t, int[] assignment, bool[] used, Dictionary<string, int>?[] counts, int delta)
    {
        assignment[v] = delta > 0 ? t : -1;
        used[t] = delta > 0;
        foreach (var (r, _) in _rowsOfId[v])
        {
            var label = _rows[r].LabelOf(t);
            var count = counts[r] ??= new Dictionary<string, int>(StringComparer.Ordinal);
            count[label] = count.GetValueOrDefault(label) + delta;
        }
    }

    /// <param name="LabelOf">The label a tag shows in the row's language; labels are computed, not stored per row and tag.</param>
    private sealed record Constraint(Dictionary<string, int> Need, Func<int, string> LabelOf, Func<string, IReadOnlyList<int>> TagsShowing, List<int> Vars);

    private enum SearchOutcome { None, Found, GaveUp }
}

internal enum SolverState
{
    /// <summary>The search was exhaustive: every pin is forced, every other id really has more than one possible tag.</summary>
    Solved,

    /// <summary>No assignment satisfies all rows together: the caches contradict each other, so nothing is pinned.</summary>
    Contradictory,

    /// <summary>The search gave up on some question; the ids it could not decide are left unpinned.</summary>
    Undecided,
}

/// <param name="Pinned">Source tag id → tag number, for the ids every consistent assignment agrees on.</param>
/// <param name="Unpinned">The ids that occur in the caches but could be more than one tag (or could not be decided).</param>
internal sealed record SolverResult(SolverState State, IReadOnlyDictionary<long, int> Pinned, IReadOnlyList<long> Unpinned);
