using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RapidStart.Bench;

/// <summary>
/// How busy the machine was while a section ran, and who was busy: this process (bench client and
/// local host), Azurite, and everything else. On a shared machine the last one says how far the
/// numbers can be trusted. Linux /proc only; elsewhere it reports nothing.
/// </summary>
public sealed partial class MachineLoad
{
    private static readonly long TicksPerSecond = 100; // USER_HZ on Linux
    private readonly int? _azuritePid;

    private MachineLoad(int? azuritePid) => _azuritePid = azuritePid;

    /// <summary>Finds the Azurite that serves the connection string's table endpoint (by its --tablePort), if it runs here.</summary>
    public static MachineLoad For(string connectionString, int? knownPid)
    {
        if (knownPid is not null || !OperatingSystem.IsLinux())
        {
            return new MachineLoad(knownPid);
        }

        var port = TablePort().Match(connectionString);
        if (!port.Success)
        {
            return new MachineLoad(null);
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                var index = Array.IndexOf(arguments, "--tablePort");
                if (arguments.Any(a => a.Contains("azurite", StringComparison.OrdinalIgnoreCase)) && index >= 0 && index + 1 < arguments.Length && arguments[index + 1] == port.Groups[1].Value)
                {
                    return new MachineLoad(int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended meanwhile.
            }
        }

        return new MachineLoad(null);
    }

    public Snapshot Take() => new(
        Stopwatch.GetTimestamp(),
        MachineBusySeconds(),
        InterruptSeconds(),
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        _azuritePid is { } pid ? ProcessSeconds(pid) : null,
        LoadAverage());

    /// <summary>One line for the report (shares of the machine's cores between two snapshots), and the share other processes took.</summary>
    public static (string Text, double OthersPercent) Describe(Snapshot from, Snapshot to)
    {
        if (from.MachineBusy is null || to.MachineBusy is null)
        {
            return ("", 0);
        }

        var wall = Stopwatch.GetElapsedTime(from.At, to.At).TotalSeconds;
        var cores = Environment.ProcessorCount;
        double Percent(double seconds) => 100 * seconds / wall / cores;
        var busy = to.MachineBusy.Value - from.MachineBusy.Value;
        var own = to.OwnCpu - from.OwnCpu;
        var azurite = to.AzuriteCpu is { } a && from.AzuriteCpu is { } b ? a - b : (double?)null;
        var interrupts = (to.Interrupts ?? 0) - (from.Interrupts ?? 0);
        var others = Math.Max(0, Percent(busy - own - (azurite ?? 0) - interrupts));
        return ($"CPU while this section ran ({wall:0} s): machine {Percent(busy):0} % busy of {cores} cores; bench process (client + local host) {Percent(own):0} %" +
               (azurite is null ? "" : $", Azurite {Percent(azurite.Value):0} %") +
               $", kernel interrupt handling (loopback networking) {Percent(interrupts):0} %, other processes {others:0} %; load average {from.LoadAverage} → {to.LoadAverage}.", others);
    }

    /// <summary>user + nice + system + irq + softirq + steal of /proc/stat's cpu line, in seconds.</summary>
    private static double? MachineBusySeconds() =>
        CpuLine() is { Length: >= 8 } f ? (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / (double)TicksPerSecond : null;

    /// <summary>irq + softirq: work no process is charged for, such as loopback TCP between the bench and Azurite.</summary>
    private static double? InterruptSeconds() =>
        CpuLine() is { Length: >= 7 } f ? (f[5] + f[6]) / (double)TicksPerSecond : null;

    private static long[]? CpuLine()
    {
        try
        {
            return File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static double? ProcessSeconds(int pid)
    {
        try
        {
            // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th after ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"TableEndpoint=https?://[^:/;]+:(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex TablePort();

    public sealed record Snapshot(long At, double? MachineBusy, double? Interrupts, double OwnCpu, double? AzuriteCpu, string LoadAverage);
}
