using Engine.Domain.MarketData;

namespace Engine.MarketData;

/// <summary>Settings of the seeded synthetic feed (the engine's embedded default data).</summary>
/// <param name="Symbols">Symbols to generate, one independent random path each.</param>
/// <param name="Seed">Same seed and settings give byte-identical events in every process.</param>
/// <param name="StartDate">First session date; a weekend date starts on the next Monday.</param>
/// <param name="TradingDays">Weekday sessions to generate (exchange holidays are not modelled).</param>
/// <param name="EventInterval">Time between steps per symbol; each step is one quote and one trade.</param>
/// <param name="AnnualVolatility">Of the random walk's noise, e.g. 0.4 for 40%.</param>
/// <param name="SpreadBps">Quoted spread around the mid, in basis points (at least one cent when positive).</param>
/// <param name="StartPrice">Mid at the first step.</param>
public sealed record SyntheticFeedSettings(
    IReadOnlyList<string> Symbols, int Seed, DateOnly StartDate, int TradingDays, TimeSpan EventInterval,
    double AnnualVolatility, decimal SpreadBps, decimal StartPrice)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (Symbols is null || Symbols.Count == 0)
            throw new ArgumentException("symbols must list at least one symbol", nameof(Symbols));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var symbol in Symbols)
        {
            if (string.IsNullOrWhiteSpace(symbol) || symbol.Any(char.IsWhiteSpace))
                throw new ArgumentException($"symbols must be non-empty without spaces, got '{symbol}'", nameof(Symbols));
            if (!seen.Add(symbol)) throw new ArgumentException($"symbols lists '{symbol}' twice", nameof(Symbols));
        }
        if (TradingDays is <= 0 or > 100_000)
            throw new ArgumentException($"trading-days must be in 1..100000, got {TradingDays}", nameof(TradingDays));
        if (EventInterval < TimeSpan.FromMilliseconds(1) || EventInterval > SyntheticFeedSource.SessionLength)
            throw new ArgumentException($"event-interval must be between 1ms and the 6.5h session, got {EventInterval}", nameof(EventInterval));
        if (!double.IsFinite(AnnualVolatility) || AnnualVolatility <= 0 || AnnualVolatility > 10)
            throw new ArgumentException($"annual-volatility must be in (0, 10], got {AnnualVolatility}", nameof(AnnualVolatility));
        if (SpreadBps is < 0 or > 1000)
            throw new ArgumentException($"spread-bps must be in [0, 1000], got {SpreadBps}", nameof(SpreadBps));
        if (StartPrice is <= 0 or > 1_000_000)
            throw new ArgumentException($"start-price must be in (0, 1000000], got {StartPrice}", nameof(StartPrice));
    }
}

/// <summary>
/// A seeded synthetic feed for one symbol over US equity sessions (09:30-16:00 New York, weekdays,
/// DST-correct). Every step (at open + k * interval, up to and including the close) emits a
/// <see cref="QuoteTick"/> and then a <see cref="TradeTick"/> at the bid, ask or mid; sizes are 100-1000
/// in round lots; prices are on a one-cent grid and never below 0.01.
/// <para>
/// The log mid is a random walk (per-step sigma = annual volatility * sqrt(interval / (252 * 6.5h)))
/// plus a regime that switches about every 40 minutes of session time, so every kind of strategy
/// finds something within a day:
/// trend up / trend down drift by 1.5 hourly sigmas per hour (crossovers and breakouts);
/// range pulls the mid back to where the range began with an 8-minute half-life
/// (an Ornstein-Uhlenbeck pull, for mean reversion). The path continues across the night unchanged.
/// </para>
/// <para>
/// Determinism: <see cref="System.Random"/> seeded with <see cref="SymbolSeed"/> (the seed mixed with an
/// FNV-1a hash of the symbol, never string.GetHashCode) and a fixed number of draws per step; prices
/// are rounded to cents in decimal. Same settings give the same events in every process on a
/// platform (the double maths uses Math.Exp/Log/Cos, so a different CPU's libm could in principle
/// flip a rounding at a cent boundary).
/// </para>
/// </summary>
public sealed class SyntheticFeedSource : IFeedSource
{
    internal static readonly TimeSpan SessionLength = TimeSpan.FromHours(6.5);
    private static readonly TimeSpan SessionOpen = new(9, 30, 0);
    private static readonly TimeSpan SessionClose = new(16, 0, 0);
    private const double TradingDaysPerYear = 252;
    private const double RegimeMinutes = 40;
    private const double TrendHourlySigmas = 1.5;
    private const double RangeHalfLifeMinutes = 8;

