using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

/// <summary>The trading states as a history of changes with feed points, read at a position.</summary>
public sealed class TradingStateBookTests
{
    private static readonly DateTime Since = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    private static ScopeChange Halt(long epoch, string scope, long point, bool flatten = false) =>
        new(epoch, scope, TradingState.Halted, flatten, $"halt {epoch}", "desk", Since, point);

    private static ScopeChange Reduce(long epoch, string scope, long point) =>
        new(epoch, scope, TradingState.Reducing, false, $"reduce {epoch}", "risk", Since, point);

    private static ScopeChange Release(long epoch, string scope, long point) =>
        new(epoch, scope, TradingState.Active, false, $"release {epoch}", "desk", Since, point);

    [Fact]
    public void Epochs_known_and_applied_advance_separately()
    {
        var book = new TradingStateBook();
        Assert.Equal((0L, 0L, false), (book.KnownEpoch, book.AppliedEpoch, book.HasPending));

        Assert.True(book.Add(Halt(1, "engine", 10)));
        Assert.True(book.Add(Reduce(2, "account:A", 20)));
        Assert.Equal((2L, 0L, true), (book.KnownEpoch, book.AppliedEpoch, book.HasPending));
        Assert.Empty(book.Current);

        Assert.True(book.ApplyBefore(11));
        Assert.Equal((2L, 1L, true), (book.KnownEpoch, book.AppliedEpoch, book.HasPending));
        Assert.True(book.ApplyAll());
        Assert.Equal((2L, 2L, false), (book.KnownEpoch, book.AppliedEpoch, book.HasPending));
        Assert.Equal([1L, 2L], book.History.Select(c => c.Epoch));
        // Epochs may skip (the kill switch's numbering is global); what counts is that they increase.
        Assert.True(book.Add(Release(7, "engine", 20)));
        Assert.Equal(7, book.KnownEpoch);
    }

    [Fact]
    public void A_known_epoch_again_is_a_redelivery_and_is_ignored()
    {
        var book = new TradingStateBook();
        book.Add(Halt(1, "engine", 10));
        book.Add(Halt(2, "account:A", 12));
        // The same epoch, an older one, even with an earlier point or another content: ignored, never thrown.
        Assert.False(book.Add(Halt(2, "account:A", 12)));
        Assert.False(book.Add(Release(1, "engine", 3)));
        Assert.False(book.Add(Reduce(2, "symbol:X", 99)));
        Assert.Equal(2, book.History.Count);
        Assert.Equal("account:A", book.History[^1].Scope);
        Assert.Equal(2, book.KnownEpoch);
    }

    [Fact]
    public void Points_never_go_back()
    {
        var book = new TradingStateBook();
        book.Add(Halt(1, "engine", 10));
        Assert.True(book.Add(Release(2, "engine", 10))); // the same point is fine
        var error = Assert.Throws<ArgumentException>(() => book.Add(Halt(3, "account:A", 9)));
        Assert.Contains("change 3 at point 9", error.Message);
        // Nothing was added.
        Assert.Equal(2, book.KnownEpoch);
        Assert.True(book.Add(Halt(3, "account:A", 11)));
    }

    [Fact]
    public void ApplyBefore_applies_what_governs_the_given_event_in_order_and_only_once()
    {
        var book = new TradingStateBook();
        book.Add(Halt(1, "account:A", 5));
        book.Add(Reduce(2, "account:B", 7));
        book.Add(Release(3, "account:A", 7));
        book.Add(Halt(4, "engine", 9));

        // A change at point p governs events above p: not event 5 itself.
        Assert.False(book.ApplyBefore(5));
        Assert.Equal(0, book.AppliedEpoch);
        Assert.True(book.ApplyBefore(6));
        Assert.Equal(["account:A"], book.Current.Keys);
        Assert.False(book.ApplyBefore(6));
        Assert.False(book.ApplyBefore(7));
        // Both changes at 7 together, in epoch order: B reduced, A released.
        Assert.True(book.ApplyBefore(8));
        Assert.Equal(3, book.AppliedEpoch);
        Assert.Equal(["account:B"], book.Current.Keys);
        // Asking about an earlier event never undoes anything.
        Assert.False(book.ApplyBefore(1));
        Assert.Equal(3, book.AppliedEpoch);
        Assert.True(book.ApplyBefore(long.MaxValue));
        Assert.Equal(["account:B", "engine"], book.Current.Keys);
    }

