using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using RapidStart.Functions.Http;
using Xunit.Abstractions;

namespace RapidStart.EndToEndTests;

/// <summary>
/// Property test over every write route (POST, PUT, PATCH and DELETE of <see cref="RouteTable.All"/>):
/// thousands of bodies that start valid and are mutated (fields dropped, duplicated, renamed, given
/// the wrong type, huge, deep, full of control characters, OData keywords or invalid UTF-8), plus
/// random bytes and random content types, sent 8 at a time to a real world (requests that commit to
/// the same subscription concurrently too). Properties: no 5xx;
/// every 4xx is an RFC 9457 problem; and storage holds nothing from a refused request (counted
/// before and after, successes accounted for).
/// <para>
/// Replay a run with <c>RAPIDSTART_FUZZ_REPLAY=seed,gamma</c> (printed at the start and on failure)
/// and change its size with <c>RAPIDSTART_FUZZ_CASES</c>. Replay reproduces every generated case;
/// with 8 in flight, the order they reach the server may differ.
/// </para>
/// </summary>
public sealed partial class FuzzTests(LocalHostFixture host, ITestOutputHelper output) : IClassFixture<LocalHostFixture>
{
    private const int DefaultCases = 5000;
    private const int Parallelism = 8;
    private const string PartnerId = "P-1001";
    private const string CAdmin = "fuzz-admin@c-fuzz.example";
    private const string CReader = "fuzz-reader@c-fuzz.example";
    private const string CVictim = "fuzz-victim@c-fuzz.example";
    private const string DInvitee = "fuzz-invitee@d-fuzz.example";

    /// <summary>Every customer a 201 of POST /api/customers answered with, and the request that got it.</summary>
    private readonly ConcurrentQueue<(string Id, string Request)> _created = new();

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// One write route, as fuzzed: who calls it, on which record, starting from which valid bodies.
    /// <paramref name="UserIds"/> are the values tried for the route's last path identifier (a portal
    /// user's account, or a partner ID).
    /// </summary>
    private sealed record Target(string Key, string Caller, string Path, string[] Bases, string[]? UserIds = null);

    /// <summary>One generated request. <see cref="ToString"/> is what FsCheck prints for a counterexample.</summary>
    public sealed record FuzzCase(int Target, string Key, string Shape, byte[] Body, string? ContentType, string? IfMatch, string? CustomerId, string? UserId)
    {
        public override string ToString()
        {
            var text = Encoding.UTF8.GetString(Body);
            return $"{Key} [{Shape}] content-type={ContentType ?? "(none)"} if-match={IfMatch ?? "(none)"} customerId={CustomerId ?? "(world)"} userId={UserId ?? "(none)"} "
                + $"{Body.Length} bytes: {(text.Length > 400 ? text[..400] + "…" : text)}";
        }
    }

