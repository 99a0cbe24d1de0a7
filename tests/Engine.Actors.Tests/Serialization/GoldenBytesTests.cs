using Engine.Actors.Serialization;
using Engine.Domain.Risk;
using Engine.Domain.Symbols;
using static Engine.Actors.Tests.Serialization.SerializationFixtures;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Golden bytes: the exact persisted encoding of one fixed instance of each journaled or snapshotted
/// type (fixtures in <see cref="SerializationFixtures"/>), as written by the release that shipped them.
/// <para>
/// A FAILING GOLDEN TEST MEANS THE JOURNAL FORMAT CHANGED and yesterday's journal (and snapshots)
/// may no longer be readable. Do not update the hex to make it pass. Evolve the format compatibly
/// instead: add a field with a new number in engine_events.proto (old bytes still decode, with the
/// field at its default), never renumber, retype or reuse a field, enum value or manifest. If a
/// break is truly intended, it needs a new manifest plus a migration, and these literals stay as the
/// proof that the old manifest still reads.
/// </para>
/// </summary>
public sealed class GoldenBytesTests : Akka.TestKit.Xunit2.TestKit
{
    public GoldenBytesTests()
        : base(EngineSerializer.HoconBindings + "\nakka.loglevel = WARNING")
    {
    }

    // Keyed "MANIFEST" or "MANIFEST/variant": a variant pins fields added after the first release.
    private static readonly Dictionary<string, object> Fixtures = new()
    {
        ["OA"] = Accepted,
        ["OA/flatten"] = AcceptedFlatten,
        ["OR"] = Rejected,
        ["OR/duplicate"] = RejectedDuplicate,
        ["OF"] = Filled,
        ["OC"] = Cancelled,
        ["SS"] = Stopped,
        ["SNAP"] = Snapshot,
        ["KE"] = Engaged,
        ["KE/flatten"] = EngagedFlatten,
        ["KR"] = Released,
        ["KR/reason"] = ReleasedWithReason,
        ["KD"] = Reduced,
        ["OD"] = Deferred,
        ["SNAP/deferrals"] = SnapshotWithDeferrals,
        ["KE/point"] = EngagedAtPoint,
        ["KR/point"] = ReleasedAtPoint,
        ["KD/point"] = ReducedAtPoint,
        ["ACP"] = Checkpoint,
    };

    private static string ManifestOf(string key) => key.Split('/')[0];

