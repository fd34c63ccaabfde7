using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using RapidStart.Domain.Localization;

namespace RapidStart.Functions.Http.Views;

/// <summary>
/// Which language a page is written in: the reader's explicit choice (<c>?lang=</c>, which the
/// language switch sets and the sign-in round trip keeps, since MSAL returns to the URL it left), else
/// the first language of <c>Accept-Language</c> that we have, else the page's default (for the
/// activation page, the customer's).
/// </summary>
public static class PageLanguage
{
    public const string QueryParameter = "lang";

    public static Language Choose(HttpRequest request, Language fallback)
    {
        if (Language.Match(request.Query[QueryParameter]) is { } chosen)
        {
            return Language.Of(chosen, fallback.CountryRegion);
        }

        if (StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptLanguage, out var accepted))
        {
            var preferred = accepted
                .Where(a => a.Quality is null or > 0)
                .OrderByDescending(a => a.Quality ?? 1)
                .Select(a => Language.Match(a.Value.Value))
                .FirstOrDefault(code => code is not null);
            if (preferred is not null)
            {
                return Language.Of(preferred, fallback.CountryRegion);
            }
        }

        return fallback;
    }

    /// <summary>The same page in <paramref name="code"/>: its path and query, with <c>lang</c> replaced.</summary>
    public static string LinkTo(HttpRequest request, string code)
    {
        var query = request.Query
            .Where(q => !string.Equals(q.Key, QueryParameter, StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"{QueryParameter}={code}");
        return "?" + string.Join("&", query);
    }
}
