using MudBlazor;

namespace Crearis.Admin.Components.Layout;

/// <summary>Crearis colours, light and dark (the system decides), and system fonts so nothing is fetched from the internet.</summary>
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
        // Dark: the same purple, lighter where it is text or an outline on a dark surface (contrast at least 4.5:1).
        PaletteDark = new PaletteDark
        {
            Primary = "#c9a3f0",
            PrimaryContrastText = "#1d0f2b",
            Secondary = "#e8b63a",
            SecondaryContrastText = "#1d1400",
            AppbarBackground = "#2e1646",
            AppbarText = "#f3ecfa",
            Background = "#141118",
            Surface = "#1f1a26",
            DrawerBackground = "#1a1620",
            DrawerText = "#e6e0ec",
            DrawerIcon = "#cfc6d9",
            TextPrimary = "#ece6f2",
            TextSecondary = "#b9b0c4",
            ActionDefault = "#cfc6d9",
            LinesDefault = "#3a3344",
            TableLines = "#3a3344",
            Divider = "#3a3344",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
        },
    };
}
