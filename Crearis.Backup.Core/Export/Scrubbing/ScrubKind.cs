namespace Crearis.Backup.Core.Export.Scrubbing;

/// <summary>How a personal value is replaced (see <see cref="Pseudonyms"/>). The manifest names each column's kind by <see cref="ScrubKinds.Wire"/>.</summary>
public enum ScrubKind
{
    /// <summary>An e-mail address: a keyed pseudonym under example.org that matches the platform's e-mail CHECK.</summary>
    Email,

    /// <summary>A person's name: every letter and digit replaced by a keyed one (case, spaces and punctuation kept).</summary>
    Name,

    /// <summary>A phone number: like <see cref="Name"/> (digits stay digits, so the shape "0170 1234567" stays).</summary>
    Phone,

    /// <summary>A street, zip code or city: like <see cref="Name"/> (a zip code stays five digits).</summary>
    Address,

    /// <summary>A password hash or any other secret: the one value <see cref="Pseudonyms.Secret"/>, which no password matches.</summary>
    Secret,

    /// <summary>Free text (a message body, a subject): e-mail addresses become their pseudonyms, every other letter and digit is replaced.</summary>
    Text,
}

public static class ScrubKinds
{
    public static string Wire(this ScrubKind kind) => kind switch
    {
        ScrubKind.Email => "email",
        ScrubKind.Name => "name",
        ScrubKind.Phone => "phone",
        ScrubKind.Address => "address",
        ScrubKind.Secret => "secret",
        _ => "text",
    };
}
