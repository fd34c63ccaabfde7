namespace RapidStart.Infrastructure.Voice;

/// <summary>Section <c>RapidStart:Voice</c>: the file VOICE is seeded from at start, if any.</summary>
public sealed class VoiceOptions
{
    public const string SectionName = "RapidStart:Voice";

    public string? SeedFile { get; set; }
}
