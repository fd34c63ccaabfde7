using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RapidStart.Functions.Http;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests;

/// <summary>
/// Every route of api.md against every kind of caller, in one real world built over HTTP. The
/// expected statuses are <see cref="Matrix"/>, a Markdown table that docs/security.md must carry
/// word for word (<see cref="The_matrix_in_docs_security_md_is_the_one_this_test_checks"/>).
/// </summary>
public sealed class AuthorizationMatrixTests(LocalHostFixture host, ITestOutputHelper output) : IClassFixture<LocalHostFixture>
{
    /// <summary>
    /// The authorization matrix. Columns are caller kinds (see <see cref="Callers"/>); a cell is the
    /// status the route answers that caller. "pending while not served" in the notes: until the
    /// route is served every caller gets 404, and then the row's statuses apply.
    /// </summary>
    public const string Matrix = """
        | route | anonymous | garbage | expired | wrong-issuer | wrong-audience | wrong-key | alg-none | partner-A | partner-B | support | admin | reader | other-customer | notes |
        |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
        | GET /api/voice/accounts/{accountNumber} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 404 | 403 | 403 | 403 | 403 | partner A's VOICE account V-100200 |
        | GET /api/voice/accounts | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 200 | 403 | 403 | 403 | 403 | each partner sees only its own accounts |
        | POST /api/customers | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 201 | 201 | 403 | 403 | 403 | 403 | a valid prospect draft; each partner creates its own |
        | GET /api/customers | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 200 | 403 | 403 | 403 | 403 | each partner lists only its own |
        | GET /api/customers/{customerId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 404 | 403 | 403 | 403 | 403 | |
        | PUT /api/customers/{customerId}/voice-account | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 404 | 403 | 403 | 403 | 403 | runs last: partner A's call makes the customer existing |
        | GET /api/catalog/services | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 200 | 403 | 403 | 403 | 403 | |
        | POST /api/customers/{customerId}/services | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 409 | 404 | 403 | 403 | 403 | 403 | the owner passes authorization; the service exists already |
        | GET /api/customers/{customerId}/services/{serviceId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 404 | 403 | 403 | 403 | 403 | |
        | PATCH /api/customers/{customerId}/services/{serviceId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 409 | 404 | 403 | 403 | 403 | 403 | the country/region never changes |
        | POST /api/customers/{customerId}/services/{serviceId}/activation | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 409 | 404 | 403 | 403 | 403 | 403 | the service is Active |
        | DELETE /api/customers/{customerId}/services/{serviceId}/activation | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 409 | 404 | 403 | 403 | 403 | 403 | no invitation to revoke |
        | GET /api/customers/{customerId}/services/{serviceId}/history | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 404 | 403 | 403 | 403 | 403 | |
        | GET /api/services | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 200 | 200 | 403 | 403 | 403 | 403 | each partner lists only its own |
        | GET /api/activate | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | anonymous; a live link of partner A's invited customer; the Authorization header is ignored |
        | POST /api/activate | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 403 | 403 | 403 | 403 | 403 | 403 | a live link sent to someone else: only the invited account may accept |
        | GET /api/portal/customers/{customerId}/users | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 404 | 404 | 404 | 200 | 200 | 404 | non-members get 404, as for no customer |
        | POST /api/portal/customers/{customerId}/users | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 404 | 404 | 404 | 201 | 403 | 404 | administrators only |
        | PUT /api/portal/customers/{customerId}/users/{microsoftAccountId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 404 | 404 | 404 | 200 | 403 | 404 | administrators only |
        | DELETE /api/portal/customers/{customerId}/users/{microsoftAccountId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 404 | 404 | 404 | 204 | 403 | 404 | administrators only; runs last |
        | POST /api/support/customers/{customerId}/services/{serviceId}/reactivate | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 403 | 403 | 409 | 403 | 403 | 403 | Support passes authorization; the service is not Inactive |
        | GET /api/support/customers/{customerId} | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 403 | 403 | 200 | 403 | 403 | 403 | |
        | GET /api/support/customers/{customerId}/services/{serviceId}/orchestration | 401 | 401 | 401 | 401 | 401 | 401 | 401 | 403 | 403 | 200 | 403 | 403 | 403 | extension beyond api.md: the Durable instance, read-only |
        | GET /api/health | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | anonymous |
        | GET /api/openapi.json | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | anonymous; pending while not served (then 404 for everyone) |
        | GET /api/console | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | extension beyond api.md: the partner console's static page; holds no data |
        | GET /api/console/{asset} | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | extension beyond api.md: the console's script (app.js); holds no data |
        | GET /api/portal | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | extension beyond api.md: the customer portal's static page; its script reads the users with the signed-in user's token |
        | GET /api/auth/config | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | anonymous: the pages' sign-in settings (authority, client id, scope, redirect URI); nothing secret |
        | GET /api/auth/redirect | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | extension beyond api.md: the pages' redirect URI, a static page; holds no data |
        | POST /api/dev/token | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | anonymous; only in Development with the development issuer enabled, 404 elsewhere |
        """;

