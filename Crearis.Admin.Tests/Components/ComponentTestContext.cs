using Bunit;
using MudBlazor.Services;

namespace Crearis.Admin.Tests.Components;

/// <summary>A bUnit context with MudBlazor's services and its JavaScript calls allowed to go unanswered.</summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    protected ComponentTestContext()
    {
        // Components here read a real database; on a busy 2-core machine that can take longer than bUnit's 1 s default.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services can only be disposed asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