    [Fact]
    public void A_release_removes_the_scope_and_leaves_the_others()
    {
        var book = new TradingStateBook();
        book.Add(Halt(1, "account:A", 1, flatten: true));
        book.Add(Halt(2, "strategy:ma", 1));
        book.Add(Release(3, "account:A", 2));
        book.Add(Release(4, "symbol:NEVER-SET", 2));
        book.ApplyBefore(2);
        Assert.Equal(["account:A", "strategy:ma"], book.Current.Keys);
        Assert.True(book.Current["account:A"].Flatten);

        book.ApplyAll();
        Assert.Equal(["strategy:ma"], book.Current.Keys);
        Assert.Equal(2, book.Current["strategy:ma"].Epoch);
        Assert.Null(book.Governing("A", "other", "X"));
        Assert.Equal(2, book.Governing("A", "ma", "X")!.Epoch);
    }

    [Fact]
    public void A_later_change_of_a_scope_replaces_the_earlier_one()
    {
        var book = new TradingStateBook();
        book.Add(Reduce(1, "account:A", 1));
        book.Add(Halt(2, "account:A", 1));
        book.Add(Halt(3, "account:A", 1, flatten: true));
        book.ApplyAll();
        var current = Assert.Single(book.Current).Value;
        Assert.Equal((3L, TradingState.Halted, true), (current.Epoch, current.State, current.Flatten));
    }

    [Fact]
    public void Governing_picks_the_most_severe_applied_scope_covering_the_strategy_and_flatten_over_a_plain_halt()
    {
        var book = new TradingStateBook();
        book.Add(Reduce(1, "engine", 1));
        book.Add(Halt(2, "account:A", 1));
        book.Add(Halt(3, "strategy:ma", 1, flatten: true));
        book.Add(Halt(4, "symbol:OTHER", 1, flatten: true));
        book.Add(Halt(5, "account:B", 100, flatten: true)); // not applied yet
        book.ApplyBefore(2);

        // Halted beats Reducing; among halts a flatten beats a plain halt, whatever the scope's order.
        Assert.Equal(3, book.Governing("A", "ma", "SYM")!.Epoch);
        Assert.Equal(2, book.Governing("A", "mr", "SYM")!.Epoch);
        // Only the engine covers account B's strategies here (its own halt is still pending).
        Assert.Equal(1, book.Governing("B", "mr", "SYM")!.Epoch);
        Assert.Equal(4, book.Governing("B", "mr", "OTHER")!.Epoch);
        Assert.Equal(3, book.Governing("B", "ma", "OTHER")!.Epoch);

        book.ApplyAll();
        Assert.Equal(5, book.Governing("B", "mr", "SYM")!.Epoch);
    }

    [Fact]
    public void Governing_is_null_when_every_covering_scope_is_active()
    {
        var book = new TradingStateBook();
        Assert.Null(book.Governing("A", "ma", "SYM"));
        book.Add(Halt(1, "symbol:OTHER", 1));
        book.Add(Halt(2, "account:B", 1));
        book.Add(Halt(3, "strategy:mr", 1));
        book.ApplyAll();
        Assert.Null(book.Governing("A", "ma", "SYM"));
    }

    [Fact]
    public void The_static_Governing_reads_any_set_of_scopes()
    {
        ScopeChange[] scopes = [Reduce(1, "symbol:SYM", 1), Halt(2, "strategy:x", 1), Reduce(3, "account:A", 1)];
        Assert.Equal(1, TradingStateBook.Governing(scopes, "A", "ma", "SYM")!.Epoch);
        Assert.Equal(2, TradingStateBook.Governing(scopes, "A", "x", "SYM")!.Epoch);
        Assert.Equal(3, TradingStateBook.Governing(scopes, "A", "ma", "Z")!.Epoch);
        Assert.Null(TradingStateBook.Governing([], "A", "ma", "SYM"));
        Assert.Equal(2, TradingStateBook.Governing(scopes.Reverse(), "A", "x", "SYM")!.Epoch);
    }
}
