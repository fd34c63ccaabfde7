using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RapidStart.Functions.Http;
using RapidStart.LocalHost.Identity;

namespace RapidStart.EndToEndTests;

/// <summary>
/// GET /api/openapi.json, held to the code (every route of <see cref="RouteTable"/>, real response
/// bodies), to api.md (every route and the field names it lists) and to itself (security per operation).
/// </summary>
public sealed class OpenApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static readonly HashSet<string> AnonymousOperations =
        [
            "GET /health", "GET /openapi.json", "GET /activate", "POST /dev/token", "GET /console", "GET /console/{asset}",
            "GET /portal", "GET /auth/config", "GET /auth/redirect",
        ];

    private async Task<JsonElement> FetchAsync()
    {
        var response = await host.Http.GetAsync("/api/openapi.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/openapi.json answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task The_document_is_served_anonymously_as_OpenAPI_3_1()
    {
        var document = await FetchAsync();
        Assert.Matches(@"^3\.1\.\d+$", document.GetProperty("openapi").GetString());
        Assert.False(string.IsNullOrWhiteSpace(document.GetProperty("info").GetProperty("title").GetString()));
        Assert.Equal("/api", document.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());

        // The same bytes as the embedded resource, so the other tests may read that directly.
        Assert.Equal(JsonSerializer.Serialize(OpenApi.Document), JsonSerializer.Serialize(document));
    }

    [Fact]
    public async Task Generated_clients_get_a_typed_field_for_every_property_and_one_server()
    {
        var document = await FetchAsync();
        Assert.Equal(1, document.GetProperty("servers").GetArrayLength());

        // A property typed only "null", or with no type at all, becomes an untyped node in a generated client.
        var untyped = new List<string>();
        foreach (var schema in document.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }

            foreach (var property in properties.EnumerateObject())
            {
                var value = property.Value;
                var typed = value.TryGetProperty("$ref", out _) || value.TryGetProperty("oneOf", out _) || value.TryGetProperty("anyOf", out _)
                    || (value.TryGetProperty("type", out var type) && (type.ValueKind == JsonValueKind.Array
                        ? type.EnumerateArray().Any(t => t.GetString() != "null")
                        : type.GetString() != "null"));
                if (!typed)
                {
                    untyped.Add($"{schema.Name}.{property.Name}");
                }
            }
        }

        Assert.True(untyped.Count == 0, $"Properties without a type a client generator can use: {string.Join(", ", untyped)}");
    }

    [Fact]
    public async Task Every_operation_documents_the_500_problem_of_an_unexpected_failure()
    {
        var document = await FetchAsync();
        var missing = OpenApi.Operations(document)
            .Where(o => !o.Operation.GetProperty("responses").TryGetProperty("500", out _))
            .Select(o => $"{o.Method} {o.Path}")
            .ToArray();
        Assert.True(missing.Length == 0, $"Operations without a 500 answer: {string.Join("; ", missing)}");
    }

    [Fact]
    public async Task Every_route_in_the_code_is_documented_and_every_documented_route_exists()
    {
        var document = await FetchAsync();
        var inCode = RouteTable.All
            .Where(f => !f.Route.StartsWith("{*", StringComparison.Ordinal))
            .SelectMany(f => f.Methods.Select(m => (Key: $"{m} {OpenApi.PathOf(f.Route)}", f.Name)))
            .ToDictionary(x => x.Key, x => x.Name);

        // Served by the local host itself (Development only), not by a function.
        inCode[$"POST {DevelopmentTokenEndpoint.Route["/api".Length..]}"] = DevelopmentTokenEndpoint.Name;
        var documented = OpenApi.Operations(document).ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation);

        var undocumented = inCode.Keys.Except(documented.Keys).Order().ToArray();
        Assert.True(undocumented.Length == 0, $"Routes missing from functions/Http/openapi.json: {string.Join("; ", undocumented)}");
        var phantom = documented.Keys.Except(inCode.Keys).Order().ToArray();
        Assert.True(phantom.Length == 0, $"Documented routes no function serves: {string.Join("; ", phantom)}");

        foreach (var (key, name) in inCode)
        {
            Assert.True(
                documented[key].TryGetProperty("operationId", out var operationId) && operationId.GetString() == name,
                $"{key}: operationId should be the function name {name}.");
        }
    }

    [Fact]
    public async Task Security_is_declared_per_operation_and_the_host_enforces_it()
    {
        var document = await FetchAsync();
        foreach (var (path, method, operation) in OpenApi.Operations(document))
        {
            var key = $"{method} {path}";
            Assert.True(operation.TryGetProperty("security", out var security), $"{key} declares no security.");
            var anonymous = security.GetArrayLength() == 0;
            Assert.True(anonymous == AnonymousOperations.Contains(key), $"{key}: documented as {(anonymous ? "anonymous" : "bearer")}.");
            if (!anonymous)
            {
                Assert.True(security[0].TryGetProperty("bearer", out _), $"{key} should use the bearer scheme.");
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{key} should document 401.");
            }

            // Without a token: 401 exactly where the document asks for one.
            using var request = new HttpRequestMessage(new HttpMethod(method), "/api" + Regex.Replace(path, @"\{[^}]+\}", "x"));
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            var response = await host.Http.SendAsync(request);
            Assert.True(
                (response.StatusCode == HttpStatusCode.Unauthorized) == !anonymous,
                $"{key} without a token answered {(int)response.StatusCode}, but the document says it is {(anonymous ? "anonymous" : "bearer-only")}.");
        }
    }

    [Fact]
    public async Task Every_route_and_field_name_of_api_md_is_in_the_document()
    {
        var document = await FetchAsync();
        var apiMd = File.ReadAllText(ApiMd.Path);

        var routes = Regex.Matches(apiMd, @"`(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s?]+)")
            .Select(m => (Method: m.Groups[1].Value, Path: m.Groups[2].Value))
            .Distinct()
            .ToArray();
        Assert.True(routes.Length >= 20, $"Found only {routes.Length} `METHOD /api/...` routes in {ApiMd.Path}; has its format changed?");
        var documented = OpenApi.Operations(document).Select(o => $"{o.Method} {o.Path}").ToHashSet();
        var missing = routes.Select(r => $"{r.Method} {r.Path["/api".Length..]}").Where(r => !documented.Contains(r)).ToArray();
        Assert.True(missing.Length == 0, $"api.md routes missing from the document: {string.Join("; ", missing)}");

        // Subscription: `{customerId, serviceId, ..., invitation: {sentAt, ...}, activatedAt}`
        var subscription = OpenApi.ResponseSchema(document, "/customers/{customerId}/services/{serviceId}", "get", "200");
        var fields = ApiMd.FieldsAfter(apiMd, "Subscription: `");
        Assert.Contains(fields, f => f.Name == "invitation" && f.Children.Count > 0);
        OpenApi.AssertHasFields(document, subscription, fields, "Subscription");

        // The customer draft example, every property at every depth.
        var draft = OpenApi.RequestSchema(document, "/customers", "post");
        var example = ApiMd.JsonBlockAfter(apiMd, "Customer draft:");
        Assert.True(example.EnumerateObject().Count() >= 5, "The customer draft example has fewer fields than expected.");
        OpenApi.AssertHasFields(document, draft, ApiMd.FieldsOf(example), "customer draft");

        // Customer: the draft's fields plus `customerId`, `partnerId`, `region`, `createdAt`.
        var customerLine = apiMd.Split('\n').Single(l => l.StartsWith("Customer: ", StringComparison.Ordinal));
        var added = Regex.Matches(customerLine, "`([A-Za-z]+)`").Select(m => new ApiMd.Field(m.Groups[1].Value, [])).ToArray();
        Assert.NotEmpty(added);
        OpenApi.AssertHasFields(document, OpenApi.ResponseSchema(document, "/customers", "post", "201"), added, "Customer");
    }

    [Fact]
    public async Task Real_responses_carry_every_required_property_and_nothing_undocumented()
    {
        var document = await FetchAsync();
        var partner = await host.PartnerAsync();

        var created = await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name = "Schema Co", address = new { city = "Berlin", countryRegion = "DE" } },
            administrator = new { name = "Dana Admin", microsoftAccountId = "dana@schema.example", contactEmail = "it@schema.example" },
        });
        var customer = await HttpAssert.JsonAsync(created, HttpStatusCode.Created);
        OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, "/customers", "post", "201"), customer, "POST /customers");
        var id = customer.GetProperty("customerId").GetString()!;

        var signedUp = await HttpAssert.JsonAsync(
            await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = "DE" }), HttpStatusCode.Created);
        OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, "/customers/{customerId}/services", "post", "201"), signedUp, "POST .../services");

        var subscriptionSchema = OpenApi.ResponseSchema(document, "/customers/{customerId}/services/{serviceId}", "get", "200");
        var subscription = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
        OpenApi.AssertConforms(document, subscriptionSchema, subscription, "GET subscription (Created)");

        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{id}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var invited = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Object, invited.GetProperty("invitation").ValueKind);
        OpenApi.AssertConforms(document, subscriptionSchema, invited, "GET subscription (InvitationSent)");

        foreach (var (path, url) in new[]
        {
            ("/customers/{customerId}", $"/api/customers/{id}"),
            ("/customers", "/api/customers?pageSize=5"),
            ("/services", "/api/services?status=InvitationSent"),
            ("/customers/{customerId}/services/{serviceId}/history", $"/api/customers/{id}/services/rapidstart/history"),
            ("/catalog/services", "/api/catalog/services"),
            ("/voice/accounts", "/api/voice/accounts?name=northwind"),
        })
        {
            var body = await HttpAssert.JsonAsync(await partner.GetAsync(url), HttpStatusCode.OK);
            OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, path, "get", "200"), body, "GET " + url);
        }

        var support = await host.ClientAsAsync("help@rapidstart.example", ["support"]);
        var view = await HttpAssert.JsonAsync(await support.GetAsync($"/api/support/customers/{id}"), HttpStatusCode.OK);
        OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, "/support/customers/{customerId}", "get", "200"), view, "GET support customer");

        var problem = await HttpAssert.ProblemAsync(await partner.PostAsJsonAsync("/api/customers", new { kind = "nope" }), HttpStatusCode.BadRequest);
        OpenApi.AssertConforms(document, OpenApi.Resolve(document, OpenApi.Get(document, "#/components/schemas/ProblemDetails")), problem, "a 400 problem");
        var authConfig = await HttpAssert.JsonAsync(await host.Http.GetAsync("/api/auth/config"), HttpStatusCode.OK);
        OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, "/auth/config", "get", "200"), authConfig, "GET /auth/config");
        var health = await HttpAssert.JsonAsync(await host.Http.GetAsync("/api/health"), HttpStatusCode.OK);
        OpenApi.AssertConforms(document, OpenApi.ResponseSchema(document, "/health", "get", "200"), health, "GET /health");
    }
}

