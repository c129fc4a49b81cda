using MudBlazor;

namespace Crearis.Admin.Components.Layout;

/// <summary>Crearis colours, and system fonts so nothing is fetched from the internet.</summary>
public static class CrearisTheme
{
    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#5b2a86",
            Secondary = "#c48f00",
            AppbarBackground = "#5b2a86",
            Background = "#f7f5fa",
            DrawerBackground = "#ffffff",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
        },
    };
}