    private readonly SyntheticFeedSettings _settings;

    public SyntheticFeedSource(SyntheticFeedSettings settings, string symbol)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (!settings.Symbols.Contains(symbol, StringComparer.Ordinal))
            throw new ArgumentException($"'{symbol}' is not one of the settings' symbols", nameof(symbol));
        _settings = settings;
        Symbol = symbol;
    }

    /// <summary>One source per symbol, in the settings' order.</summary>
    public static IReadOnlyList<IFeedSource> Create(SyntheticFeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return settings.Symbols.Select(s => (IFeedSource)new SyntheticFeedSource(settings, s)).ToArray();
    }

    public string Symbol { get; }

    public string Name => $"synthetic:{Symbol}";

    /// <summary>The per-symbol seed: <paramref name="seed"/> XOR the 32-bit FNV-1a hash of the
    /// symbol's UTF-16 code units. Stable across processes and runtimes.</summary>
    public static int SymbolSeed(int seed, string symbol)
    {
        var hash = 2166136261u;
        foreach (var c in symbol)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619u;
            hash = (hash ^ (uint)(c >> 8)) * 16777619u;
        }
        return seed ^ unchecked((int)hash);
    }

    /// <summary>The session days: weekdays from the start date.</summary>
    public static IEnumerable<DateOnly> SessionDates(DateOnly start, int tradingDays)
    {
        var day = start;
        for (var n = 0; n < tradingDays; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            n++;
            yield return day;
        }
    }

    public IEnumerable<FeedItem> Read()
    {
        var s = _settings;
        var rng = new Random(SymbolSeed(s.Seed, Symbol));
        var dtHours = s.EventInterval.TotalHours;
        var stepsPerHour = 1.0 / dtHours;
        var sigma = s.AnnualVolatility * Math.Sqrt(dtHours / (TradingDaysPerYear * SessionLength.TotalHours));
        var trendDrift = TrendHourlySigmas * sigma / Math.Sqrt(stepsPerHour);
        var switchProbability = Math.Min(1.0, s.EventInterval.TotalMinutes / RegimeMinutes);
        var pull = 1.0 - Math.Exp(-Math.Log(2) * s.EventInterval.TotalMinutes / RangeHalfLifeMinutes);
        var start = (double)s.StartPrice;

        var x = 0.0; // log(mid / start price)
        var regime = 0; // 0 range, +1 trend up, -1 trend down
        var anchor = 0.0;
        var interval = s.EventInterval.Ticks;

        foreach (var date in SessionDates(s.StartDate, s.TradingDays))
        {
            var open = EasternTime.ToUtc(date, SessionOpen).Ticks;
            var close = EasternTime.ToUtc(date, SessionClose).Ticks;
            for (var t = open + interval; t <= close; t += interval)
            {
                // Fixed draws per step, used or not, so one stream of numbers maps to one path.
                var uSwitch = rng.NextDouble();
                var uRegime = rng.NextDouble();
                var z = Gaussian(rng);
                var bidSize = 100m * rng.Next(1, 11);
                var askSize = 100m * rng.Next(1, 11);
                var side = rng.Next(3);
                var quantity = 100m * rng.Next(1, 11);

                if (uSwitch < switchProbability)
                {
                    // Move to one of the two other regimes.
                    var next = (regime + 1 + (uRegime < 0.5 ? 1 : 2)) % 3 - 1;
                    if (next == 0) anchor = x;
                    regime = next;
                }
                x += regime * trendDrift + sigma * z;
                if (regime == 0) x -= pull * (x - anchor);
                // exp(+-12) keeps prices finite and decimal-convertible whatever the path does.
                x = Math.Clamp(x, -12, 12);

                var mid = Math.Max(0.02m, Math.Round((decimal)(start * Math.Exp(x)), 2, MidpointRounding.ToEven));
                var half = Math.Round(mid * s.SpreadBps / 20_000m, 2, MidpointRounding.AwayFromZero);
                if (s.SpreadBps > 0 && half < 0.01m) half = 0.01m;
                var bid = Math.Max(0.01m, mid - half);
                var ask = mid + half;
                var price = side switch { 0 => bid, 1 => ask, _ => mid };
                var time = new DateTime(t, DateTimeKind.Utc);

                yield return FeedItem.Of(new QuoteTick(Symbol, time, bid, bidSize, ask, askSize));
                yield return FeedItem.Of(new TradeTick(Symbol, time, price, quantity));
            }
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
