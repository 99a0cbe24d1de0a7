using Engine.Domain.MarketData;
using Engine.MarketData;

namespace Engine.Actors.Tests.Support;

/// <summary>Scripted one-minute bars for a symbol, from a list of closes.</summary>
public static class Bars
{
    public static readonly DateTime Open = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    public static IReadOnlyList<SequencedEvent> FromCloses(string symbol, IReadOnlyList<decimal> closes, long firstSeq = 1)
    {
        var list = new List<SequencedEvent>();
        for (var i = 0; i < closes.Count; i++)
        {
            var c = closes[i];
            var o = i == 0 ? c : closes[i - 1];
            var bar = new TradeBar(symbol, Open.AddMinutes(i + 1), TimeSpan.FromMinutes(1),
                o, Math.Max(o, c), Math.Min(o, c), c, 1000m);
            list.Add(new SequencedEvent(firstSeq + i, bar));
        }
        return list;
    }
}
