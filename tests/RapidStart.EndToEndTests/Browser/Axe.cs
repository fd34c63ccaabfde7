using System.Text.Json;
using Microsoft.Playwright;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>
/// axe-core (npm <c>axe-core</c>, the engine of <c>@axe-core/playwright</c>) run in the page: WCAG 2.0,
/// 2.1 and 2.2 at levels A and AA. The script is evaluated through the DevTools protocol, which the
/// pages' Content Security Policy does not govern, so the page under test stays exactly as served.
/// </summary>
public static class Axe
{
    public static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    private static readonly Lazy<string> Source = new(() =>
    {
        var path = Path.GetFullPath(Path.Combine(BrowserFixture.ScreenshotDirectory, "..", "..", "node_modules", "axe-core", "axe.min.js"));
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new Xunit.Sdk.XunitException($"axe-core is missing ({path}): run `npm ci` in the repository root.");
    });

    /// <summary>Runs axe on the page as it is now and fails with every violation (rule, impact, elements) when there is one.</summary>
    public static async Task AssertNoViolationsAsync(IPage page, string state)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(Source.Value);
        }

        var violations = await page.EvaluateAsync<JsonElement>(
            """
            async (tags) => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
              return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
            }
            """,
            WcagTags);
        var found = violations.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.True(found.Count == 0, $"axe found WCAG 2.2 A/AA violations on {state} ({page.Url}):\n{string.Join("\n", found)}");
    }
}
