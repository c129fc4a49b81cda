using Crearis.Backup.Core.Profile;

namespace Crearis.Backup.Core.Planning;

/// <summary>A reference whose value is written after the rows exist, because it closes a cycle.</summary>
public sealed record DeferredReference(string Table, ReferenceSpec Reference);

/// <summary>
/// The order in which tables are written: a topological order of the reference graph. Cycles (users ↔ images ↔
/// projects, users ↔ instructors, self references) are broken by deferring nullable references: those columns are
/// written NULL first and filled by a late-seeding pass as soon as the table they point at is written.
/// </summary>
public sealed record ImportPlan(IReadOnlyList<TableModel> Order, IReadOnlyList<DeferredReference> Deferred)
{
    public bool IsDeferred(string table, string column) =>
        Deferred.Any(d => d.Table == table && d.Reference.Column == column);
}

public static class ImportPlanner
{
    /// <summary>Orders the given tables; references to tables outside the set are resolved against the target as it is.</summary>
    public static ImportPlan Plan(IReadOnlyList<TableModel> tables)
    {
        var byName = tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<TableModel>();
        var deferred = new List<DeferredReference>();
        // Ties are broken by the profile's order, so plans are stable.
        var remaining = tables.ToList();

        IEnumerable<ReferenceSpec> Pending(TableModel t) => t.References.Where(r =>
            !deferred.Any(d => d.Table == t.Name && d.Reference.Column == r.Column) &&
            r.TargetTables.Any(target => byName.ContainsKey(target) && !done.Contains(target)));

        while (remaining.Count > 0)
        {
            var ready = remaining.FirstOrDefault(t => !Pending(t).Any());
            if (ready is null)
            {
                // A cycle: pick the table whose pending references can all be deferred (nullable, or self references),
                // preferring the one most others wait for, and defer those references.
                var candidate = remaining
                    .Where(t => Pending(t).All(r => IsDeferrable(t, r)))
                    .OrderByDescending(t => remaining.Count(o => o != t && Pending(o).Any(r => r.TargetTables.Contains(t.Name))))
                    .FirstOrDefault()
                    ?? throw new InvalidOperationException(
                        "The tables' references form a cycle through NOT NULL columns: " +
                        string.Join(", ", remaining.Select(t => t.Name)));
                deferred.AddRange(Pending(candidate).Select(r => new DeferredReference(candidate.Name, r)).ToList());
                ready = candidate;
            }
            // Self references are always written late: the row they point at may come later in the same table.
            foreach (var self in ready.References.Where(r => r.TargetTables.Contains(ready.Name)))
                if (!deferred.Any(d => d.Table == ready.Name && d.Reference.Column == self.Column))
                    deferred.Add(new DeferredReference(ready.Name, self));
            order.Add(ready);
            done.Add(ready.Name);
            remaining.Remove(ready);
        }
        return new ImportPlan(order, deferred);
    }

    private static bool IsDeferrable(TableModel table, ReferenceSpec reference)
    {
        if (reference.Shape == ReferenceShape.Polymorphic) return false;
        return table.Schema.Column(reference.Column)?.IsNullable == true;
    }
}
