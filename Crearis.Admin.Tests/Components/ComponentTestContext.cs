using Bunit;
using MudBlazor.Services;

namespace Crearis.Admin.Tests.Components;

/// <summary>A bUnit context with MudBlazor's services and its JavaScript calls allowed to go unanswered.</summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    protected ComponentTestContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services can only be disposed asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
