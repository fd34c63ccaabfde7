namespace RapidStart.Testing;

/// <summary>
/// The app registration the test hosts pretend to be: the Auth options are validated at start, and
/// <c>api://{ClientId}</c> is the audience of <see cref="DevTokens"/>.
/// </summary>
public static class TestAuth
{
    public const string ClientId = "rapidstart";
}
