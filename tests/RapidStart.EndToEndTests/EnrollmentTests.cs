using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RapidStart.EndToEndTests;

/// <summary>api.md's Authentication, Errors, VOICE and customer routes, over HTTP against the local host.</summary>
public sealed class EnrollmentTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static object Prospect(string country = "DE", string admin = "dana@trial.example") => new
    {
        kind = "prospect",
        organization = new { name = "Trial Co", address = new { street = "1 Main", city = "Berlin", postalCode = "10115", countryRegion = country } },
        administrator = new { name = "Dana Admin", microsoftAccountId = admin, contactEmail = "it@trial.example" },
    };

    [Fact]
    public async Task Health_answers_ok_when_storage_and_engine_are_up()
    {
        var body = await HttpAssert.JsonAsync(await host.Http.GetAsync("/api/health"), HttpStatusCode.OK);
        Assert.Equal("ok", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Voice_lookup_by_number_answers_only_the_partner_of_record()
    {
        var p1 = await host.PartnerAsync("P-1001");
        var p2 = await host.PartnerAsync("P-2002");

        var account = await HttpAssert.JsonAsync(await p1.GetAsync("/api/voice/accounts/V-100200"), HttpStatusCode.OK);
        Assert.Equal("Contoso Ltd", account.GetProperty("name").GetString());
        Assert.Equal("US", account.GetProperty("address").GetProperty("countryRegion").GetString());

        await HttpAssert.ProblemAsync(await p2.GetAsync("/api/voice/accounts/V-100200"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await p1.GetAsync("/api/voice/accounts/V-999999"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await p1.GetAsync("/api/voice/accounts/%27%20or%20true"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("muller", "Müller Maschinenbau GmbH")]
    [InlineData("northwnd", "Northwind Traders")]
    [InlineData("CONTOSO", "Contoso Ltd")]
    public async Task Voice_name_search_is_accent_case_and_typo_tolerant(string term, string expected)
    {
        var p1 = await host.PartnerAsync("P-1001");
        var body = await HttpAssert.JsonAsync(await p1.GetAsync($"/api/voice/accounts?name={Uri.EscapeDataString(term)}"), HttpStatusCode.OK);
        Assert.Equal(expected, body.GetProperty("items")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Voice_name_search_never_returns_another_partners_accounts()
    {
        var p1 = await host.PartnerAsync("P-1001");
        var body = await HttpAssert.JsonAsync(await p1.GetAsync("/api/voice/accounts?name=contoso"), HttpStatusCode.OK);
        var names = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToArray();
        Assert.Contains("Contoso Ltd", names);
        Assert.DoesNotContain("Contoso Pharmaceuticals", names);

        await HttpAssert.ProblemAsync(await p1.GetAsync("/api/voice/accounts?name="), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Creating_a_prospect_answers_201_with_location_and_the_home_region()
    {
        var p1 = await host.PartnerAsync();
        var response = await p1.PostAsJsonAsync("/api/customers", Prospect("DE"));
        var customer = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);

        var id = customer.GetProperty("customerId").GetString()!;
        Assert.StartsWith("eu-west-", id);
        Assert.Equal("eu-west", customer.GetProperty("region").GetString());
        Assert.Equal("P-1001", customer.GetProperty("partnerId").GetString());
        Assert.Equal("prospect", customer.GetProperty("kind").GetString());
        Assert.Equal($"/api/customers/{id}", response.Headers.Location?.ToString());

        var read = await p1.GetAsync(response.Headers.Location);
        var again = await HttpAssert.JsonAsync(read, HttpStatusCode.OK);
        Assert.Equal("dana@trial.example", again.GetProperty("administrator").GetProperty("microsoftAccountId").GetString());
        Assert.Equal("it@trial.example", again.GetProperty("administrator").GetProperty("contactEmail").GetString());
        Assert.NotNull(read.Headers.ETag);
    }

    [Fact]
    public async Task An_existing_customer_can_be_filled_from_voice_and_its_number_used_once()
    {
        var p1 = await host.PartnerAsync();
        var draft = new
        {
            kind = "existing",
            voiceAccountNumber = "V-100203",
            fillFromVoice = true,
            administrator = new { name = "Fay", microsoftAccountId = "fay@fabrikam.example", contactEmail = "fay@fabrikam.example" },
        };

        var customer = await HttpAssert.JsonAsync(await p1.PostAsJsonAsync("/api/customers", draft), HttpStatusCode.Created);
        Assert.Equal("Fabrikam Inc", customer.GetProperty("organization").GetProperty("name").GetString());
        Assert.Equal("CA", customer.GetProperty("organization").GetProperty("address").GetProperty("countryRegion").GetString());
        Assert.Equal("us-east", customer.GetProperty("region").GetString());
        Assert.Equal("existing", customer.GetProperty("kind").GetString());

        await HttpAssert.ProblemAsync(await p1.PostAsJsonAsync("/api/customers", draft), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Another_partners_voice_number_is_refused_without_saying_whose_it_is()
    {
        var p1 = await host.PartnerAsync();
        var problem = await HttpAssert.ProblemAsync(await p1.PostAsJsonAsync("/api/customers", new
        {
            kind = "existing",
            voiceAccountNumber = "V-200300",
            fillFromVoice = true,
            administrator = new { name = "Al", microsoftAccountId = "al@adventure.example", contactEmail = "al@adventure.example" },
        }), HttpStatusCode.BadRequest);
        Assert.Contains("voiceAccountNumber", HttpAssert.ErrorFields(problem));
        Assert.DoesNotContain("P-2002", problem.ToString());
    }

    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        var p1 = await host.PartnerAsync();
        var problem = await HttpAssert.ProblemAsync(await p1.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = new string('x', 201), address = new { countryRegion = "UK" } },
            administrator = new { name = "", microsoftAccountId = "not-an-account", contactEmail = "nope" },
        }), HttpStatusCode.BadRequest);

        var fields = HttpAssert.ErrorFields(problem);
        Assert.Contains("organization.name", fields);
        Assert.Contains("organization.address.countryRegion", fields);
        Assert.Contains("administrator.name", fields);
        Assert.Contains("administrator.microsoftAccountId", fields);
        Assert.Contains("administrator.contactEmail", fields);
    }

    [Fact]
    public async Task A_password_anywhere_in_the_body_is_refused_and_nothing_is_stored()
    {
        var p1 = await host.PartnerAsync("P-3003");
        var body = """{"kind":"prospect","organization":{"name":"Pw Co","address":{"countryRegion":"US"}},"administrator":{"name":"A","microsoftAccountId":"a@pw.example","contactEmail":"a@pw.example","password":"hunter2"}}""";
        var problem = await HttpAssert.ProblemAsync(
            await p1.PostAsync("/api/customers", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Contains("administrator.password", HttpAssert.ErrorFields(problem));

        var list = await HttpAssert.JsonAsync(await p1.GetAsync("/api/customers"), HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_administrator_must_not_be_the_partner_signing_in()
    {
        var p1 = await host.PartnerAsync();
        var problem = await HttpAssert.ProblemAsync(await p1.PostAsJsonAsync("/api/customers", Prospect("US", "AGENT@p-1001.example")), HttpStatusCode.BadRequest);
        Assert.Contains("administrator.microsoftAccountId", HttpAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task Malformed_wrong_type_and_oversized_bodies_are_problems()
    {
        var p1 = await host.PartnerAsync();
        await HttpAssert.ProblemAsync(await p1.PostAsync("/api/customers", new StringContent("{\"kind\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await p1.PostAsync("/api/customers", new StringContent("{\"kind\":5}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await p1.PostAsync("/api/customers", new StringContent("kind=prospect", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        var huge = JsonSerializer.Serialize(new { kind = "prospect", padding = new string('a', 70_000) });
        await HttpAssert.ProblemAsync(await p1.PostAsync("/api/customers", new StringContent(huge, Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems()
    {
        await HttpAssert.ProblemAsync(await host.Http.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
        var response = await host.Http.DeleteAsync("/api/customers");
        await HttpAssert.ProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Tokens_that_are_missing_forged_expired_or_for_someone_else_answer_401()
    {
        await HttpAssert.ProblemAsync(await host.Http.GetAsync("/api/customers"), HttpStatusCode.Unauthorized);

        foreach (var token in new[]
        {
            "garbage",
            host.Tokens.Expired(TimeSpan.FromMinutes(10)),
            host.Tokens.Partner(change: d => d.Issuer = $"https://evil.example/{d.Claims["tid"]}/v2.0"),
            host.Tokens.Partner(change: d => d.Audience = "api://other"),
            host.Tokens.Partner(change: d => d.SigningCredentials = TokenForge.ImpostorKey),
            host.Tokens.Unsigned(),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/customers");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await host.Http.SendAsync(request);
            await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var valid = new HttpRequestMessage(HttpMethod.Get, "/api/customers");
        valid.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Tokens.Partner());
        await HttpAssert.JsonAsync(await host.Http.SendAsync(valid), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Callers_without_the_partner_role_get_403()
    {
        var customerUser = await host.ClientAsAsync("someone@customer.example");
        var support = await host.ClientAsAsync("help@rapidstart.example", ["support"]);
        await HttpAssert.ProblemAsync(await customerUser.GetAsync("/api/customers"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await support.PostAsJsonAsync("/api/customers", Prospect()), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await customerUser.GetAsync("/api/voice/accounts?name=contoso"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Another_partners_customer_is_404_like_one_that_does_not_exist()
    {
        var p1 = await host.PartnerAsync();
        var p2 = await host.PartnerAsync("P-2002");
        var created = await HttpAssert.JsonAsync(await p1.PostAsJsonAsync("/api/customers", Prospect("FR")), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString();

        var theirs = await HttpAssert.ProblemAsync(await p2.GetAsync($"/api/customers/{id}"), HttpStatusCode.NotFound);
        var nobodys = await HttpAssert.ProblemAsync(await p2.GetAsync("/api/customers/eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa"), HttpStatusCode.NotFound);
        Assert.Equal(nobodys.GetProperty("detail").GetString(), theirs.GetProperty("detail").GetString());
        await HttpAssert.ProblemAsync(await p2.PutAsJsonAsync($"/api/customers/{id}/voice-account", new { voiceAccountNumber = "V-200300" }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await p1.GetAsync("/api/customers/not-an-id"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Customer_list_pages_with_a_continuation_token_and_shows_only_own_customers()
    {
        var partner = await host.PartnerAsync("P-4004");
        var created = new HashSet<string>();
        foreach (var country in new[] { "US", "DE", "JP", "BR", "FR" })
        {
            var body = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", Prospect(country)), HttpStatusCode.Created);
            created.Add(body.GetProperty("customerId").GetString()!);
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var url = "/api/customers?pageSize=2" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}");
            var page = await HttpAssert.JsonAsync(await partner.GetAsync(url), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customerId").GetString()!));
            token = page.GetProperty("continuationToken").GetString();
            pages++;
        }
        while (token is not null && pages < 20);

        Assert.Equal(created.Order(), seen.Order());
        Assert.True(pages >= 3, $"expected several pages, got {pages}");
        await HttpAssert.ProblemAsync(await partner.GetAsync("/api/customers?continuationToken=garbled"), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await partner.GetAsync("/api/customers?pageSize=0"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Adding_a_voice_number_makes_a_prospect_existing_and_honours_if_match()
    {
        var p1 = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await p1.PostAsJsonAsync("/api/customers", Prospect("FR")), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString();

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/customers/{id}/voice-account") { Content = JsonContent.Create(new { voiceAccountNumber = "V-100205" }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"stale\""));
        await HttpAssert.ProblemAsync(await p1.SendAsync(stale), HttpStatusCode.PreconditionFailed);

        var etag = (await p1.GetAsync($"/api/customers/{id}")).Headers.ETag!;
        using var fresh = new HttpRequestMessage(HttpMethod.Put, $"/api/customers/{id}/voice-account") { Content = JsonContent.Create(new { voiceAccountNumber = "V-100205" }) };
        fresh.Headers.IfMatch.Add(etag);
        var updated = await HttpAssert.JsonAsync(await p1.SendAsync(fresh), HttpStatusCode.OK);
        Assert.Equal("existing", updated.GetProperty("kind").GetString());
        Assert.Equal("V-100205", updated.GetProperty("voiceAccountNumber").GetString());

        await HttpAssert.ProblemAsync(await p1.PutAsJsonAsync($"/api/customers/{id}/voice-account", new { voiceAccountNumber = "V-100204" }), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await p1.PutAsJsonAsync($"/api/customers/{id}/voice-account", new { voiceAccountNumber = "??" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_development_token_issuer_validates_its_input()
    {
        await HttpAssert.ProblemAsync(await host.Http.PostAsJsonAsync("/api/dev/token", new { roles = new[] { "partner" } }), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await host.Http.PostAsJsonAsync("/api/dev/token", new { sub = "x@y.example", roles = new[] { "admin" } }), HttpStatusCode.BadRequest);
    }
}