/// <summary>Reads the contract page, <c>docs/api.md</c> of this repository.</summary>
public static class ApiMd
{
    public sealed record Field(string Name, IReadOnlyList<Field> Children);

    public static string Path { get; } = RepositoryFiles.PathOf("docs", "api.md");

    /// <summary>The field tree of a <c>{a, b (comment), c: {d, e}, f: [{g}]}</c> shape that starts right after <paramref name="marker"/>.</summary>
    public static IReadOnlyList<Field> FieldsAfter(string text, string marker)
    {
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"api.md has no '{marker}'.");
        var position = text.IndexOf('{', start);
        return ParseObject(text, ref position);
    }

    public static JsonElement JsonBlockAfter(string text, string marker)
    {
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"api.md has no '{marker}'.");
        var open = text.IndexOf("```json", start, StringComparison.Ordinal);
        var close = text.IndexOf("```", open + 7, StringComparison.Ordinal);
        Assert.True(open > 0 && close > open, $"api.md has no ```json block after '{marker}'.");
        return JsonDocument.Parse(text[(open + 7)..close]).RootElement;
    }

    public static IReadOnlyList<Field> FieldsOf(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => new Field(p.Name, FieldsOf(p.Value))).ToArray(),
            JsonValueKind.Array => element.EnumerateArray().SelectMany(FieldsOf).ToArray(),
            _ => [],
        };

    private static List<Field> ParseObject(string text, ref int i)
    {
        Assert.Equal('{', text[i]);
        i++;
        var fields = new List<Field>();
        while (i < text.Length)
        {
            SkipNoise(text, ref i);
            if (text[i] == '}')
            {
                i++;
                return fields;
            }

            var name = Regex.Match(text[i..], "^[A-Za-z_][A-Za-z0-9_]*").Value;
            Assert.True(name.Length > 0, $"Unexpected '{text[i]}' in a field list of api.md at offset {i}.");
            i += name.Length;
            SkipNoise(text, ref i);
            IReadOnlyList<Field> children = [];
            if (text[i] == ':')
            {
                i++;
                SkipNoise(text, ref i);
                if (text[i] == '{')
                {
                    children = ParseObject(text, ref i);
                }
                else if (text[i] == '[')
                {
                    i++;
                    SkipNoise(text, ref i);
                    children = text[i] == '{' ? ParseObject(text, ref i) : [];
                    i = text.IndexOf(']', i) + 1;
                }
                else
                {
                    // A literal value such as "rapidstart": skip to the next separator.
                    while (text[i] is not (',' or '}'))
                    {
                        i++;
                    }
                }
            }

            fields.Add(new Field(name, children));
        }

        throw new InvalidOperationException("Unterminated field list in api.md.");
    }

    /// <summary>Whitespace, commas, backticks and parenthesized comments such as "(null when permanent)".</summary>
    private static void SkipNoise(string text, ref int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]) || text[i] is ',' or '`')
            {
                i++;
            }
            else if (text[i] == '(')
            {
                i = text.IndexOf(')', i) + 1;
            }
            else
            {
                return;
            }
        }
    }
}

