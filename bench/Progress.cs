using System.Diagnostics;

namespace RapidStart.Bench;

/// <summary>Progress lines on stderr, so that stdout carries nothing but the report.</summary>
public static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Step(string message) => Console.Error.WriteLine($"[bench {Clock.Elapsed:mm\\:ss}] {message}");
}
