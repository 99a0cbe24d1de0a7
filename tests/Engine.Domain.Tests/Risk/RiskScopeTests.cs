using Engine.Domain.Risk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>Scopes as written in commands, the journal and metric labels: "engine", "account:ID", "strategy:ID", "symbol:SYM".</summary>
public sealed class RiskScopeTests
{
    [Theory]
    [InlineData("engine")]
    [InlineData("account:main")]
    [InlineData("strategy:ma-cross")]
    [InlineData("strategy:mean_rev.v2")]
    [InlineData("strategy:ma-cross.fast=5.slow=30")]
    [InlineData("symbol:BRK.A")]
    [InlineData("symbol:X")]
    public void Parse_and_ToString_round_trip(string text)
    {
        var scope = RiskScope.Parse(text);
        Assert.Equal(text, scope.ToString());
        Assert.True(RiskScope.TryParse(text, out var again));
        Assert.Equal(scope, again);
    }

    [Fact]
    public void Parse_gives_the_kind_and_id_and_the_named_constructors()
    {
        Assert.Equal(RiskScope.Engine, RiskScope.Parse("engine"));
        Assert.Equal(RiskScope.Account("main"), RiskScope.Parse("account:main"));
        Assert.Equal(RiskScope.Strategy("ma"), RiskScope.Parse("strategy:ma"));
        Assert.Equal(RiskScope.Symbol("AAPL"), RiskScope.Parse("symbol:AAPL"));
        Assert.Equal(new RiskScope(ScopeKind.Symbol, "AAPL"), RiskScope.Parse("symbol:AAPL"));
        // Surrounding blanks are forgiven.
        Assert.Equal(RiskScope.Account("main"), RiskScope.Parse("  account:main\t"));
        Assert.Equal(RiskScope.Engine, RiskScope.Parse(" engine "));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("global")]
    [InlineData("Engine")]
    [InlineData("engine:x")]
    [InlineData("account:")]
    [InlineData(":main")]
    [InlineData("account")]
    [InlineData("symbol")]
    [InlineData("desk:x")]
    [InlineData("Account:main")]
    [InlineData("symbol:A B")]
    [InlineData("account:a:b")]
    [InlineData("strategy:ma/cross")]
    [InlineData("symbol:ÄPL")]
    [InlineData("account :main")]
    public void Bad_inputs_are_rejected(string? text)
    {
        Assert.False(RiskScope.TryParse(text, out var scope));
        Assert.Equal(RiskScope.Engine, scope);
        if (text is not null)
        {
            var error = Assert.Throws<FormatException>(() => RiskScope.Parse(text));
            Assert.Contains($"'{text}'", error.Message);
        }
    }

    [Fact]
    public void Covers_matches_the_account_strategy_or_symbol_it_names()
    {
        Assert.True(RiskScope.Engine.Covers("main", "ma", "AAPL"));
        Assert.True(RiskScope.Account("main").Covers("main", "x", "Y"));
        Assert.False(RiskScope.Account("main").Covers("desk-b", "x", "Y"));
        Assert.True(RiskScope.Strategy("x").Covers("main", "x", "Y"));
        Assert.True(RiskScope.Strategy("x").Covers("desk-b", "x", "Z"));
        Assert.False(RiskScope.Strategy("x").Covers("main", "y", "Y"));
        Assert.True(RiskScope.Symbol("Y").Covers("main", "x", "Y"));
        Assert.False(RiskScope.Symbol("Y").Covers("main", "x", "Z"));
        // Ids are compared exactly: a strategy named like a symbol covers no symbol.
        Assert.False(RiskScope.Strategy("Y").Covers("main", "x", "Y"));
        Assert.False(RiskScope.Account("Main").Covers("main", "x", "Y"));
    }

    [Fact]
    public void Only_a_symbol_scope_is_limited_to_one_symbol()
    {
        Assert.True(RiskScope.Engine.TouchesSymbol("Z"));
        Assert.True(RiskScope.Account("main").TouchesSymbol("Z"));
        Assert.True(RiskScope.Strategy("x").TouchesSymbol("Z"));
        Assert.True(RiskScope.Symbol("Z").TouchesSymbol("Z"));
        Assert.False(RiskScope.Symbol("Y").TouchesSymbol("Z"));
    }

    public static class Scopes
    {
        private const string IdChars = "abcXYZ019-_.";

        public static Arbitrary<RiskScope> All() =>
            (from kind in Gen.Elements(ScopeKind.Engine, ScopeKind.Account, ScopeKind.Strategy, ScopeKind.Symbol)
             from chars in Gen.Elements(IdChars.ToCharArray()).NonEmptyListOf()
             select kind == ScopeKind.Engine ? RiskScope.Engine : new RiskScope(kind, new string(chars.ToArray()))).ToArbitrary();
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(Scopes)])]
    public void Every_scope_with_a_valid_id_survives_a_round_trip_through_its_text(RiskScope scope)
    {
        Assert.True(RiskScope.TryParse(scope.ToString(), out var parsed));
        Assert.Equal(scope, parsed);
        Assert.Equal(scope.ToString(), parsed.ToString());
    }
}
