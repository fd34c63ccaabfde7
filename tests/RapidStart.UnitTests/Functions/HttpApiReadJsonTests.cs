using System.Text;
using Microsoft.AspNetCore.Http;
using RapidStart.Domain.Customers;
using RapidStart.Domain.Problems;
using RapidStart.Functions.Http;
using RapidStart.UnitTests.TestSupport;

namespace RapidStart.UnitTests.Functions;

public class HttpApiReadJsonTests
{
    private const string ValidDraft =
        """{"kind":"prospect","organization":{"name":"Contoso","address":{"countryRegion":"DE"}},"administrator":{"name":"Dana","microsoftAccountId":"dana@contoso.com","contactEmail":"it@contoso.com"}}""";

    /// <summary>A POST whose body is <paramref name="body"/>; <paramref name="declareLength"/> false mimics a chunked upload.</summary>
    private static HttpRequest Request(string body, string? contentType = "application/json", bool declareLength = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = declareLength ? bytes.Length : null;
        return context.Request;
    }

    private static string Nested(int depth) =>
        "{\"kind\":\"prospect\",\"extra\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "1" + new string('}', depth - 1) + "}";

    [Fact]
    public async Task ReadJsonAsync_valid_draft_binds_camel_case_fields()
    {
        // Act
        var draft = await HttpApi.ReadJsonAsync<CustomerDraft>(Request(ValidDraft));

        // Assert
        Assert.Equal("prospect", draft.Kind);
        Assert.Equal("DE", draft.Organization!.Address!.CountryRegion);
        Assert.Equal("dana@contoso.com", draft.Administrator!.MicrosoftAccountId);
    }

    [Theory]
    [InlineData("""{"password":"x"}""", "password")]
    [InlineData("""{"kind":"prospect","administrator":{"name":"Dana","password":"hunter2"}}""", "administrator.password")]
    [InlineData("""{"organization":{"address":{"extra":[{"ok":1},{"Password":"x"}]}}}""", "organization.address.extra[1].Password")]
    [InlineData("""{"administrator":{"adminPassword":null}}""", "administrator.adminPassword")]
    public async Task ReadJsonAsync_password_anywhere_is_invalid_naming_its_path(string body, string path)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => HttpApi.ReadJsonAsync<CustomerDraft>(Request(body)));

        // Assert
        var message = Assert.Single(Assert.Single(problem.Errors!, e => e.Key == path).Value);
        Assert.Contains("Passwords are never sent", message);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData(null)]
    public async Task ReadJsonAsync_not_JSON_content_type_is_unsupported_media_type(string? contentType)
    {
        // Act
        var refused = await Assert.ThrowsAsync<HttpRequestRefusedException>(() => HttpApi.ReadJsonAsync<CustomerDraft>(Request(ValidDraft, contentType)));

        // Assert
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, refused.Status);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    public async Task ReadJsonAsync_JSON_content_type_variants_are_accepted(string contentType)
    {
        // Act
        var draft = await HttpApi.ReadJsonAsync<CustomerDraft>(Request(ValidDraft, contentType));

        // Assert
        Assert.Equal("prospect", draft.Kind);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadJsonAsync_body_over_64_KiB_is_payload_too_large(bool declareLength)
    {
        // Arrange
        var body = "{\"kind\":\"prospect\",\"extra\":\"" + new string('a', 64 * 1024) + "\"}";

        // Act
        var refused = await Assert.ThrowsAsync<HttpRequestRefusedException>(() => HttpApi.ReadJsonAsync<CustomerDraft>(Request(body, declareLength: declareLength)));

        // Assert
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, refused.Status);
    }

    [Fact]
    public async Task ReadJsonAsync_body_of_exactly_64_KiB_is_read()
    {
        // Arrange
        var prefix = "{\"kind\":\"prospect\",\"extra\":\"";
        var body = prefix + new string('a', (64 * 1024) - prefix.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(body));

        // Act
        var draft = await HttpApi.ReadJsonAsync<CustomerDraft>(Request(body, declareLength: false));

        // Assert
        Assert.Equal("prospect", draft.Kind);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"kind":"prospect",}""")]
    [InlineData("""{"kind":"prospect"} trailing""")]
    [InlineData("""{"fillFromVoice":"yes"}""")]
    [InlineData("""["kind","prospect"]""")]
    public async Task ReadJsonAsync_malformed_JSON_is_invalid(string body)
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => HttpApi.ReadJsonAsync<CustomerDraft>(Request(body)));

        // Assert
        Assert.Null(problem.Errors);
        Assert.Equal("The request is malformed.", problem.Title);
    }

    [Fact]
    public async Task ReadJsonAsync_empty_body_is_invalid_unless_optional()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => HttpApi.ReadJsonAsync<CustomerDraft>(Request("")));
        var optional = await HttpApi.ReadJsonAsync<CustomerDraft>(Request(""), optional: true);

        // Assert
        Assert.Contains("required", problem.Message);
        Assert.Null(optional);
    }

    [Fact]
    public async Task ReadJsonAsync_nested_deeper_than_16_is_invalid()
    {
        // Act
        var problem = await TestData.ThrowsProblemAsync(ProblemKind.Invalid, () => HttpApi.ReadJsonAsync<CustomerDraft>(Request(Nested(17))));

        // Assert
        Assert.Equal("The request is malformed.", problem.Title);
    }

    [Fact]
    public async Task ReadJsonAsync_nested_exactly_16_is_read()
    {
        // Act
        var draft = await HttpApi.ReadJsonAsync<CustomerDraft>(Request(Nested(16)));

        // Assert
        Assert.Equal("prospect", draft.Kind);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("*", null)]
    [InlineData("\"etag-1\"", "\"etag-1\"")]
    public void ExpectedETag_is_the_IfMatch_header_except_when_any_version_will_do(string? ifMatch, string? expected)
    {
        // Arrange
        var request = Request(ValidDraft);
        if (ifMatch is not null)
        {
            request.Headers.IfMatch = ifMatch;
        }

        // Act + Assert
        Assert.Equal(expected, HttpApi.ExpectedETag(request));
    }
}
