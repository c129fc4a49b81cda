namespace Crearis.Admin.Tests.Infrastructure;

/// <summary>
/// Tests that set <c>CREARIS_SCRUB_KEY</c> in this process, and tests whose app must start without a scrub key (it falls
/// back to that variable), run one after the other: the variable belongs to the whole process.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScrubKeyEnvironment
{
    public const string Name = "CREARIS_SCRUB_KEY";
}
