using RapidStart.Domain.Activation;
using RapidStart.Domain.Localization;
using static RapidStart.Functions.Http.Views.PageLayout;

namespace RapidStart.Functions.Http.Views;

/// <summary>
/// The activation page: who invited whom, then three steps (sign in, review, accept) and the accepted
/// state. Every value from storage is HTML-encoded; the script reads the invitation token from the URL,
/// never from markup, and its texts from the <c>data-text-*</c> attributes of <c>main</c>.
/// </summary>
/// <remarks>
/// Its scripts sign in with MSAL.js (the invited account as the login hint) and accept with the access
/// token MSAL holds: the page has no token field. The expiry is written in the customer's time zone
/// with UTC beside it; the script rewrites it in the reader's own time zone.
/// </remarks>
public static class ActivationPage
{
    public static string Render(ActivationView view) => Render(view, view.DefaultLanguage, code => $"?{PageLanguage.QueryParameter}={code}");

    public static string Render(ActivationView view, Language l, Func<string, string> languageLink)
    {
        string T(string key) => Encode(Text.Get(l, key));
        string F(string key, params string[] args) => Encode(Text.Format(l, key, args.Cast<object?>().ToArray()));

        // Texts with markup around their values: format with markers, encode, then place the markup.
        var invite = Encode(Text.Format(l, "Page_Invite", "\u0001", "\u0002", "\u0003"))
            .Replace("\u0001", $"<strong>{Encode(view.PartnerId)}</strong>")
            .Replace("\u0002", $"<strong>{Encode(view.AdministratorName)}</strong>")
            .Replace("\u0003", $"<strong id=\"organization\">{Encode(view.OrganizationName)}</strong>");
        var signInText = Encode(Text.Format(l, "Page_SignInText", "\u0001"))
            .Replace("\u0001", $"<strong id=\"account\">{Encode(view.MicrosoftAccountId)}</strong>");
        var expires = Encode(Text.Format(l, "Page_Expires", "\u0001"))
            .Replace("\u0001", $"<time id=\"expires\" datetime=\"{view.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\">{Encode(l.DateTime(view.ExpiresAt))}</time>");

        var data = string.Concat(new[]
        {
            ("lang", l.Code), ("not-signed-in", Text.Get(l, "Page_NotSignedIn")), ("signed-in-as", Text.Get(l, "Page_SignedInAs")),
            ("mismatch", Text.Get(l, "Page_Mismatch")), ("accepting", Text.Get(l, "Page_Accepting")), ("failed", Text.Get(l, "Page_Failed")),
            ("sign-in-failed", Text.Get(l, "Page_SignInFailed")), ("date-with-utc", Text.Get(l, "Date_WithUtc")),
        }.Select(d => $" data-text-{d.Item1}=\"{Encode(d.Item2)}\""));

        var main = $"""
            <h1>{T("Page_Title")}</h1>
            <p class="lead">{invite}</p>
            <p class="meta">{F("Page_CountryOfUse", view.CountryRegion)} · {expires}</p>
            <ol class="steps" aria-label="{T("Page_Steps")}">
              <li id="step-signin" data-step="signin"><span class="num" aria-hidden="true">1</span> {T("Step_SignIn")}</li>
              <li id="step-review" data-step="review"><span class="num" aria-hidden="true">2</span> {T("Step_Review")}</li>
              <li id="step-accept" data-step="accept"><span class="num" aria-hidden="true">3</span> {T("Step_Accept")}</li>
            </ol>
            <div id="steps">
            <section id="signin" class="step" aria-labelledby="signin-heading">
              <h2 id="signin-heading"><span class="num" aria-hidden="true">1</span> {T("Step_SignIn")}</h2>
              <p>{signInText}</p>
              <p id="whoami" role="status">{T("Page_NotSignedIn")}</p>
              <div id="mismatch" class="problem" role="alert" aria-labelledby="mismatch-heading" hidden>
                <h3 id="mismatch-heading">{T("Page_Mismatch_Heading")}</h3>
                <p id="mismatch-text"></p>
                <button id="anotherAccount" type="button">{T("Page_AnotherAccount")}</button>
              </div>
              <p class="actions">
                <button id="signIn" type="button" class="primary" hidden>{T("Page_SignIn")}</button>
                <button id="signOut" type="button" hidden>{T("Page_SignOut")}</button>
              </p>
            </section>
            <section id="review" class="step" aria-labelledby="review-heading">
              <h2 id="review-heading"><span class="num" aria-hidden="true">2</span> {T("Step_Review")}</h2>
              <p>{T("Page_ReviewText")}</p>
              <div class="document">
                <h3>{F("Agreement_Heading", view.AgreementVersion)}</h3>
                <p>{F("Agreement_Text", view.AgreementVersion)}</p>
                <label class="check"><input type="checkbox" id="acceptAgreement"> <span>{T("Agreement_Check")}</span></label>
              </div>
              <div class="document">
                <h3>{F("Privacy_Heading", view.PrivacyStatementVersion)}</h3>
                <p>{F("Privacy_Text", view.PrivacyStatementVersion)}</p>
                <label class="check"><input type="checkbox" id="acceptPrivacyStatement"> <span>{T("Privacy_Check")}</span></label>
              </div>
            </section>
            <section id="acceptance" class="step" aria-labelledby="accept-heading">
              <h2 id="accept-heading"><span class="num" aria-hidden="true">3</span> {T("Step_Accept")}</h2>
              <p id="accept-hint">{T("Page_AcceptHint")}</p>
              <p class="actions"><button id="accept" type="button" class="primary" aria-describedby="accept-hint" disabled>{T("Page_Accept")}</button></p>
              <p id="result" role="status"></p>
            </section>
            </div>
            <section id="accepted" class="done" aria-labelledby="accepted-heading" hidden>
              <h2 id="accepted-heading" tabindex="-1">{T("Page_Accepted_Heading")}</h2>
              <p>{F("Page_Accepted", view.OrganizationName)}</p>
              <p class="actions"><a id="portal" class="button primary" href="portal">{T("Page_OpenPortal")}</a></p>
            </section>
            """;

        return PageLayout.Render(l, Text.Get(l, "Page_Title"), main, languageLink, data, """
            <script src="console/msal-browser.min.js" defer></script>
            <script src="console/auth.js" defer></script>
            <script src="console/activation.js" defer></script>
            """);
    }
}