    [Fact]
    public async Task Random_and_mutated_bodies_on_every_write_route_never_fail_the_server_nor_leave_anything_behind()
    {
        // FsCheck's parallel runner blocks a thread per case in flight, in the same process as the
        // host; on two cores the pool then grows too slowly for the host to keep reading request bodies.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completionPorts, 64));
        var world = await BuildWorldAsync();
        var targets = world.Targets;
        var before = await CountAsync(world);

        var cases = int.TryParse(Environment.GetEnvironmentVariable("RAPIDSTART_FUZZ_CASES"), out var configured) ? configured : DefaultCases;
        var (seed, gamma) = ReplaySeed();
        var replay = $"RAPIDSTART_FUZZ_REPLAY={seed},{gamma}";
        output.WriteLine($"{cases} cases over {targets.Count} write routes, {Parallelism} in flight; replay with {replay}");

        var histogram = new ConcurrentDictionary<(string Key, int Status), int>();
        var perRoute = new ConcurrentDictionary<string, int>();
        var shapes = new ConcurrentDictionary<string, int>();
        var violations = new ConcurrentQueue<string>();

        async Task<bool> Property(FuzzCase fuzz)
        {
            perRoute.AddOrUpdate(fuzz.Key, 1, (_, n) => n + 1);
            shapes.AddOrUpdate(fuzz.Shape, 1, (_, n) => n + 1);
            var violation = await CheckAsync(world, targets[fuzz.Target], fuzz, histogram).ConfigureAwait(false);
            if (violation is null)
            {
                return true;
            }

            violations.Enqueue($"{violation}\n    case: {fuzz}");
            return false;
        }

        var arbitrary = Arb.From(CaseGen(targets));
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithReplay(seed, gamma)
            .WithParallelRunConfig(new ParallelRunConfig(Parallelism))
            .WithQuietOnSuccess(true);

        var clock = Stopwatch.StartNew();
        Exception? failure = null;
        try
        {
            await Task.Run(() => Check.One(config, Prop.ForAll(arbitrary, (Func<FuzzCase, Task<bool>>)Property)));
        }
        catch (Exception e)
        {
            failure = e;
        }

        clock.Stop();
        var after = await CountAsync(world);
        Report(perRoute, histogram, shapes, clock.Elapsed, replay);

        var summary = Summarize(violations);
        Assert.True(failure is null, $"Property falsified; replay with {replay}.\n{summary}\n{failure}");
        Assert.True(violations.IsEmpty, $"Violations (replay with {replay}):\n{summary}");
        Assert.Equal(cases, perRoute.Values.Sum());
        Assert.Equal(targets.Select(t => t.Key).Order(), perRoute.Keys.Order());

        int Successes(string key) => histogram.Where(h => h.Key.Key == key && h.Key.Status is >= 200 and < 300).Sum(h => h.Value);
        int Count(string key, int status) => histogram.TryGetValue((key, status), out var n) ? n : 0;

        // Refused requests add nothing; successful ones account for every difference. KNOWN BUG: concurrent
        // creates with one VOICE number can all answer 201 with the same customer (see
        // Concurrent_creates_with_one_voice_number_answer_one_201_and_409s), so customers count by distinct ID.
        foreach (var g in _created.GroupBy(c => c.Id).Where(g => g.Count() > 1))
        {
            output.WriteLine($"KNOWN BUG: 201 with the same customer {g.Key} for {g.Count()} requests:\n  " + string.Join("\n  ", g.Select(c => c.Request)));
        }

        var created = _created.Select(c => c.Id).ToHashSet();
        Assert.Subset(after.CustomerIds.ToHashSet(), created);
        Assert.Subset(after.CustomerIds.ToHashSet(), before.CustomerIds.ToHashSet());
        Assert.Equal(before.Customers + created.Count, after.Customers);
        Assert.Equal(before.Services, after.Services);
        Assert.Equal(
            before.CUsers + Count("POST /api/portal/customers/{customerId}/users", 201) - Count("DELETE /api/portal/customers/{customerId}/users/{microsoftAccountId}", 204),
            after.CUsers);
        var madePermanent = before.CPermanent != after.CPermanent ? 1 : 0;
        Assert.True(madePermanent == 0 || Successes("PUT /api/customers/{customerId}/voice-account") > 0, "C became permanent without a successful PUT voice-account.");
        Assert.Equal(before.CHistory + madePermanent + Successes("POST /api/support/customers/{customerId}/services/{serviceId}/reactivate"), after.CHistory);
        Assert.Equal(
            before.DHistory + Count("POST /api/customers/{customerId}/services/{serviceId}/activation", 202)
                + Count("DELETE /api/customers/{customerId}/services/{serviceId}/activation", 204) + Count("POST /api/activate", 200),
            after.DHistory);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2) || cases > DefaultCases, $"The fuzz run took {clock.Elapsed}; it must stay under 2 minutes.");
    }

    [Fact]
    public async Task Concurrent_role_changes_in_one_organization_never_answer_5xx()
    {
        var world = await BuildWorldAsync();
        var admin = await host.ClientAsAsync(CAdmin);
        var answers = await Task.WhenAll(Enumerable.Range(0, 48).Select(async i =>
        {
            using var response = i % 4 == 3
                ? await admin.PostAsJsonAsync($"/api/portal/customers/{world.C}/users", new { microsoftAccountId = $"race-{i}@c-fuzz.example", displayName = "Race", role = "Reader" })
                : await admin.PutAsJsonAsync($"/api/portal/customers/{world.C}/users/{Uri.EscapeDataString(CReader)}", new { role = i % 2 == 0 ? "Reader" : "Contributor" });
            return $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).Split('\n')[0]}";
        }));

        var failures = answers.Where(a => a.StartsWith('5')).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {answers.Length} concurrent portal writes answered 5xx:\n{string.Join("\n", failures.Take(3).Select(f => f.Length > 300 ? f[..300] : f))}");
    }

    [Fact]
    public async Task Concurrent_creates_with_one_voice_number_answer_one_201_and_409s()
    {
        var partner = await host.PartnerAsync(PartnerId);
        var failures = new List<string>();
        foreach (var number in new[] { "V-100204", "V-100200", "V-100205" })
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
            {
                using var response = await partner.PostAsJsonAsync("/api/customers", new
                {
                    kind = "existing",
                    voiceAccountNumber = number,
                    fillFromVoice = true,
                    administrator = new { name = $"Admin {i}", microsoftAccountId = $"admin-{i}@race.example", contactEmail = $"admin-{i}@race.example" },
                });
                return (Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }));

            var created = answers.Where(a => a.Status == 201).ToList();
            if (created.Count != 1 || answers.Count(a => a.Status == 409) != answers.Length - 1)
            {
                failures.Add($"{number}: expected one 201 and {answers.Length - 1} x 409, got "
                    + string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()} x {g.Key}")) + ":\n  "
                    + string.Join("\n  ", created.Select(c => c.Body.Length > 250 ? c.Body[..250] : c.Body)));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- one request

    private Task<string?> CheckAsync(World world, Target target, FuzzCase fuzz, ConcurrentDictionary<(string, int), int> histogram) =>
        SendAndCheckAsync(world, target, fuzz, histogram);

    private async Task<string?> SendAndCheckAsync(World world, Target target, FuzzCase fuzz, ConcurrentDictionary<(string, int), int> histogram)
    {
        var path = target.Path
            .Replace("{customerId}", fuzz.CustomerId is { } id ? Uri.EscapeDataString(id) : (target.Key.Contains("/activation", StringComparison.Ordinal) ? world.D : world.C), StringComparison.Ordinal)
            .Replace("{serviceId}", "rapidstart", StringComparison.Ordinal)
            .Replace("{microsoftAccountId}", Uri.EscapeDataString(fuzz.UserId ?? ""), StringComparison.Ordinal)
            .Replace("{partnerId}", Uri.EscapeDataString(fuzz.UserId ?? ""), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(target.Key.Split(' ')[0]), path) { Content = new ByteArrayContent(fuzz.Body) };
        request.Content.Headers.Remove("Content-Type");
        if (fuzz.ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }

        if (fuzz.IfMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", fuzz.IfMatch);
        }

        if (world.Tokens[target.Caller] is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        string body;
        try
        {
            response = await host.Http.SendAsync(request).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        }
        catch (HttpRequestException) when (fuzz.Body.Length > ApiJson.MaxBodyBytes)
        {
            // The server may answer 413 before reading an oversized body and close the connection while
            // the client is still sending it: the client then sees the broken pipe, not the answer.
            histogram.AddOrUpdate((fuzz.Key, 0), 1, (_, n) => n + 1);
            return null;
        }
        catch (Exception e)
        {
            histogram.AddOrUpdate((fuzz.Key, 0), 1, (_, n) => n + 1);
            var chain = new List<string>();
            for (var x = e; x is not null; x = x.InnerException)
            {
                chain.Add($"{x.GetType().Name}: {x.Message}");
            }

            return $"{fuzz.Key}: the request failed: {string.Join(" <- ", chain)}";
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            histogram.AddOrUpdate((fuzz.Key, status), 1, (_, n) => n + 1);
            if (status == 201 && fuzz.Key == "POST /api/customers")
            {
                _created.Enqueue((JsonDocument.Parse(body).RootElement.GetProperty("customerId").GetString()!, fuzz.ToString()));
            }

            if (status >= 500)
            {
                return $"{fuzz.Key}: {status}: {Trim(body)}";
            }

            if (status < 400)
            {
                return null;
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return $"{fuzz.Key}: {status} with Content-Type {response.Content.Headers.ContentType}: {Trim(body)}";
            }

            try
            {
                var problem = JsonDocument.Parse(body).RootElement;
                var ok = problem.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.GetInt32() == status
                    && problem.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(title.GetString())
                    && problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(detail.GetString());
                return ok ? null : $"{fuzz.Key}: {status} problem lacks status/title/detail: {Trim(body)}";
            }
            catch (JsonException e)
            {
                return $"{fuzz.Key}: {status} problem is not JSON ({e.Message}): {Trim(body)}";
            }
        }
    }

    // ---------------------------------------------------------------- generators

    private static readonly string[] Injections =
    [
        "' or 1 eq 1", "' or '1' eq '1", "x' or PartitionKey ne 'x", "') or (PartitionKey ne '", "PartitionKey eq 'eu-west'", "PartitionKey ne ''",
        "$filter=PartitionKey gt ''", "RowKey ge ''", "customer' or RowKey eq 'customer", "eu-west|P-1001", "P-1001' or partnerId ne '", "$top=1000",
        "$select=*", "odata.metadata", "@odata.type", "%27%20or%201%20eq%201", "../../etc/passwd", "..\\..\\", "|", "#", "?", "/", "\\", "%00", "%",
    ];

    private static readonly string[] Oddities =
    [
        "", " ", "\u0000", "\u001f\u0007\b", "\r\n\t", "\u200b\u200d\ufeff", "\u202eevil", "e\u0301", "😀🏳️‍🌈", "𝕏𝔂", "Ünïcödé Müller", "<script>alert(1)</script>",
        "\"'`;--", "null", "true", "NaN", "-0", "1e309", "V-100200", "v-100201", "V-200300", "V-", "rapidstart", "RAPIDSTART", "DE", "de", "XX", "UK", "KE",
        "Administrator", "administrator", "Owner", "prospect", "existing", "dana@contoso.com", "AGENT@p-1001.example", "agent@p-1001.example", "a@b", "@",
        "fuzz-admin@c-fuzz.example", "x@y.z", new string('x', 201), new string('é', 300),
    ];

    private static readonly string[] FieldNames =
    [
        "PartitionKey", "RowKey", "Timestamp", "odata.etag", "$filter", "@odata.type", "password", "Password", "adminPassword", "passwordHash", "customerId",
        "partnerId", "partner_id", "status", "region", "roles", "sub", "__proto__", "constructor", "", " ", "kind", "KIND", "Kind", "voiceaccountnumber",
        "VoiceAccountNumber", "\u0000", "😀", "a.b", "errors", "token", "role", "administrator", "organization", "acceptAgreement",
    ];

    private static readonly string[] RawTexts =
    [
        "\"\\uD800\"", "\"\\uDFFF\\uD800\"", "\"\\u0000\"", "\"\\x41\"", "\"\\/\"", "1e999999", "-1e-999999", "123456789012345678901234567890", "-0", "NaN", "Infinity",
        "undefined", "'single'", "\"unterminated", "tru", "nul", "0x10", "+1", "01", ".5", "[", "{", "]", "}", "{\"$ref\":\"#\"}", "/* comment */ 1", "// c\n1",
        "[1,]", "{\"a\":1,}", "\"\t\"", "\"\u0001\"",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json; charset=utf-8", "application/problem+json", "application/merge-patch+json", "application/vnd.rapidstart+json", "APPLICATION/JSON",
        "application/json; charset=utf-16", "application/json;;;", "application/jsonx", "text/json", "text/plain", "application/x-www-form-urlencoded",
        "application/xml", "multipart/form-data; boundary=x", "*/*", "garbage", ";", "application/+json",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE, 0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x00],
    ];

    private static readonly string[] BadCustomerIds =
    [
        "' or 1 eq 1", "eu-west-' or PartitionKey ne '", "eu-west-01m8aaaaaaaaaaaaaaaaaaaaaa", "zz-zz-01m8aaaaaaaaaaaaaaaaaaaaaa", "eu-west-01M8AAAAAAAAAAAAAAAAAAAAAA",
        "customer", "..", "%", "eu-west|x-01m8aaaaaaaaaaaaaaaaaaaaaa", "eu-west-01m8aaaaaaaaaaaaaaaaaaaaa\u0001", new string('a', 2000), "😀",

        // Not "\u0000": Kestrel refuses %00 in a path itself (400, no body) before any function runs.
    ];

    private static Gen<string> Nasty() => Gen.Frequency(
        (4, Gen.Elements(Injections)),
        (5, Gen.Elements(Oddities)),
        (2, Gen.ArrayOf(Gen.Choose(0, 0x2FFF).Select(i => (char)i)).Select(chars => new string(chars))),
        (1, Gen.Elements(1_000, 20_000, 65_000, 70_000).Select(n => new string('A', n))),
        (1, Gen.Elements(5_000, 25_000).Select(n => string.Concat(Enumerable.Repeat("é😀\u0000'", n / 5)))));

    /// <summary>A JSON value of any type; raw (invalid or exotic) JSON text travels in a marker replaced after serialization.</summary>
    private static Gen<JsonNode?> AnyValue(int depth)
    {
        var options = new List<(int, Gen<JsonNode?>)>
        {
            (4, Nasty().Select(s => (JsonNode?)JsonValue.Create(s))),
            (1, Gen.Constant<JsonNode?>(null).Select(_ => (JsonNode?)null)),
            (1, Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b))),
            (2, Gen.Elements(0L, -1L, 1L, int.MaxValue, long.MinValue, long.MaxValue).Select(n => (JsonNode?)JsonValue.Create(n))),
            (1, Gen.Elements(0.5, -1e300, 1e-300, double.Epsilon).Select(d => (JsonNode?)JsonValue.Create(d))),
            (2, Gen.Elements(RawTexts).Select(Raw)),
            (1, Gen.Elements(17, 64, 1_000, 20_000).Select(n => Raw(new string('[', n) + new string(']', n)))),
            (1, Gen.Elements(17, 200, 5_000).Select(n => Raw(string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n)))),
        };
        if (depth > 0)
        {
            options.Add((1, Gen.ListOf(AnyValue(depth - 1), 4).Select(items => (JsonNode?)new JsonArray(items.ToArray()))));
            options.Add((1, Gen.ListOf(Gen.Zip(Gen.Elements(FieldNames), AnyValue(depth - 1)), 4).Select(pairs =>
            {
                var obj = new JsonObject();
                foreach (var (name, value) in pairs)
                {
                    obj[name] = value;
                }

                return (JsonNode?)obj;
            })));
        }

        return Gen.Frequency(options.ToArray());
    }

    private static JsonNode? Raw(string text) => JsonValue.Create("@@RAW:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) + "@@");

    private static string Dup(string name) => "@@DUP:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(name)) + "@@";

    /// <summary>One mutation somewhere in the tree; never returns the node it was given (always a fresh tree).</summary>
    private static Gen<JsonNode?> Mutate(JsonNode? node)
    {
        var options = new List<(int, Gen<JsonNode?>)> { (2, AnyValue(2)) };
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
            {
                var keys = obj.Select(p => p.Key).ToArray();
                options.Add((10, Gen.Elements(keys).SelectMany(key => Gen.Frequency(
                    (4, Gen.Constant(0).SelectMany(_ => Mutate(obj[key]?.DeepClone())).Select(child => With(obj, c => c[key] = child))),
                    (2, Gen.Constant(0).Select(_ => With(obj, c => c.Remove(key)))),
                    (2, Gen.Elements(FieldNames.Append(key.ToUpperInvariant()).Append(key + " ").Append(key + "\u0000").ToArray()).Select(name => With(obj, c =>
                    {
                        var value = c[key];
                        c.Remove(key);
                        c[name] = value;
                    }))),
                    (2, AnyValue(1).Select(value => With(obj, c => c[Dup(key)] = value))),
                    (2, AnyValue(1).Select(value => With(obj, c => c[key] = value))),
                    (1, Gen.Constant(0).Select(_ => With(obj, c => c[key] = null)))))));
                options.Add((2, Gen.Zip(Gen.Elements(FieldNames), AnyValue(1)).Select(pair => With(obj, c => c[pair.Item1] = pair.Item2))));
                options.Add((1, Gen.Constant(0).Select(_ => (JsonNode?)new JsonArray(obj.DeepClone()))));
                break;
            }

            case JsonArray array when array.Count > 0:
                options.Add((4, Gen.Choose(0, array.Count - 1).SelectMany(i => Mutate(array[i]?.DeepClone()).Select(child =>
                {
                    var copy = (JsonArray)array.DeepClone();
                    copy[i] = child;
                    return (JsonNode?)copy;
                }))));
                break;

            case JsonValue value when value.TryGetValue<string>(out var text):
                options.Add((3, Nasty().Select(extra => (JsonNode?)JsonValue.Create(text + extra))));
                options.Add((1, Gen.Constant(0).Select(_ => (JsonNode?)new JsonArray(JsonValue.Create(text)))));
                break;
        }

        return Gen.Frequency(options.ToArray());
    }

    private static JsonNode? With(JsonObject obj, Action<JsonObject> change)
    {
        var copy = (JsonObject)obj.DeepClone();
        change(copy);
        return copy;
    }

    private static Gen<JsonNode?> Mutations(JsonNode? node, int count) =>
        count == 0 ? Gen.Constant(0).Select(_ => node?.DeepClone()) : Mutate(node).SelectMany(next => Mutations(next, count - 1));

    private static string Serialize(JsonNode? node, bool indented)
    {
        var text = node is null ? "null" : node.ToJsonString(new JsonSerializerOptions(Relaxed) { WriteIndented = indented });
        text = RawMarker().Replace(text, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value)));
        return DupMarker().Replace(text, m => JsonSerializer.Serialize(Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value)), Relaxed));
    }

    /// <summary>A text- or byte-level blow to an already serialized body.</summary>
    private static Gen<(string Shape, byte[] Bytes)> Damage(string text) => Gen.Frequency(
        (2, Gen.Choose(0, text.Length).Select(i => ("truncated", Encoding.UTF8.GetBytes(text[..i])))),
        (2, Gen.Zip(Gen.Choose(0, text.Length), Gen.Elements(",", "}", "]", "\"", "\\", "/*x*/", "\u0000", ":", "{", "[", "'", "\u2028")).Select(p => ("junk-inserted", Encoding.UTF8.GetBytes(text.Insert(p.Item1, p.Item2))))),
        (1, Gen.Elements(" x", "{}", "\u0000", ",", " // tail").Select(tail => ("trailing-garbage", Encoding.UTF8.GetBytes(text + tail)))),
        (1, Gen.Constant(0).Select(_ => ("trailing-comma", Encoding.UTF8.GetBytes(text.Length > 1 && text.EndsWith('}') ? text[..^1] + ",}" : text + ",")))),
        (1, Gen.Constant(0).Select(_ => ("bom", new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray()))),
        (1, Gen.Constant(0).Select(_ => ("utf16", Encoding.Unicode.GetBytes(text)))),
        (3, Gen.Zip(Gen.Elements(InvalidUtf8Positions(Encoding.UTF8.GetBytes(text))), Gen.Elements(InvalidUtf8)).Select(p =>
        {
            var bytes = Encoding.UTF8.GetBytes(text).ToList();
            bytes.InsertRange(p.Item1, p.Item2);
            return ("invalid-utf8", bytes.ToArray());
        })));

    /// <summary>
    /// Invalid UTF-8 goes anywhere, inside strings and property names too (those once answered 500);
    /// set RAPIDSTART_FUZZ_UTF8_IN_STRINGS=0 to keep it between tokens.
    /// </summary>
    private static readonly bool InvalidUtf8InsideStrings = Environment.GetEnvironmentVariable("RAPIDSTART_FUZZ_UTF8_IN_STRINGS") != "0";

    /// <summary>Where invalid bytes may go: anywhere, or (while the bug above stands) only outside string tokens.</summary>
    private static int[] InvalidUtf8Positions(byte[] utf8)
    {
        var positions = new List<int>();
        var inString = false;
        for (var i = 0; i <= utf8.Length; i++)
        {
            if (!inString || InvalidUtf8InsideStrings)
            {
                positions.Add(i);
            }

            if (i == utf8.Length)
            {
                break;
            }

            if (inString && utf8[i] == (byte)'\\')
            {
                i++;
                continue;
            }

            if (utf8[i] == (byte)'"')
            {
                inString = !inString;
            }
        }

        return positions.ToArray();
    }

    private static Gen<(string Shape, byte[] Bytes)> BodyGen(Target target)
    {
        var bases = target.Bases.Select(b => JsonNode.Parse(b)).ToArray();
        var baseGen = Gen.Elements(Enumerable.Range(0, bases.Length).ToArray()).Select(i => bases[i]);
        var mutated = baseGen.SelectMany(b => Gen.Choose(1, 4).SelectMany(n => Mutations(b, n)))
            .SelectMany(node => Gen.Elements(false, true).Select(indented => Serialize(node, indented)));
        return Gen.Frequency(
            (10, baseGen.Select(b => ("valid", Encoding.UTF8.GetBytes(Serialize(b, false))))),
            (55, mutated.Select(text => ("mutated", Encoding.UTF8.GetBytes(text)))),
            (15, mutated.SelectMany(Damage).Select(d => ("mutated+" + d.Shape, d.Bytes))),
            (8, baseGen.SelectMany(b => Damage(Serialize(b, false))).Select(d => ("valid+" + d.Shape, d.Bytes))),
            (7, Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i)).Select(bytes => ("random-bytes", bytes))),
            (3, AnyValue(3).Select(node => ("random-json", Encoding.UTF8.GetBytes(Serialize(node, false))))),
            (2, Gen.Constant(0).Select(_ => ("empty", Array.Empty<byte>()))));
    }

    private static Gen<FuzzCase> CaseGen(IReadOnlyList<Target> targets)
    {
        var bodies = targets.Select(BodyGen).ToArray();
        var contentType = Gen.Frequency((85, Gen.Constant<string?>("application/json")), (3, Gen.Constant<string?>(null)), (12, Gen.Elements(ContentTypes).Select(c => (string?)c)));
        var ifMatch = Gen.Frequency((85, Gen.Constant<string?>(null)), (15, Gen.Elements<string?>("*", "\"stale\"", "W/\"x\"", "garbage", "\"\"", "*, \"a\"")));
        var customerId = Gen.Frequency((90, Gen.Constant<string?>(null)), (10, Gen.Elements(BadCustomerIds).Select(id => (string?)id)));
        return Gen.Choose(0, targets.Count - 1).SelectMany(t =>
            from body in bodies[t]
            from type in contentType
            from match in ifMatch
            from id in targets[t].Path.Contains("{customerId}", StringComparison.Ordinal) ? customerId : Gen.Constant<string?>(null)
            from user in targets[t].UserIds is { } users ? Gen.Elements(users).Select(u => (string?)u) : Gen.Constant<string?>(null)
            select new FuzzCase(t, targets[t].Key, body.Shape, body.Bytes, type, match, id, user));
    }

    [GeneratedRegex("\"@@RAW:([A-Za-z0-9+/=]*)@@\"")]
    private static partial Regex RawMarker();

    [GeneratedRegex("\"@@DUP:([A-Za-z0-9+/=]*)@@\"")]
    private static partial Regex DupMarker();

    // ---------------------------------------------------------------- the world

    private sealed record World(string C, string D, string DToken, IReadOnlyDictionary<string, string?> Tokens, IReadOnlyList<Target> Targets);

    private sealed record Counts(int Customers, int Services, int CUsers, int CHistory, bool CPermanent, int DHistory, IReadOnlySet<string> CustomerIds);

    private async Task<World> BuildWorldAsync()
    {
        var partner = await host.PartnerAsync(PartnerId);

        // C: Active, with an Administrator, a Reader and a Contributor. D: an invitation pending.
        var c = await SignUpAsync(partner, "Fuzz C GmbH", "DE", CAdmin);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{c}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var cToken = (await Mailbox.ActivationTokensAsync(host.MailDirectory, c, 1)).Single();
        var admin = await host.ClientAsAsync(CAdmin);
        await HttpAssert.JsonAsync(await admin.PostAsJsonAsync("/api/activate", new { token = cToken, acceptAgreement = true, acceptPrivacyStatement = true }), HttpStatusCode.OK);
        await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/portal/customers/{c}/users", new { microsoftAccountId = CReader, displayName = "Reader", role = "Reader" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/portal/customers/{c}/users", new { microsoftAccountId = CVictim, displayName = "Victim", role = "Contributor" }), HttpStatusCode.Created);

        var d = await SignUpAsync(partner, "Fuzz D SARL", "FR", DInvitee);
        await HttpAssert.JsonAsync(await partner.PostAsync($"/api/customers/{d}/services/rapidstart/activation", null), HttpStatusCode.Accepted);
        var dToken = (await Mailbox.ActivationTokensAsync(host.MailDirectory, d, 1)).Single();

        var tokens = new Dictionary<string, string?>
        {
            ["anonymous"] = null,
            ["partner"] = await host.TokenAsync("agent@p-1001.example", ["partner"], PartnerId),
            ["admin"] = await host.TokenAsync(CAdmin),
            ["invitee"] = await host.TokenAsync(DInvitee),
            ["support"] = await host.TokenAsync("help@rapidstart.example", ["support"]),
        };

        static string J(object value) => JsonSerializer.Serialize(value);
        var administrator = new { name = "Fuzz Invitee", microsoftAccountId = DInvitee, contactEmail = DInvitee };
        var known = new Dictionary<string, Target>
        {
            ["POST /api/customers"] = new("POST /api/customers", "partner", "/api/customers",
            [
                J(new
                {
                    kind = "prospect",
                    organization = new { name = "Fuzzed Co", address = new { street = "1 Main", city = "Berlin", stateOrProvince = "BE", postalCode = "10115", countryRegion = "DE" } },
                    administrator = new { name = "Fuzz Admin", microsoftAccountId = "fuzzed@fuzzed.example", contactEmail = "it@fuzzed.example" },
                }),
                J(new { kind = "existing", voiceAccountNumber = "V-100202", fillFromVoice = true, administrator = new { name = "M", microsoftAccountId = "m@mueller.example", contactEmail = "m@mueller.example" } }),
                J(new
                {
                    kind = "existing", voiceAccountNumber = "V-100203", fillFromVoice = false,
                    organization = new { name = "Fabrikam", address = new { countryRegion = "CA" } },
                    administrator = new { name = "F", microsoftAccountId = "f@fabrikam.example", contactEmail = "f@fabrikam.example" },
                }),
            ]),
            ["PUT /api/customers/{customerId}/voice-account"] = new("PUT /api/customers/{customerId}/voice-account", "partner", "/api/customers/{customerId}/voice-account",
                [J(new { voiceAccountNumber = "V-100201" })]),
            ["POST /api/customers/{customerId}/services"] = new("POST /api/customers/{customerId}/services", "partner", "/api/customers/{customerId}/services",
                [J(new { serviceId = "rapidstart", countryRegion = "DE" })]),
            ["PATCH /api/customers/{customerId}/services/{serviceId}"] = new("PATCH /api/customers/{customerId}/services/{serviceId}", "partner", "/api/customers/{customerId}/services/{serviceId}",
                [J(new { countryRegion = "FR" })]),
            ["POST /api/customers/{customerId}/services/{serviceId}/activation"] = new("POST /api/customers/{customerId}/services/{serviceId}/activation", "partner",
                "/api/customers/{customerId}/services/{serviceId}/activation", [J(new { }), J(new { administrator })]),
            ["DELETE /api/customers/{customerId}/services/{serviceId}/activation"] = new("DELETE /api/customers/{customerId}/services/{serviceId}/activation", "partner",
                "/api/customers/{customerId}/services/{serviceId}/activation", [J(new { })]),
            ["POST /api/activate"] = new("POST /api/activate", "invitee", "/api/activate",
                [J(new { token = dToken, acceptAgreement = true, acceptPrivacyStatement = true })]),
            ["POST /api/portal/customers/{customerId}/users"] = new("POST /api/portal/customers/{customerId}/users", "admin", "/api/portal/customers/{customerId}/users",
                [J(new { microsoftAccountId = "fuzz-new@c-fuzz.example", displayName = "New", role = "Reader" })]),
            ["PUT /api/portal/customers/{customerId}/users/{microsoftAccountId}"] = new("PUT /api/portal/customers/{customerId}/users/{microsoftAccountId}", "admin",
                "/api/portal/customers/{customerId}/users/{microsoftAccountId}", [J(new { role = "Contributor" })], [CReader, CVictim, "fuzz-new@c-fuzz.example", "' or 1 eq 1"]),
            ["DELETE /api/portal/customers/{customerId}/users/{microsoftAccountId}"] = new("DELETE /api/portal/customers/{customerId}/users/{microsoftAccountId}", "admin",
                "/api/portal/customers/{customerId}/users/{microsoftAccountId}", [J(new { })], [CVictim, "fuzz-new@c-fuzz.example", "dana@contoso.com", "x' or RowKey ne 'x"]),
            ["POST /api/support/customers/{customerId}/services/{serviceId}/reactivate"] = new("POST /api/support/customers/{customerId}/services/{serviceId}/reactivate", "support",
                "/api/support/customers/{customerId}/services/{serviceId}/reactivate", [J(new { voiceAccountNumber = "V-100205" })]),
            // Only partners of the fuzz's own: registering or removing P-1001 would change who the partner token acts for.
            ["PUT /api/support/partners/{partnerId}"] = new("PUT /api/support/partners/{partnerId}", "support", "/api/support/partners/{partnerId}",
                [J(new { name = "Fuzz Partner", tenantIds = new[] { "f0220000-0000-4000-8000-00000000f022" } })], ["P-FUZZ", "P-FUZZ-2", "' or 1 eq 1", "x|y"]),
            ["DELETE /api/support/partners/{partnerId}"] = new("DELETE /api/support/partners/{partnerId}", "support", "/api/support/partners/{partnerId}",
                [J(new { })], ["P-FUZZ", "P-NONE", "x' or RowKey ne 'x"]),
            ["POST /api/dev/token"] = new("POST /api/dev/token", "anonymous", "/api/dev/token",
                [J(new { sub = "fuzz@dev.example", roles = new[] { "partner" }, partnerId = "P-7007" }), J(new { sub = "s@dev.example", roles = new[] { "support" } })]),
        };

        var writeRoutes = RouteTable.All
            .Where(f => !f.Route.StartsWith("{*", StringComparison.Ordinal))
            .SelectMany(f => f.Methods.Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE").Select(m => $"{m} /api/{f.Route}"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var unknown = writeRoutes.Where(r => !known.ContainsKey(r)).ToList();
        Assert.True(unknown.Count == 0, $"Write routes without a fuzz target: {string.Join(", ", unknown)}");
        return new World(c, d, dToken, tokens, writeRoutes.Select(r => known[r]).ToList());
    }

    private static async Task<string> SignUpAsync(HttpClient partner, string name, string country, string admin)
    {
        var created = await HttpAssert.JsonAsync(await partner.PostAsJsonAsync("/api/customers", new
        {
            kind = "prospect",
            organization = new { name, address = new { countryRegion = country } },
            administrator = new { name = "Admin", microsoftAccountId = admin, contactEmail = admin },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("customerId").GetString()!;
        await HttpAssert.JsonAsync(await partner.PostAsJsonAsync($"/api/customers/{id}/services", new { serviceId = "rapidstart", countryRegion = country }), HttpStatusCode.Created);
        return id;
    }

    private async Task<Counts> CountAsync(World world)
    {
        var partner = await host.PartnerAsync(PartnerId);
        var admin = await host.ClientAsAsync(CAdmin);
        var ids = new HashSet<string>();
        async Task<int> PagesAsync(string route)
        {
            var total = 0;
            string? next = null;
            var pages = 0;
            do
            {
                var page = await HttpAssert.JsonAsync(
                    await partner.GetAsync(route + (next is null ? "" : $"&continuationToken={Uri.EscapeDataString(next)}")), HttpStatusCode.OK);
                total += page.GetProperty("items").GetArrayLength();
                if (route.StartsWith("/api/customers", StringComparison.Ordinal))
                {
                    ids.UnionWith(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customerId").GetString()!));
                }

                next = page.TryGetProperty("continuationToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
            }
            while (next is not null && ++pages < 1000);
            return total;
        }

        async Task<int> HistoryAsync(string id) =>
            (await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{id}/services/rapidstart/history"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength();

        var c = await HttpAssert.JsonAsync(await partner.GetAsync($"/api/customers/{world.C}/services/rapidstart"), HttpStatusCode.OK);
        var users = await HttpAssert.JsonAsync(await admin.GetAsync($"/api/portal/customers/{world.C}/users"), HttpStatusCode.OK);
        return new Counts(
            await PagesAsync("/api/customers?pageSize=50"),
            await PagesAsync("/api/services?pageSize=50"),
            users.GetProperty("items").GetArrayLength(),
            await HistoryAsync(world.C),
            c.GetProperty("trialEndsAt").ValueKind == JsonValueKind.Null,
            await HistoryAsync(world.D),
            ids);
    }

    // ---------------------------------------------------------------- reporting

    private void Report(ConcurrentDictionary<string, int> perRoute, ConcurrentDictionary<(string Key, int Status), int> histogram, ConcurrentDictionary<string, int> shapes, TimeSpan elapsed, string replay)
    {
        var lines = new List<string> { $"Fuzz: {perRoute.Values.Sum()} cases in {elapsed.TotalSeconds:F1} s ({replay})" };
        var statuses = histogram.Keys.Select(k => k.Status).Distinct().Order().ToArray();
        lines.Add($"{"route",-75} {"cases",6} " + string.Join(" ", statuses.Select(s => $"{s,5}")));
        foreach (var (route, count) in perRoute.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            lines.Add($"{route,-75} {count,6} " + string.Join(" ", statuses.Select(s => $"{(histogram.TryGetValue((route, s), out var n) ? n : 0),5}")));
        }

        lines.Add($"{"all",-75} {perRoute.Values.Sum(),6} " + string.Join(" ", statuses.Select(s => $"{histogram.Where(h => h.Key.Status == s).Sum(h => h.Value),5}")));
        if (statuses.Contains(0))
        {
            lines.Add("status 0: an oversized body whose connection the server closed after answering early (413)");
        }

        lines.Add("shapes: " + string.Join(", ", shapes.OrderByDescending(s => s.Value).Select(s => $"{s.Key}={s.Value}")));
        foreach (var line in lines)
        {
            output.WriteLine(line);
            Console.WriteLine(line);
        }
    }

    /// <summary>Violations grouped by route, status and first line of the answer, each with a count and up to three cases.</summary>
    private string Summarize(IEnumerable<string> violations)
    {
        var groups = violations
            .GroupBy(v => v.Split('\n')[0] is { Length: > 160 } line ? line[..160] : v.Split('\n')[0])
            .OrderByDescending(g => g.Count())
            .Select(g => $"{g.Count()} x {g.Key}\n" + string.Join("\n", g.Take(3).Select(v => "    " + v.Split("\n    case: ").Last())));
        var text = string.Join("\n", groups);
        output.WriteLine(text);
        return text;
    }

    private static (ulong Seed, ulong Gamma) ReplaySeed()
    {
        if (Environment.GetEnvironmentVariable("RAPIDSTART_FUZZ_REPLAY") is { Length: > 0 } text)
        {
            var parts = text.Trim('(', ')', ' ').Split(',', StringSplitOptions.TrimEntries);
            return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        // FsCheck needs an odd gamma.
        return ((ulong)Random.Shared.NextInt64(), (ulong)Random.Shared.NextInt64() | 1UL);
    }

    private static string Trim(string body) => body.Length <= 400 ? body : body[..400] + "…";
}
