using System.Net;
using System.Text;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// The provider's pages: the sign-in form (an account field and a button, no script, no password:
/// whoever is typed is who signs in) and the signed-out notice.
/// </summary>
public static class SignInPage
{
    public const string AccountField = "account";

    /// <param name="action">Where the form posts: the authorization endpoint's path.</param>
    /// <param name="parameters">The authorization request's parameters, carried as hidden fields.</param>
    public static string Render(string action, IEnumerable<KeyValuePair<string, string>> parameters, string? account, string? error)
    {
        var hidden = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (name != AccountField)
            {
                hidden.Append($"""      <input type="hidden" name="{Encode(name)}" value="{Encode(value)}">""").Append('\n');
            }
        }

        var describedBy = error is null ? "account-hint" : "account-hint account-error";
        var errorLine = error is null ? "" : $"""      <p id="account-error" class="error" role="alert">{Encode(error)}</p>""" + "\n";
        return Layout("Sign in", $"""
            <h1>Sign in</h1>
            <p>RapidStart local identity provider: it stands in for Microsoft Entra ID on a development machine. There is no password; the account you enter is who you are.</p>
            <form method="post" action="{Encode(action)}">
            {hidden}      <label for="{AccountField}">Account (email address)</label>
                  <input id="{AccountField}" name="{AccountField}" type="email" autocomplete="username" required spellcheck="false" value="{Encode(account ?? "")}" aria-describedby="{describedBy}"{(error is null ? "" : " aria-invalid=\"true\"")}>
                  <p id="account-hint" class="hint">A partner's agent: agent@p-1001.example. Support: someone@rapidstart.example. A personal Microsoft account: name@outlook.com. Any other address is a work account of its own domain.</p>
            {errorLine}      <button type="submit">Sign in</button>
            </form>
            """);
    }

    public static string SignedOut() => Layout("Signed out", """
        <h1>Signed out</h1>
        <p>You are signed out of the RapidStart local identity provider. You may close this page.</p>
        """);

    /// <summary>The provider's root: opening it once in a browser is one way to accept its certificate.</summary>
    public static string Home(string authority) => Layout("RapidStart local identity provider", $"""
        <h1>RapidStart local identity provider</h1>
        <p>Development only. Authority: <code>{Encode(authority)}</code>; discovery at <a href="{Encode(authority)}/.well-known/openid-configuration"><code>{Encode(authority)}/.well-known/openid-configuration</code></a>.</p>
        """);

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private static string Layout(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{Encode(title)}} – RapidStart local identity</title>
          <style>
            body { font-family: system-ui, sans-serif; margin: 0; background: #f3f3f3; color: #1b1b1b; }
            main { max-width: 28rem; margin: 3rem auto; padding: 2rem; background: #fff; border: 1px solid #8a8886; }
            label { display: block; font-weight: 600; margin-top: 1rem; }
            input[type=email] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; border: 1px solid #605e5c; }
            .hint { color: #484644; font-size: .9rem; }
            .error { color: #a4262c; font-weight: 600; }
            button { margin-top: 1rem; padding: .5rem 1.5rem; font-size: 1rem; background: #0067b8; color: #fff; border: 0; }
            button:focus, input:focus { outline: 3px solid #1b1b1b; outline-offset: 2px; }
          </style>
        </head>
        <body>
        <main>
        {{body}}
        </main>
        </body>
        </html>
        """;
}
