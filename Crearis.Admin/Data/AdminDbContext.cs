using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Data;

/// <summary>
/// The app's own data (Identity now; run history, audit and sync state later). It lives in its own PostgreSQL schema so
/// it never mixes with the platform's content tables in <c>public</c>.
/// </summary>
public class AdminDbContext(DbContextOptions<AdminDbContext> options) : IdentityDbContext<ApplicationUser>(options)
{
    public const string Schema = "crearis_admin";
    public const string HistoryTable = "__admin_migrations";

    public DbSet<BackupRun> BackupRuns => Set<BackupRun>();
    public DbSet<BackupJob> BackupJobs => Set<BackupJob>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ConflictDecision> ConflictDecisions => Set<ConflictDecision>();
    public DbSet<RunRow> RunRows => Set<RunRow>();
    public DbSet<BackupCatalogEntry> BackupCatalog => Set<BackupCatalogEntry>();

    /// <remarks>
    /// Job kinds, job statuses and audit actions are enums in the code and their names in the columns (the same strings
    /// as before they were types, so existing rows read back): <see cref="JobKinds"/>, <see cref="JobStatuses"/>,
    /// <see cref="AuditActions"/> hold the one mapping.
    /// </remarks>
    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.HasDefaultSchema(Schema);
        base.OnModelCreating(builder);
        builder.Entity<BackupRun>(run =>
        {
            run.ToTable("backup_runs");
            run.Property(r => r.Kind).HasMaxLength(20).HasConversion(k => JobKinds.ToName(k), s => JobKinds.Parse(s));
            run.Property(r => r.StartedBy).HasMaxLength(256);
            run.Property(r => r.Mode).HasMaxLength(20);
            run.Property(r => r.Outcome).HasMaxLength(30);
            run.Property(r => r.UndoneBy).HasMaxLength(256);
            // json, not jsonb: the documents keep their key order (tables in import order) for people to read.
            run.Property(r => r.Options).HasColumnType("json");
            run.Property(r => r.Result).HasColumnType("json");
            run.HasIndex(r => r.StartedAt);
            run.HasIndex(r => r.Kind);
        });
        builder.Entity<BackupJob>(job =>
        {
            job.ToTable("backup_jobs");
            job.Property(j => j.Kind).HasMaxLength(20).HasConversion(k => JobKinds.ToName(k), s => JobKinds.Parse(s));
            job.Property(j => j.Status).HasMaxLength(20).HasConversion(k => JobStatuses.ToName(k), s => JobStatuses.Parse(s));
            job.Property(j => j.StartedBy).HasMaxLength(256);
            job.Property(j => j.Mode).HasMaxLength(20);
            job.Property(j => j.Options).HasColumnType("jsonb");
            job.Property(j => j.Progress).HasColumnType("jsonb");
            job.HasIndex(j => j.Status);
        });
        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("audit_events");
            audit.Property(a => a.User).HasMaxLength(256);
            audit.Property(a => a.IpAddress).HasMaxLength(64);
            audit.Property(a => a.Action).HasMaxLength(40).HasConversion(a => AuditActions.ToName(a), s => AuditActions.Parse(s));
            audit.Property(a => a.Outcome).HasMaxLength(40);
            audit.HasIndex(a => a.At);
            audit.HasIndex(a => a.Action);
        });
        builder.Entity<ApiToken>(token =>
        {
            token.ToTable("api_tokens");
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.Hash).HasMaxLength(32);
            token.HasIndex(t => t.Hash).IsUnique();
            token.Property(t => t.Scopes).HasMaxLength(200).HasConversion(
                s => ApiScopes.Store(s), s => ApiScopes.Load(s),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<ApiScope[]>(
                    (a, b) => a!.SequenceEqual(b!), a => a.Aggregate(0, (h, s) => HashCode.Combine(h, s)), a => a.ToArray()));
            token.Property(t => t.CreatedBy).HasMaxLength(256);
            token.Property(t => t.LastUsedIp).HasMaxLength(64);
            token.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<ConflictDecision>(decision =>
        {
            decision.ToTable("conflict_decisions");
            decision.Property(d => d.File).HasMaxLength(255);
            decision.Property(d => d.Table).HasMaxLength(63);
            decision.Property(d => d.Column).HasMaxLength(63);
            decision.Property(d => d.Take).HasMaxLength(10).HasConversion(t => ConflictTakes.ToName(t), s => ConflictTakes.Parse(s));
            decision.Property(d => d.DecidedBy).HasMaxLength(256);
            decision.HasIndex(d => new { d.File, d.Table, d.Key, d.Column }).IsUnique();
        });
        builder.Entity<RunRow>(row =>
        {
            row.ToTable("run_rows");
            row.Property(r => r.Table).HasMaxLength(63);
            row.Property(r => r.Action).HasMaxLength(10).HasConversion(a => RowActions.ToName(a), s => RowActions.Parse(s));
            // json, not jsonb: an insert's values keep the table's column order.
            row.Property(r => r.Detail).HasColumnType("json");
            row.Property(r => r.Target).HasColumnType("json");
            row.Property(r => r.Issue).HasMaxLength(40);
            // The preview's pages: one journal, one table, one action, in the backup's order.
            row.HasIndex(r => new { r.Journal, r.Table, r.Action, r.Line });
        });
        builder.Entity<BackupCatalogEntry>(entry =>
        {
            entry.ToTable("backup_catalog");
            entry.HasKey(e => e.Name);
            entry.Property(e => e.Name).HasMaxLength(255);
            entry.Property(e => e.Format).HasMaxLength(20).HasConversion<string>();
            entry.Property(e => e.SourceDatabase).HasMaxLength(255);
            entry.Property(e => e.Kinds).HasMaxLength(100).HasConversion(
                k => BackupCopyKinds.Store(k), s => BackupCopyKinds.Load(s),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<Crearis.Admin.Backups.BackupCopyKind[]>(
                    (a, b) => a!.SequenceEqual(b!), a => a.Aggregate(0, (h, k) => HashCode.Combine(h, k)), a => a.ToArray()));
            entry.Property(e => e.Issues).HasColumnType("jsonb");
            entry.Property(e => e.Summary).HasColumnType("jsonb");
            // json, not jsonb: the manifest keeps its members' order, as the file has it.
            entry.Property(e => e.Manifest).HasColumnType("json");
        });
    }
}
