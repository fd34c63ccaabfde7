using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>Every browser test shares one local host and one Chromium, so only one browser runs at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}

/// <summary>
/// The local host (with its local identity provider) plus a headless Chromium driven by Playwright. The
/// browser is Debian's (<c>apt-get install -y chromium</c>): Playwright never downloads one here. Without
/// it every browser test fails with <see cref="MissingMessage"/>; none passes silently. Chromium trusts
/// exactly the provider's certificate of this test run (<see cref="LocalIdentityTestKeys.SpkiHash"/>).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string MissingMessage = "Chromium is missing: run `apt-get install -y chromium`";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        // The local identity provider's HTTPS certificate, and no other, is trusted: pinned by its key's hash.
        "--ignore-certificate-errors-spki-list=" + LocalIdentityTestKeys.SpkiHash,
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public LocalHostFixture Host { get; } = new();

    /// <summary>Where Chromium is: <c>CHROMIUM_PATH</c>, or Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    /// <summary>The repository's <c>docs/screenshots</c> folder (created on first use).</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task InitializeAsync()
    {
        await Host.InitializeAsync();
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 30_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>
    /// A fresh browser context (own cookies and storage) with one page that records dialogs and console
    /// errors; <paramref name="locale"/> is its language (Accept-Language) and <paramref name="timeZone"/> its clock's zone.
    /// </summary>
    public async Task<BrowserSession> OpenAsync(string locale = "en-US", string timeZone = "UTC")
    {
        if (_browser is null)
        {
            Assert.Fail($"{MissingMessage} (looked for {ChromiumPath}).");
        }

        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = locale,
            TimezoneId = timeZone,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page);
        page.Dialog += (_, dialog) =>
        {
            lock (session.Dialogs)
            {
                session.Dialogs.Add($"{dialog.Type}: {dialog.Message}");
            }

            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (session.ConsoleMessages)
                {
                    session.ConsoleMessages.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (session.ConsoleMessages)
            {
                session.ConsoleMessages.Add("page error: " + error);
            }
        };
        return session;
    }

    /// <summary>Saves a full-page screenshot as <c>docs/screenshots/{name}.png</c>.</summary>
    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    private static string FindScreenshotDirectory()
    {
        var path = Path.Combine(RepositoryFiles.Root, "docs", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>One browser context and its page, with what the page said: dialogs it opened and console errors and warnings.</summary>
public sealed class BrowserSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Dialogs { get; } = [];

    public List<string> ConsoleMessages { get; } = [];

    /// <summary>Console messages that report a Content Security Policy violation.</summary>
    public IReadOnlyList<string> CspViolations()
    {
        lock (ConsoleMessages)
        {
            return ConsoleMessages.Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || m.Contains("Refused to", StringComparison.Ordinal)).ToList();
        }
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}

/// <summary>Activation links as the invited administrator receives them: read from the .eml the local email adapter writes.</summary>
public static partial class ActivationLinks
{
    public static async Task<string> ForAsync(string mailDirectory, string customerId)
    {
        var token = (await Mailbox.ActivationTokensAsync(mailDirectory, customerId)).Last();
        foreach (var file in Directory.GetFiles(mailDirectory, "*.eml"))
        {
            var message = MimeKit.MimeMessage.Load(file);
            foreach (var body in new[] { message.TextBody, message.HtmlBody })
            {
                foreach (Match link in Link().Matches(body ?? ""))
                {
                    var url = System.Net.WebUtility.HtmlDecode(link.Value);
                    var query = url[(url.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
                    if (Uri.UnescapeDataString(query) == token)
                    {
                        return url;
                    }
                }
            }
        }

        throw new Xunit.Sdk.XunitException($"No activation link for {customerId} in the .eml files of {mailDirectory}.");
    }

    [GeneratedRegex(@"https?://[^\s""'<>]+/activate\?token=[A-Za-z0-9._~%-]+")]
    private static partial Regex Link();
}