    /// <summary>The caller kinds, in the matrix's column order.</summary>
    public static readonly string[] Callers =
        ["anonymous", "garbage", "expired", "wrong-issuer", "wrong-audience", "wrong-key", "alg-none", "partner-A", "partner-B", "support", "admin", "reader", "other-customer"];

    private const string PendingNote = "pending while not served";
    private const string NoSuchCustomer = "eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa";

    // Partner A's customer (Active, with a Reader and a Contributor), partner B's customer (Active),
    // and partner A's pending customer whose live link the activation rows use.
    private const string AlphaName = "Alpha Matrix Confidential GmbH";
    private const string AlphaAdmin = "alpha-admin@alpha-matrix.example";
    private const string AlphaContact = "alpha-it@alpha-matrix.example";
    private const string AlphaReader = "alpha-reader@alpha-matrix.example";
    private const string AlphaVictim = "alpha-victim@alpha-matrix.example";
    private const string BetaAdmin = "beta-admin@beta-matrix.example";
    private const string GammaAdmin = "gamma-admin@gamma-matrix.example";

    private sealed record World(string Alpha, string Beta, string Gamma, string GammaToken, IReadOnlyDictionary<string, string?> Tokens);

    private sealed record Outcome(int Status, string? MediaType, string Body);

    [Fact]
    public async Task Every_route_answers_every_kind_of_caller_as_the_matrix_says()
    {
        var expected = ParseTable(Matrix);
        var world = await BuildWorldAsync();
        var partnerA = await host.PartnerAsync("P-1001");
        var alphaAdmin = await host.ClientAsAsync(AlphaAdmin);

        var before = await SnapshotAsync(partnerA, alphaAdmin, world);
        var mismatches = new List<string>();
        var outcomes = new Dictionary<(string Route, string Caller), Outcome>();

        // Phase 1: every call that reads, or that the matrix expects to be refused. Nothing may change.
        // Phase 2: the calls expected to succeed on a write route, in table order (destructive last).
        var cells = expected.Rows.SelectMany(row => Callers.Select((caller, i) => (Row: row, Caller: caller, Status: ExpectedStatus(row, i)))).ToList();
        bool Changes((MatrixRow Row, string Caller, int Status) cell) =>
            cell.Status is >= 200 and < 300 && cell.Row.Method != "GET" && cell.Row.Route != "POST /api/dev/token";

        foreach (var cell in cells.Where(c => !Changes(c)))
        {
            outcomes[(cell.Row.Route, cell.Caller)] = await CheckAsync(cell.Row, cell.Caller, cell.Status, world, mismatches);
        }

        var afterRefusals = await SnapshotAsync(partnerA, alphaAdmin, world);
        if (afterRefusals != before)
        {
            mismatches.Add($"State changed during the refused calls:\n  before {before}\n  after  {afterRefusals}");
        }

        foreach (var cell in cells.Where(Changes))
        {
            outcomes[(cell.Row.Route, cell.Caller)] = await CheckAsync(cell.Row, cell.Caller, cell.Status, world, mismatches);
        }

        await CheckNothingLeaksAsync(outcomes, world, mismatches);

        output.WriteLine($"{outcomes.Count} calls over {expected.Rows.Count} routes x {Callers.Length} caller kinds; {mismatches.Count} mismatch(es).");
        foreach (var mismatch in mismatches)
        {
            output.WriteLine(mismatch);
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatch(es):\n{string.Join("\n", mismatches)}");
    }

    [Fact]
    public void The_matrix_in_docs_security_md_is_the_one_this_test_checks()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "security.md");
        Assert.True(File.Exists(path), $"{path} is missing.");
        var text = File.ReadAllText(path);
        const string start = "<!-- authorization-matrix:start -->";
        const string end = "<!-- authorization-matrix:end -->";
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"docs/security.md must hold the matrix between '{start}' and '{end}'.");

        var documented = ParseTable(text[(from + start.Length)..to]);
        var tested = ParseTable(Matrix);
        Assert.Equal(tested.Header, documented.Header);
        var differences = new List<string>();
        foreach (var row in tested.Rows)
        {
            var twin = documented.Rows.FirstOrDefault(r => r.Route == row.Route);
            if (twin is null)
            {
                differences.Add($"missing in the doc: {row.Route}");
            }
            else if (!twin.Cells.SequenceEqual(row.Cells))
            {
                differences.Add($"differs: {row.Route}\n  test: {string.Join(" | ", row.Cells)}\n  doc:  {string.Join(" | ", twin.Cells)}");
            }
        }

        differences.AddRange(documented.Rows.Where(r => tested.Rows.All(t => t.Route != r.Route)).Select(r => $"only in the doc: {r.Route}"));
        Assert.Equal(tested.Rows.Select(r => r.Route), documented.Rows.Select(r => r.Route));
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void The_matrix_covers_every_http_function()
    {
        var rows = ParseTable(Matrix).Rows.Select(r => r.Route).ToHashSet(StringComparer.Ordinal);
        var missing = RouteTable.All
            .Where(f => !f.Route.StartsWith("{*", StringComparison.Ordinal))
            .SelectMany(f => f.Methods.Select(m => $"{m} /api/{f.Route}"))
            .Where(route => !rows.Contains(route))
            .ToList();
        Assert.True(missing.Count == 0, $"HTTP functions missing from the authorization matrix: {string.Join(", ", missing)}");
    }

    // ---------------------------------------------------------------- the calls

    private async Task<Outcome> CheckAsync(MatrixRow row, string caller, int expected, World world, List<string> mismatches)
    {
        var pending = row.Notes.Contains(PendingNote, StringComparison.Ordinal) && !IsServed(row);
        var want = pending ? 404 : expected;
        var outcome = await SendAsync(row, caller, world, customerId: null);
        if (outcome.Status != want)
        {
            mismatches.Add($"{row.Route} as {caller}: expected {want}{(pending ? " (pending)" : "")}, got {outcome.Status}: {Trim(outcome.Body)}");
        }

        // Every refusal is a problem document, except the activation page's, which is HTML by contract.
        if (outcome.Status >= 400 && row.Route != "GET /api/activate")
        {
            if (outcome.MediaType != "application/problem+json")
            {
                mismatches.Add($"{row.Route} as {caller}: {outcome.Status} with Content-Type {outcome.MediaType}, not application/problem+json");
            }
            else
            {
                var problem = JsonDocument.Parse(outcome.Body).RootElement;
                if (!problem.TryGetProperty("status", out var status) || status.GetInt32() != outcome.Status
                    || string.IsNullOrWhiteSpace(problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null))
                {
                    mismatches.Add($"{row.Route} as {caller}: malformed problem {Trim(outcome.Body)}");
                }
            }
        }

        return outcome;
    }

    /// <summary>A 404 must not tell "someone else's" from "nobody's"; nothing of partner A's customer reaches anyone else.</summary>
    private async Task CheckNothingLeaksAsync(Dictionary<(string Route, string Caller), Outcome> outcomes, World world, List<string> mismatches)
    {
        var rows = ParseTable(Matrix).Rows.ToDictionary(r => r.Route);
        foreach (var ((route, caller), outcome) in outcomes.Where(o => o.Value.Status == 404 && o.Key.Caller is "partner-B" or "other-customer" or "support" or "partner-A"))
        {
            var row = rows[route];
            if (!row.Template.Contains("{customerId}") && !row.Template.Contains("{accountNumber}"))
            {
                continue;
            }

            var nobodys = await SendAsync(row, caller, world, customerId: NoSuchCustomer);
            if (nobodys.Status != 404 || Detail(nobodys.Body) != Detail(outcome.Body))
            {
                mismatches.Add($"{route} as {caller}: the 404 differs from the one for a record that does not exist:\n  theirs:  {Trim(outcome.Body)}\n  nobody's: {nobodys.Status} {Trim(nobodys.Body)}");
            }
        }

        string[] secrets = [AlphaName, AlphaAdmin, AlphaContact, AlphaReader, world.Alpha + "\"", "alpha-matrix"];
        foreach (var ((route, caller), outcome) in outcomes.Where(o => o.Key.Caller is not ("partner-A" or "support" or "admin" or "reader")))
        {
            // The instance member echoes the caller's own path, which names the customer ID it asked for.
            var body = outcome.Body.Replace($"/{world.Alpha}/", "/{customerId}/", StringComparison.Ordinal)
                .Replace($"/{world.Alpha}\"", "/{customerId}\"", StringComparison.Ordinal)
                .Replace(Uri.EscapeDataString(AlphaVictim), "{victim}", StringComparison.Ordinal)
                .Replace(AlphaVictim, "{victim}", StringComparison.OrdinalIgnoreCase);
            foreach (var secret in secrets.Where(s => body.Contains(s, StringComparison.OrdinalIgnoreCase)))
            {
                mismatches.Add($"{route} as {caller}: the response leaks partner A's '{secret}': {Trim(outcome.Body)}");
            }
        }
    }

    private async Task<Outcome> SendAsync(MatrixRow row, string caller, World world, string? customerId)
    {
        var alpha = customerId ?? world.Alpha;
        var path = row.Template
            .Replace("{customerId}", alpha, StringComparison.Ordinal)
            .Replace("{serviceId}", "rapidstart", StringComparison.Ordinal)
            .Replace("{accountNumber}", customerId is null ? "V-100200" : "V-999999", StringComparison.Ordinal)
            .Replace("{microsoftAccountId}", Uri.EscapeDataString(AlphaVictim), StringComparison.Ordinal)
            .Replace("{asset}", "app.js", StringComparison.Ordinal);
        object? body = row.Route switch
        {
            "GET /api/voice/accounts" => null,
            "POST /api/customers" => new
            {
                kind = "prospect",
                organization = new { name = $"New Co of {caller}", address = new { countryRegion = "NL" } },
                administrator = new { name = "New Admin", microsoftAccountId = "new-admin@new-co.example", contactEmail = "new-admin@new-co.example" },
            },
            "PUT /api/customers/{customerId}/voice-account" => new { voiceAccountNumber = "V-100201" },
            "POST /api/customers/{customerId}/services" => new { serviceId = "rapidstart", countryRegion = "DE" },
            "PATCH /api/customers/{customerId}/services/{serviceId}" => new { countryRegion = "FR" },
            "POST /api/customers/{customerId}/services/{serviceId}/activation" => new { },
            "POST /api/activate" => new { token = world.GammaToken, acceptAgreement = true, acceptPrivacyStatement = true },
            "POST /api/portal/customers/{customerId}/users" => new { microsoftAccountId = "alpha-new@alpha-matrix.example", displayName = "New User", role = "Reader" },
            "PUT /api/portal/customers/{customerId}/users/{microsoftAccountId}" => new { role = "Contributor" },
            "POST /api/support/customers/{customerId}/services/{serviceId}/reactivate" => new { voiceAccountNumber = "V-100203" },
            "POST /api/dev/token" => new { sub = "someone@dev.example", roles = new[] { "partner" }, partnerId = "P-9009" },
            _ => null,
        };
        var query = row.Route switch
        {
            "GET /api/voice/accounts" => "?name=contoso",
            "GET /api/activate" => "?token=" + Uri.EscapeDataString(world.GammaToken),
            _ => "",
        };

        using var request = new HttpRequestMessage(new HttpMethod(row.Method), path + query);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (world.Tokens[caller] is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await host.Http.SendAsync(request);
        return new Outcome((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    // ---------------------------------------------------------------- the world

    private async Task<World> BuildWorldAsync()
    {
        var partnerA = await host.PartnerAsync("P-1001");
        var partnerB = await host.PartnerAsync("P-2002");

        var alpha = await SignUpAsync(partnerA, AlphaName, "DE", AlphaAdmin, AlphaContact);
        var alphaAdmin = await AcceptAsync(partnerA, alpha, AlphaAdmin);
        await HttpAssert.JsonAsync(await alphaAdmin.PostAsJsonAsync($"/api/portal/customers/{alpha}/users", new { microsoftAccountId = AlphaReader, displayName = "Alpha Reader", role = "Reader" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await alphaAdmin.PostAsJsonAsync($"/api/portal/customers/{alpha}/users", new { microsoftAccountId = AlphaVictim, displayName = "Alpha Victim", role = "Contributor" }), HttpStatusCode.Created);

        var beta = await SignUpAsync(partnerB, "Beta Matrix Inc", "US", BetaAdmin, BetaAdmin);
        await AcceptAsync(partnerB, beta, BetaAdmin);

        var gamma = await SignUpAsync(partnerA, "Gamma Pending SARL", "FR", GammaAdmin, GammaAdmin);
        await HttpAssert.JsonAsync(await partnerA.PostAsync($"/api/customers/{gamma}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var gammaToken = (await Mailbox.ActivationTokensAsync(host.MailDirectory, gamma, 1)).Single();

        var tokens = new Dictionary<string, string?>
        {
            ["anonymous"] = null,
            ["garbage"] = "garbage",
            ["expired"] = host.Tokens.Expired(TimeSpan.FromMinutes(10)),
            ["wrong-issuer"] = host.Tokens.Partner(change: d => d.Issuer = $"https://evil.example/{d.Claims["tid"]}/v2.0"),
            ["wrong-audience"] = host.Tokens.Partner(change: d => d.Audience = "api://other"),
            ["wrong-key"] = host.Tokens.Partner(change: d => d.SigningCredentials = TokenForge.ImpostorKey),
            ["alg-none"] = host.Tokens.Unsigned(),
            ["partner-A"] = await host.TokenAsync("agent@p-1001.example", ["partner"], "P-1001"),
            ["partner-B"] = await host.TokenAsync("agent@p-2002.example", ["partner"], "P-2002"),
            ["support"] = await host.TokenAsync("help@rapidstart.example", ["support"]),
            ["admin"] = await host.TokenAsync(AlphaAdmin),
            ["reader"] = await host.TokenAsync(AlphaReader),
            ["other-customer"] = await host.TokenAsync(BetaAdmin),
        };
        Assert.Equal(Callers.Order(), tokens.Keys.Order());
        return new World(alpha, beta, gamma, gammaToken, tokens);
    }

    private static async Task<string> SignUpAsync(HttpClient partner, string name, string country, string admin, string contact)
    {
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name, address = new { countryRegion = country } },
            administrator = new { name = "Admin of " + name, microsoftAccountId = admin, contactEmail = contact },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = country }), HttpStatusCode.Created);
        return id;
    }

    private async Task<HttpClient> AcceptAsync(HttpClient partner, string customerId, string admin)
    {
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, customerId, 1)).Single();
        var administrator = await host.ClientAsAsync(admin);
        var active = await HttpAssert.JsonAsync(
            await administrator.PostAsJsonAsync("/api/activate", new { token, acceptAgreement = true, acceptPrivacyStatement = true }), HttpStatusCode.OK);
        Assert.Equal("Active", active.GetProperty("status").GetString());
        return administrator;
    }

    /// <summary>What refused calls must leave alone: each customer's subscription status and history, alpha's users and record, partner A's customer count.</summary>
    private async Task<string> SnapshotAsync(HttpClient partnerA, HttpClient alphaAdmin, World world)
    {
        var partnerB = await host.PartnerAsync("P-2002");
        var parts = new List<string>();
        foreach (var (owner, id) in new[] { (partnerA, world.Alpha), (partnerB, world.Beta), (partnerA, world.Gamma) })
        {
            var subscription = await HttpAssert.JsonAsync(await owner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
            var history = await HttpAssert.JsonAsync(await owner.GetAsync($"/api/customers/{id}/services/rapidstart/history"), HttpStatusCode.OK);
            var customer = await owner.GetAsync($"/api/customers/{id}");
            parts.Add($"{id}: {subscription.GetProperty("status").GetString()}, history {history.GetProperty("items").GetArrayLength()}, customer etag {customer.Headers.ETag}");
        }

        var users = await HttpAssert.JsonAsync(await alphaAdmin.GetAsync($"/api/portal/customers/{world.Alpha}/users"), HttpStatusCode.OK);
        parts.Add($"alpha users [{string.Join(", ", users.GetProperty("items").EnumerateArray().Select(u => $"{u.GetProperty("microsoftAccountId").GetString()}={u.GetProperty("role").GetString()}").Order())}]");
        foreach (var (name, partner) in new[] { ("A", partnerA), ("B", partnerB) })
        {
            var list = await HttpAssert.JsonAsync(await partner.GetAsync("/api/customers?pageSize=1000"), HttpStatusCode.OK);
            parts.Add($"partner {name} customers {list.GetProperty("items").GetArrayLength()}");
        }

        return string.Join("; ", parts);
    }

    // ---------------------------------------------------------------- the table

    public sealed record MatrixRow(string Route, IReadOnlyList<string> Cells)
    {
        public string Method => Route.Split(' ')[0];

        public string Template => Route.Split(' ')[1];

        public string Notes => Cells[^1];
    }

    public sealed record MatrixTable(IReadOnlyList<string> Header, IReadOnlyList<MatrixRow> Rows);

    /// <summary>Parses a Markdown table: a header row, a separator row, then one row per route ("METHOD /path" in the first cell).</summary>
    public static MatrixTable ParseTable(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')).ToList();
        static string[] Cells(string line) =>
            line.Trim('|').Split('|').Select(c => string.Join(' ', c.Trim().Trim('`').Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();

        var header = Cells(lines[0]);
        var rows = lines.Skip(2).Select(Cells).Select(c => new MatrixRow(c[0], c)).ToList();
        foreach (var row in rows)
        {
            Assert.True(row.Cells.Count == header.Length, $"Row '{row.Route}' has {row.Cells.Count} cells; the header has {header.Length}.");
        }

        return new MatrixTable(header, rows);
    }

    private static int ExpectedStatus(MatrixRow row, int callerIndex) =>
        int.Parse(row.Cells[callerIndex + 1], System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsServed(MatrixRow row) =>
        RouteTable.All.Any(f => $"/api/{f.Route}" == row.Template && f.Methods.Contains(row.Method));

    private static string? Detail(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Trim(string body) => body.Length <= 300 ? body : body[..300] + "…";

    private static string RepositoryRoot()
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

/// <summary>The local host as a deployment runs it: outside Development, so with no identity provider.</summary>
public sealed class ProductionEnvironmentHostFixture : LocalHostFixture
{
    protected override string EnvironmentName => "Production";
}

/// <summary>Development issuer exposure: outside Development the provider and its token route don't exist, and its key is trusted by nothing.</summary>
public sealed class AuthorizationMatrixOutsideDevelopmentTests(ProductionEnvironmentHostFixture host) : IClassFixture<ProductionEnvironmentHostFixture>
{
    [Fact]
    public async Task Outside_Development_the_token_route_is_404_the_provider_is_not_listening_and_its_tokens_are_401()
    {
        await HttpAssert.JsonAsync(await host.Http.GetAsync("/api/health"), HttpStatusCode.OK);
        await HttpAssert.ProblemAsync(
            await host.Http.PostAsJsonAsync("/api/dev/token", new { sub = "agent@p-1001.example", roles = new[] { "partner" }, partnerId = "P-1001" }),
            HttpStatusCode.NotFound);
        Assert.False(await LoopbackPorts.IsOpenAsync(new Uri(host.IdentityUrl).Port));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/customers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Tokens.Partner());
        await HttpAssert.ProblemAsync(await host.Http.SendAsync(request), HttpStatusCode.Unauthorized);
    }
}