    public static TheoryData<string, string> Golden => new()
    {
        { "OA", "0A3C0A055350592D371209736D612D63726F73731A0353505920022A09089C85E30B2080802030023A0808B2A00620808010408798AADDF98A8FEE08482A" },
        { "OR", "0A086D6F6D656E74756D10011A0308F40320022A08089E9C01208080103007388798AADDF98A8FEE08402C" },
        { "OF", "0A480A055350592D371209736D612D63726F73731A0353505920022A09089C85E30B2080802032090888A7F104208080203A0B088C9AEF3A20FFFFBFFF0F408798AADDF98A8FEE08482D" },
        { "OC", "0A055350592D38120B6B696C6C5F737769746368188798AADDF98A8FEE08202E" },
        { "SS", "0A086D6F6D656E74756D12166372617368656420332074696D657320696E20363073188798AADDF98A8FEE08202F" },
        {
            "SNAP",
            "0A03535059102F1808223C0A055350592D371209736D612D63726F73731A0353505920022A09089C85E30B2080802030023A0808B2A0062080801040"
            + "8798AADDF98A8FEE08482A222E0A055350592D3812086D6F6D656E74756D1A0353505920012A0608022080801830014087C58CE2F98A8FEE08482B2A"
            + "140A086D6F6D656E74756D12080A0012001A0022002A4E0A09736D612D63726F7373122F0A0B089C85E30B20FFFFDFFF0F120C088EDAFE9306100220"
            + "8080381A09088284AF5F20808010220708EE05208080101805200428013204080110013204080810023A086D6F6D656E74756D42200A086D6F6D656E"
            + "74756D12140887C58CE2F98A8FEE081801220608022080801842560A09736D612D63726F7373121108878C9DBFF78A8FEE081801220308C801121308"
            + "87D2A3CEF88A8FEE0810011801220308C8011221088798AADDF98A8FEE0818022209089C85E30B208080202A0808B2A00620808010"
        },
        { "KE", "0A06656E67696E6512196461696C79206C6F7373202D322E35252062726561636865641A086F7073406465736B208798AADDF98A8FEE08" },
        { "KR", "0A06656E67696E6512086F7073406465736B1887E8BBEBFF8B8FEE08" },
        { "OA/flatten", "0A3E0A055350592D391209736D612D63726F73731A0353505920012A09089C85E30B2080802030023A080898A10620808010408798AADDF98A8FEE0848305001" },
        { "OR/duplicate", "0A086D6F6D656E74756D10021A0308F40320013011388798AADDF98A8FEE084031" },
        { "KE/flatten", "0A0C6163636F756E743A6D61696E122664726177646F776E203735303030207265616368656420746865206C696D69742037353030301A0F7269736B2D73757065727669736F72208798AADDF98A8FEE082801" },
        { "KR/reason", "0A0A73796D626F6C3A53505912086F7073406465736B1887B8CDF9858D8FEE08220D6665656420726573746F726564" },
        { "KD", "0A1173747261746567793A6D6F6D656E74756D12226461696C79206C6F73732070617373656420383025206F6620746865206C696D69741A0F7269736B2D73757065727669736F72208798AADDF98A8FEE08" },
        { "OD", "0A086D6F6D656E74756D1208080220FFFFFFFF0F1802220308F40328023208089E9C01208080103812408798AADDF98A8FEE084832" },
        {
            "SNAP/deferrals",
            "0A03535059102F1808223C0A055350592D371209736D612D63726F73731A0353505920022A09089C85E30B2080802030023A0808B2A0062080801040"
            + "8798AADDF98A8FEE08482A222E0A055350592D3812086D6F6D656E74756D1A0353505920012A0608022080801830014087C58CE2F98A8FEE08482B2A"
            + "140A086D6F6D656E74756D12080A0012001A0022002A500A09736D612D63726F7373122F0A0B089C85E30B20FFFFDFFF0F120C088EDAFE9306100220"
            + "8080381A09088284AF5F20808010220708EE052080801018052004280132040801100132040808100238033A086D6F6D656E74756D42200A086D6F6D"
            + "656E74756D12140887C58CE2F98A8FEE081801220608022080801842560A09736D612D63726F7373121108878C9DBFF78A8FEE081801220308C80112"
            + "130887D2A3CEF88A8FEE0810011801220308C8011221088798AADDF98A8FEE0818022209089C85E30B208080202A0808B2A00620808010"
        },
        {
            "KE/point",
            "0A0C6163636F756E743A6D61696E122264726177646F776E20333030207265616368656420746865206C696D6974203330301A0F7269736B2D737570"
            + "65727669736F72208798AADDF98A8FEE08280130E7243A316163636F756E743A6D61696E2068616C7420617420323032342D30332D30345431343A33"
            + "313A30302E303030303030305A"
        },
        {
            "KR/point",
            "0A0C6163636F756E743A6D61696E120F7269736B2D73757065727669736F72188798D1B08CA48FEE08220F6E65772074726164696E672064617928A8"
            + "4632346163636F756E743A6D61696E2072656C6561736520617420323032342D30332D30355431343A33313A30302E303030303030305A"
        },
        {
            "KD/point",
            "0A0C6163636F756E743A6D61696E122864726177646F776E203234302070617373656420383025206F6620746865206C696D6974203330301A0F7269"
            + "736B2D73757065727669736F72208798AADDF98A8FEE0828DC2432336163636F756E743A6D61696E2072656475636520617420323032342D30332D30"
            + "345431343A33303A30302E303030303030305A"
        },
        {
            "ACP",
            "0880908EF1E0918FEE08121E0A044141504C108798AADDF98A8FEE081A0022002A060A0012001A00320012510A03535059108798AADDF98A8FEE081A"
            + "09088284AF5F20808010220908EE0520FFFFEFFF0F2A100A0408B2A006120408B2A0061A002002320C08A2C2C2E80320FFFFDFFF0F3887B7BEC5F98A"
            + "8FEE08400118848D2D220908FA0120FFFFF7FF0F2A0808E2EA0120808010308798AADDF98A8FEE0838818D2D4A044E564441520E0A044141504C1206"
            + "0A0012001A00521B0A0353505912140A0408B2A006120408B2A0061A00200228073009"
        },
    };

