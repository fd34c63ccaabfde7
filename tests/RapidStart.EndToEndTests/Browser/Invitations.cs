using System.Net;
using System.Net.Http.Json;

namespace RapidStart.EndToEndTests.Browser;

/// <summary>What a browser test starts from: an invitation as the administrator receives it.</summary>
public static class Invitations
{
    /// <summary>
    /// Partner P-1001 creates a prospect named <paramref name="organization"/> with <paramref name="administrator"/>,
    /// adds RapidStart in DE and sends activation; returns the partner's client, the customer and the mailed link.
    /// </summary>
    public static async Task<(HttpClient Partner, string CustomerId, string Link)> SendAsync(LocalHostFixture host, string organization, string administrator)
    {
        var partner = await host.PartnerAsync();
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = organization, address = new { city = "Berlin", countryRegion = "DE" } },
            administrator = new { name = "Dana <b>Admin</b>", microsoftAccountId = administrator, contactEmail = administrator },
        }), HttpStatusCode.Created);
        var customerId = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{customerId}/services", new { serviceId = "rapidstart", countryRegion = "DE" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{customerId}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        return (partner, customerId, await ActivationLinks.ForAsync(host.MailDirectory, customerId));
    }

    /// <summary>The subscription's status, as the partner reads it.</summary>
    public static async Task<string?> StatusAsync(HttpClient partner, string customerId) =>
        (await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{customerId}/services/rapidstart"), HttpStatusCode.OK))
            .GetProperty("status").GetString();
}
