using Crearis.Admin.Security;
using Microsoft.Extensions.Configuration;

namespace Crearis.Admin.Tests.Users;

/// <summary>The server key of API tokens: made once into a file only its owner can read, and the same for every process.</summary>
public sealed class ApiTokenKeyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-token-key-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ApiTokenKey KeyFrom(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build());

    [Fact]
    public void Without_a_configured_key_one_is_made_once_into_a_file_of_mode_600_that_later_processes_share()
    {
        var file = Path.Combine(_folder, "keys", "api-token.key");

        var first = KeyFrom((ApiTokenKey.FileSetting, file)).Hash("crb_example");
        var second = KeyFrom((ApiTokenKey.FileSetting, file)).Hash("crb_example");

        File.Exists(file).Should().BeTrue();
        Convert.FromBase64String(File.ReadAllText(file)).Should().HaveCount(32);
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        second.Should().Equal(first);
        Directory.EnumerateFiles(Path.GetDirectoryName(file)!).Should().ContainSingle("no temporary file is left behind");
    }

    [Fact]
    public void A_configured_key_wins_and_a_different_key_gives_a_different_hash()
    {
        var file = Path.Combine(_folder, "api-token.key");

        var configured = KeyFrom((ApiTokenKey.KeySetting, Convert.ToBase64String(new byte[32])), (ApiTokenKey.FileSetting, file)).Hash("crb_example");
        var other = KeyFrom((ApiTokenKey.KeySetting, Convert.ToBase64String(Enumerable.Repeat((byte)1, 32).ToArray()))).Hash("crb_example");

        configured.Should().NotEqual(other);
        File.Exists(file).Should().BeFalse("a configured key needs no file");
    }

    [Fact]
    public void A_short_key_is_refused_with_what_to_do()
    {
        var key = KeyFrom((ApiTokenKey.KeySetting, Convert.ToBase64String(new byte[16])));

        FluentActions.Invoking(() => key.Hash("crb_example")).Should().Throw<ApiTokenKeyException>().WithMessage("*at least 32 bytes*");
    }
}
