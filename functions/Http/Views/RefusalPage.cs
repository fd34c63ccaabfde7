using RapidStart.Domain.Localization;
using RapidStart.Domain.Problems;
using static RapidStart.Functions.Http.Views.PageLayout;

namespace RapidStart.Functions.Http.Views;

/// <summary>
/// What the activation link answers when it no longer leads to an invitation (404, 410, 429): what
/// happened and what to do, in the reader's language, for each reason the domain gives.
/// </summary>
public static class RefusalPage
{
    public static string Render(ProblemException problem, Language l, Func<string, string> languageLink)
    {
        var key = problem.Kind switch
        {
            ProblemKind.TooManyRequests => "TooMany",
            ProblemKind.Gone => problem.Reason switch
            {
                GoneReasons.Used => "Used",
                GoneReasons.Withdrawn => "Withdrawn",
                GoneReasons.Expired => "Expired",
                GoneReasons.Purged => "Purged",
                _ => "Superseded",
            },
            _ => "NotFound",
        };
        var heading = Text.Get(l, $"Refusal_{key}_Heading");
        var main = $"""
            <section class="refusal refusal-{key.ToLowerInvariant()}" aria-labelledby="refusal-heading">
              <h1 id="refusal-heading">{Encode(heading)}</h1>
              <p>{Encode(Text.Get(l, $"Refusal_{key}_Text"))}</p>
            </section>
            """;
        return PageLayout.Render(l, heading, main, languageLink, $" data-refusal=\"{key.ToLowerInvariant()}\"");
    }
}
