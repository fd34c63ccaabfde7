using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RapidStart.EndToEndTests;

/// <summary>api.md's catalog, service, activation, portal and Support routes over HTTP against the local host.</summary>
public sealed class ServiceAndActivationTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private async Task<(HttpClient Partner, string CustomerId)> SignedUpAsync(string organization = "Trial Co", string admin = "dana@trial.example", string country = "DE")
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = organization, address = new { countryRegion = country } },
            administrator = new { name = "Dana Admin", microsoftAccountId = admin, contactEmail = admin },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = country }), HttpStatusCode.Created);
        return (partner, id);
    }

    private Task<HttpResponseMessage> AcceptAsync(HttpClient administrator, string token, bool agreement = true, bool privacy = true) =>
        administrator.PostAsJsonAsync("/api/activate", new { token, acceptAgreement = agreement, acceptPrivacyStatement = privacy });

    [Fact]
    public async Task The_catalog_lists_rapidstart_in_at_least_20_countries_over_3_regions()
    {
        var partner = await host.PartnerAsync();
        var catalog = await HttpAssert.JsonAsync(await partner.GetAsync("/api/catalog/services"), HttpStatusCode.OK);
        var service = catalog.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("serviceId").GetString() == "rapidstart");
        var countries = service.GetProperty("countries").EnumerateArray().ToArray();
        Assert.True(countries.Length >= 20);
        Assert.True(countries.Select(c => c.GetProperty("region").GetString()).Distinct().Count() >= 3);
        Assert.Equal("eu-west", countries.Single(c => c.GetProperty("countryRegion").GetString() == "DE").GetProperty("region").GetString());
    }

    [Fact]
    public async Task Sign_up_refuses_unsupported_countries_duplicates_and_country_changes()
    {
        var (partner, id) = await SignedUpAsync();
        var partner2 = await host.PartnerAsync("P-2002");

        var subscription = await partner.GetAsync($"/api/customers/{id}/services/rapidstart");
        var body = await HttpAssert.JsonAsync(subscription, HttpStatusCode.OK);
        Assert.Equal("Created", body.GetProperty("status").GetString());
        Assert.Equal("eu-west", body.GetProperty("region").GetString());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("trialEndsAt").ValueKind);
        Assert.NotNull(subscription.Headers.ETag);

        await HttpAssert.ProblemAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = "DE" }), HttpStatusCode.Conflict);
        var patch = await partner.PatchAsync($"/api/customers/{id}/services/rapidstart", JsonContent.Create(new { countryRegion = "FR" }));
        await HttpAssert.ProblemAsync(patch, HttpStatusCode.Conflict);
        var after = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal("DE", after.GetProperty("countryRegion").GetString());
        await HttpAssert.ProblemAsync(await partner2.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.NotFound);

        var (_, other) = await SignedUpAsync(country: "US");
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = "Kenya Co", address = new { countryRegion = "KE" } },
            administrator = new { name = "K", microsoftAccountId = "k@ke.example", contactEmail = "k@ke.example" },
        }), HttpStatusCode.Created);
        var kenya = created.GetProperty("customerId").GetString();
        var refused = await HttpAssert.ProblemAsync(await partner.PostAsJsonAsync($"/api/customers/{kenya}/services", new { serviceId = "rapidstart", countryRegion = "KE" }), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Support", refused.GetProperty("detail").GetString());
        await HttpAssert.ProblemAsync(await partner.PostAsJsonAsync($"/api/customers/{kenya}/services", new { serviceId = "rapidstart", countryRegion = "XX" }), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await partner.PostAsJsonAsync($"/api/customers/{kenya}/services", new { serviceId = "nope", countryRegion = "DE" }), HttpStatusCode.BadRequest);
        Assert.NotEqual(other, kenya);
    }

    [Fact]
    public async Task Send_activation_mails_a_link_and_a_resend_kills_the_old_one()
    {
        var (partner, id) = await SignedUpAsync(admin: "resend@trial.example");
        var sent = await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        Assert.Equal("InvitationSent", sent.GetProperty("status").GetString());
        var first = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();

        var page = await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(first)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());

        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services/rapidstart/activation", new { }), HttpStatusCode.Accepted);
        var tokens = await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 2);
        Assert.Equal(HttpStatusCode.Gone, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(first)}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(tokens[^1])}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(first[..^5] + "xxxxx")}")).StatusCode);
    }

    [Fact]
    public async Task More_than_five_sends_an_hour_answer_429_with_retry_after()
    {
        var (partner, id) = await SignedUpAsync(admin: "busy@trial.example");
        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        }

        var refused = await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null);
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Revoking_a_pending_invitation_returns_the_service_to_created()
    {
        var (partner, id) = await SignedUpAsync(admin: "revoke@trial.example");
        await HttpAssert.ProblemAsync(await partner.DeleteAsync($"/api/customers/{id}/services/rapidstart/activation"), HttpStatusCode.Conflict);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();

        Assert.Equal(HttpStatusCode.NoContent, (await partner.DeleteAsync($"/api/customers/{id}/services/rapidstart/activation")).StatusCode);
        var after = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal("Created", after.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Gone, (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(token)}")).StatusCode);
    }

    [Fact]
    public async Task Only_the_invited_account_can_accept_and_only_once()
    {
        var (partner, id) = await SignedUpAsync(admin: "invited@trial.example");
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        var invited = await host.ClientAsAsync("invited@trial.example");
        var stranger = await host.ClientAsAsync("stranger@trial.example");

        await HttpAssert.ProblemAsync(await AcceptAsync(stranger, token), HttpStatusCode.Forbidden);
        var unchanged = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal("InvitationSent", unchanged.GetProperty("status").GetString());

        var problem = await HttpAssert.ProblemAsync(await AcceptAsync(invited, token, agreement: false, privacy: false), HttpStatusCode.BadRequest);
        Assert.Contains("acceptAgreement", HttpAssert.ErrorFields(problem));
        Assert.Contains("acceptPrivacyStatement", HttpAssert.ErrorFields(problem));
        await HttpAssert.ProblemAsync(await host.Http.PostAsJsonAsync("/api/activate", new { token, acceptAgreement = true, acceptPrivacyStatement = true }), HttpStatusCode.Unauthorized);

        var active = await HttpAssert.JsonAsync(await AcceptAsync(invited, token), HttpStatusCode.OK);
        Assert.Equal("Active", active.GetProperty("status").GetString());
        Assert.Equal("2026-01", active.GetProperty("acceptance").GetProperty("agreementVersion").GetString());
        await HttpAssert.ProblemAsync(await AcceptAsync(invited, token), HttpStatusCode.Gone);
        await HttpAssert.ProblemAsync(await AcceptAsync(invited, "eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa.rapidstart.aaaaaaaaaaaaaaaaaaaaaaaaaaaa"), HttpStatusCode.NotFound);

        var history = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart/history"), HttpStatusCode.OK);
        var items = history.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("from").ValueKind);
        Assert.Equal("Created", items[0].GetProperty("to").GetString());
        Assert.Equal("Active", items[^1].GetProperty("to").GetString());
        Assert.StartsWith("customer:invited@trial.example", items[^1].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task The_activation_page_encodes_organization_names()
    {
        var (partner, id) = await SignedUpAsync(organization: "<script>alert(1)</script>", admin: "xss@trial.example");
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        var html = await (await host.Http.GetAsync($"/api/activate?token={Uri.EscapeDataString(token)}")).Content.ReadAsStringAsync();
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<script>alert(1)</script>", html);
    }

    [Fact]
    public async Task The_portal_opens_after_acceptance_and_keeps_an_administrator()
    {
        var (partner, id) = await SignedUpAsync(admin: "boss@trial.example");
        var boss = await host.ClientAsAsync("boss@trial.example");
        await HttpAssert.ProblemAsync(await boss.GetAsync($"/api/portal/customers/{id}/users"), HttpStatusCode.NotFound);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        await HttpAssert.JsonAsync(await AcceptAsync(boss, token), HttpStatusCode.OK);

        var users = await HttpAssert.JsonAsync(await boss.GetAsync($"/api/portal/customers/{id}/users"), HttpStatusCode.OK);
        Assert.Equal("Administrator", users.GetProperty("items")[0].GetProperty("role").GetString());

        await HttpAssert.JsonAsync(await boss.PostAsJsonAsync($"/api/portal/customers/{id}/users", new { microsoftAccountId = "reader@trial.example", displayName = "Rea Der", role = "Reader" }), HttpStatusCode.Created);
        var reader = await host.ClientAsAsync("reader@trial.example");
        await HttpAssert.JsonAsync(await reader.GetAsync($"/api/portal/customers/{id}/users"), HttpStatusCode.OK);
        await HttpAssert.ProblemAsync(await reader.PostAsJsonAsync($"/api/portal/customers/{id}/users", new { microsoftAccountId = "x@trial.example", displayName = "X", role = "Reader" }), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await boss.PutAsJsonAsync($"/api/portal/customers/{id}/users/boss@trial.example", new { role = "Reader" }), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await boss.DeleteAsync($"/api/portal/customers/{id}/users/boss@trial.example"), HttpStatusCode.Conflict);
        await HttpAssert.JsonAsync(await boss.PutAsJsonAsync($"/api/portal/customers/{id}/users/reader@trial.example", new { role = "Contributor" }), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await boss.DeleteAsync($"/api/portal/customers/{id}/users/reader@trial.example")).StatusCode);
        await HttpAssert.ProblemAsync(await boss.PostAsJsonAsync($"/api/portal/customers/{id}/users", new { microsoftAccountId = "y@trial.example", displayName = "Y", role = "Owner" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Portal_role_changes_and_removals_honour_If_Match_with_the_users_etag()
    {
        var (partner, id) = await SignedUpAsync(admin: "owner@etag.example");
        var owner = await host.ClientAsAsync("owner@etag.example");
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var token = (await Mailbox.ActivationTokensAsync(host.MailDirectory, id, 1)).Single();
        await HttpAssert.JsonAsync(await AcceptAsync(owner, token), HttpStatusCode.OK);
        var users = $"/api/portal/customers/{id}/users";

        var added = await owner.PostAsJsonAsync(users, new { microsoftAccountId = "pat@etag.example", displayName = "Pat", role = "Reader" });
        var addedBody = await HttpAssert.JsonAsync(added, HttpStatusCode.Created);
        var asAdded = addedBody.GetProperty("etag").GetString()!;
        Assert.Equal(asAdded, added.Headers.ETag?.ToString());
        var listed = (await HttpAssert.JsonAsync(await owner.GetAsync(users), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("microsoftAccountId").GetString() == "pat@etag.example");
        Assert.Equal(asAdded, listed.GetProperty("etag").GetString());

        var promoted = await Send(HttpMethod.Put, $"{users}/pat@etag.example", asAdded, new { role = "Contributor" });
        var asPromoted = (await HttpAssert.JsonAsync(promoted, HttpStatusCode.OK)).GetProperty("etag").GetString()!;
        Assert.NotEqual(asAdded, asPromoted);
        Assert.Equal(asPromoted, promoted.Headers.ETag?.ToString());

        // The first version is stale now: neither a role change nor a removal goes through with it.
        await HttpAssert.ProblemAsync(await Send(HttpMethod.Put, $"{users}/pat@etag.example", asAdded, new { role = "Administrator" }), HttpStatusCode.PreconditionFailed);
        await HttpAssert.ProblemAsync(await Send(HttpMethod.Delete, $"{users}/pat@etag.example", asAdded), HttpStatusCode.PreconditionFailed);
        var unchanged = (await HttpAssert.JsonAsync(await owner.GetAsync(users), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("microsoftAccountId").GetString() == "pat@etag.example");
        Assert.Equal("Contributor", unchanged.GetProperty("role").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"{users}/pat@etag.example", asPromoted)).StatusCode);
        await HttpAssert.ProblemAsync(await Send(HttpMethod.Delete, $"{users}/pat@etag.example", "*"), HttpStatusCode.NotFound);

        Task<HttpResponseMessage> Send(HttpMethod method, string path, string ifMatch, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return owner.SendAsync(request);
        }
    }

    [Fact]
    public async Task The_service_list_filters_by_status_and_support_sees_any_customer()
    {
        var (partner, id) = await SignedUpAsync(admin: "list@trial.example");
        var created = await HttpAssert.JsonAsync(await partner.GetAsync("/api/services?status=Created"), HttpStatusCode.OK);
        Assert.Contains(created.GetProperty("items").EnumerateArray(), s => s.GetProperty("customerId").GetString() == id);
        Assert.All(created.GetProperty("items").EnumerateArray(), s => Assert.Equal("Created", s.GetProperty("status").GetString()));
        await HttpAssert.ProblemAsync(await partner.GetAsync("/api/services?status=Sleeping"), HttpStatusCode.BadRequest);

        var support = await host.ClientAsAsync("help@rapidstart.example", ["support"]);
        var view = await HttpAssert.JsonAsync(await support.GetAsync($"/api/support/customers/{id}"), HttpStatusCode.OK);
        Assert.Equal(id, view.GetProperty("customer").GetProperty("customerId").GetString());
        Assert.Equal("Created", view.GetProperty("subscriptions")[0].GetProperty("status").GetString());
        await HttpAssert.ProblemAsync(await partner.GetAsync($"/api/support/customers/{id}"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await support.PostAsJsonAsync($"/api/support/customers/{id}/services/rapidstart/reactivate", new { voiceAccountNumber = "V-100204" }), HttpStatusCode.Conflict);
    }
}
