namespace Crearis.Admin.Components.Shared;

/// <summary>What a list or page shows instead of its content: nothing there yet, still loading, or it failed.</summary>
public enum PageStateKind
{
    Empty,
    Loading,
    Error,
}
