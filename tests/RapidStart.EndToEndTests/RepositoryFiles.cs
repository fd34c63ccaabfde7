namespace RapidStart.EndToEndTests;

/// <summary>
/// Files of this repository, found from the test's build output by walking up to <c>RapidStart.sln</c>:
/// the tests read only what the repository carries, wherever it was cloned.
/// </summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>The path of a file under the repository root; fails the test if it is not there.</summary>
    public static string PathOf(params string[] segments)
    {
        var path = Path.Combine([Root, .. segments]);
        Assert.True(File.Exists(path), $"{string.Join('/', segments)} is missing from the repository ({Root}).");
        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RapidStart.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("RapidStart.sln not found above " + AppContext.BaseDirectory);
    }
}