    /// <summary>Bytes an earlier release wrote in a format that has since grown; each must still read.</summary>
    public static TheoryData<string, string> Legacy => new()
    {
        {
            "SNAP/v1",
            "0A03535059102F1808223C0A055350592D371209736D612D63726F73731A0353505920022A09089C85E30B2080802030023A0808B2A006208080104087"
            + "98AADDF98A8FEE08482A222E0A055350592D3812086D6F6D656E74756D1A0353505920012A0608022080801830014087C58CE2F98A8FEE08482B2A140A"
            + "086D6F6D656E74756D12080A0012001A0022002A4E0A09736D612D63726F7373122F0A0B089C85E30B20FFFFDFFF0F120C088EDAFE93061002208080"
            + "381A09088284AF5F20808010220708EE052080801018052004280132040801100132040808100232150A086D6F6D656E74756D120987C58CE2F98A8FEE"
            + "08321F0A09736D612D63726F73731212878C9DBFF78A8FEE088798AADDF98A8FEE083A086D6F6D656E74756D"
        },
    };

    private static readonly Dictionary<string, object> LegacyFixtures = new()
    {
        ["SNAP/v1"] = SnapshotV1,
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Writes_the_pinned_bytes(string manifest, string hex)
    {
        var value = Fixtures[manifest];
        var serializer = Assert.IsType<EngineSerializer>(Sys.Serialization.FindSerializerFor(value));
        Assert.Equal(ManifestOf(manifest), serializer.Manifest(value));
        Assert.Equal(hex, Convert.ToHexString(serializer.ToBinary(value)));
    }

    [Theory]
    [MemberData(nameof(Golden))]
    public void Reads_yesterdays_journal(string manifest, string hex) => AssertReads(manifest, hex, Fixtures[manifest]);

    [Theory]
    [MemberData(nameof(Legacy))]
    public void Reads_the_formats_of_earlier_releases(string key, string hex) => AssertReads(key, hex, LegacyFixtures[key]);

    private void AssertReads(string key, string hex, object expected)
    {
        var back = Sys.Serialization.Deserialize(Convert.FromHexString(hex), EngineSerializer.Id, ManifestOf(key));
        if (expected is SymbolSnapshot snapshot)
            EngineSerializerTests.AssertSnapshot(snapshot, Assert.IsType<SymbolSnapshot>(back));
        else if (expected is AccountCheckpoint checkpoint)
            EngineSerializerTests.AssertCheckpoint(checkpoint, Assert.IsType<AccountCheckpoint>(back));
        else
            Assert.Equal(expected, back);
    }

    [Fact]
    public void Every_manifest_has_a_golden_literal()
    {
        Assert.Equal(Fixtures.Keys.Order(), Golden.Select(row => (string)row[0]).Order());
        var manifests = typeof(EngineSerializer).GetFields()
            .Where(f => f.IsLiteral && f.Name.EndsWith("Manifest", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(manifests.Order(), Fixtures.Keys.Select(ManifestOf).Distinct().Order());
    }

}
