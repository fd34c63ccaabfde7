using System.Text;
using RapidStart.Domain.Localization;

namespace RapidStart.Functions.Http.Views;

/// <summary>
/// The frame of the customer-facing pages (activation and its refusals): <c>lang</c> on the document,
/// the product bar with the language switch, one <c>main</c>, the stylesheet, and scripts
/// from files only (the pages' policy forbids inline script and style).
/// </summary>
public static class PageLayout
{
    /// <summary>
    /// Escapes the five characters that matter in HTML text and quoted attributes, and leaves every
    /// other character as it is (WebUtility.HtmlEncode would write "ü" as "&amp;#252;"; the page is UTF-8).
    /// </summary>
    public static string Encode(string? value) => (value ?? "")
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    /// <param name="languageLink">The URL of this page in another language (see <see cref="PageLanguage.LinkTo"/>).</param>
    public static string Render(Language language, string title, string main, Func<string, string> languageLink, string mainAttributes = "", string scripts = "")
    {
        var switcher = new StringBuilder();
        foreach (var (code, name) in Language.Supported)
        {
            var current = code == language.Code ? " aria-current=\"true\"" : "";
            switcher.Append($"""<li><a href="{Encode(languageLink(code))}" hreflang="{code}" lang="{code}"{current}>{Encode(name)}</a></li>""");
        }

        var currentName = Language.Supported.First(l => l.Code == language.Code).NativeName;
        return $"""
            <!doctype html>
            <html lang="{language.Code}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Encode(title)}</title>
            <link rel="stylesheet" href="console/activation.css">
            </head>
            <body>
                        <header class="bar">
              <span class="brand">RapidStart Services</span>
              <details class="languages">
                <summary><span class="visually-hidden">{Encode(Text.Get(language, "Page_Language"))}: </span>{Encode(currentName)}</summary>
                <nav aria-label="{Encode(Text.Get(language, "Page_Language"))}"><ul>{switcher}</ul></nav>
              </details>
            </header>
            <main id="main" tabindex="-1"{mainAttributes}>
            {main}
            </main>
            {scripts}
            </body>
            </html>
            """;
    }
}