/// <summary>Reads the embedded OpenAPI document and checks JSON values against its schemas (the subset of JSON Schema it uses).</summary>
public static class OpenApi
{
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    public static JsonElement Document { get; } = JsonDocument.Parse(OpenApiFunctions.Text).RootElement;

    /// <summary>The document path of a route template: <c>/</c> + the route, constraints and defaults dropped.</summary>
    public static string PathOf(string route) => "/" + Regex.Replace(route, @"\{\*?([A-Za-z0-9_]+)[^}]*\}", "{$1}");

    public static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var item in path.Value.EnumerateObject().Where(p => HttpMethods.Contains(p.Name)))
            {
                yield return (path.Name, item.Name.ToUpperInvariant(), item.Value);
            }
        }
    }

    public static JsonElement Get(JsonElement document, string pointer)
    {
        Assert.StartsWith("#/", pointer);
        var node = document;
        foreach (var segment in pointer[2..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")))
        {
            Assert.True(node.TryGetProperty(segment, out node), $"The document has no {pointer}.");
        }

        return node;
    }

    public static JsonElement Resolve(JsonElement document, JsonElement node)
    {
        while (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var reference))
        {
            node = Get(document, reference.GetString()!);
        }

        return node;
    }

    public static JsonElement ResponseSchema(JsonElement document, string path, string method, string status)
    {
        var operation = Get(document, $"#/paths/{path.Replace("~", "~0").Replace("/", "~1")}/{method}");
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var response), $"{method.ToUpperInvariant()} {path} documents no {status}.");
        var content = Resolve(document, response).GetProperty("content");
        var media = content.EnumerateObject().First(m => m.Name.EndsWith("json", StringComparison.Ordinal));
        return Resolve(document, media.Value.GetProperty("schema"));
    }

    public static JsonElement RequestSchema(JsonElement document, string path, string method)
    {
        var operation = Get(document, $"#/paths/{path.Replace("~", "~0").Replace("/", "~1")}/{method}");
        return Resolve(document, operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
    }

    /// <summary>Every field (at every depth) is a property of the schema, or of the schema of its parent property.</summary>
    public static void AssertHasFields(JsonElement document, JsonElement schema, IReadOnlyList<ApiMd.Field> fields, string where)
    {
        var objectSchema = ObjectBranch(document, schema);
        var properties = objectSchema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var field in fields)
        {
            Assert.True(
                properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(field.Name, out _),
                $"The document's {where} schema has no property '{field.Name}' (api.md names it).");
            if (field.Children.Count > 0)
            {
                AssertHasFields(document, properties.GetProperty(field.Name), field.Children, $"{where}.{field.Name}");
            }
        }
    }

    /// <summary>
    /// Checks a real response against a schema: JSON types (with null only where allowed), enums,
    /// every required property present, no property the schema doesn't list (additionalProperties: false).
    /// </summary>
    public static void AssertConforms(JsonElement document, JsonElement schema, JsonElement value, string where)
    {
        schema = Resolve(document, schema);
        foreach (var combinator in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(combinator, out var branches))
            {
                var candidates = branches.EnumerateArray().Select(b => Resolve(document, b))
                    .Where(b => !b.TryGetProperty("type", out var t) || Allows(t, value)).ToArray();
                Assert.True(candidates.Length > 0, $"{where}: {value.ValueKind} matches no branch of {combinator}.");
                AssertConforms(document, candidates[0], value, where);
                return;
            }
        }

        if (schema.TryGetProperty("type", out var type))
        {
            Assert.True(Allows(type, value), $"{where}: {value.ValueKind} is not of the documented type {type}.");
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            Assert.True(values.EnumerateArray().Any(v => v.ToString() == value.ToString() && v.ValueKind == value.ValueKind), $"{where}: '{value}' is not in the documented enum {values}.");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                {
                    Assert.True(value.TryGetProperty(name, out _), $"{where}: the required property '{name}' is missing from {value}.");
                }
            }

            var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    AssertConforms(document, propertySchema, property.Value, $"{where}.{property.Name}");
                }
                else
                {
                    Assert.False(closed, $"{where}: the property '{property.Name}' is not in the document.");
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                AssertConforms(document, items, item, $"{where}[{index++}]");
            }
        }
    }

    private static JsonElement ObjectBranch(JsonElement document, JsonElement schema)
    {
        schema = Resolve(document, schema);
        foreach (var combinator in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(combinator, out var branches))
            {
                return branches.EnumerateArray().Select(b => Resolve(document, b)).First(b => b.TryGetProperty("properties", out _));
            }
        }

        return schema;
    }

    private static bool Allows(JsonElement type, JsonElement value)
    {
        var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
        return value.ValueKind switch
        {
            JsonValueKind.Object => allowed.Contains("object"),
            JsonValueKind.Array => allowed.Contains("array"),
            JsonValueKind.String => allowed.Contains("string"),
            JsonValueKind.True or JsonValueKind.False => allowed.Contains("boolean"),
            JsonValueKind.Null => allowed.Contains("null"),
            JsonValueKind.Number => allowed.Contains("number") || (allowed.Contains("integer") && value.TryGetInt64(out _)),
            _ => false,
        };
    }
}
