using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// A model of one account trading in several symbols at once: each symbol holds a SymbolBudget
/// and judges its orders locally, the supervisor's AccountBudgetPool lends credit, and every
/// message between them (registration, requests, grants, returns) sits in flight until a random
/// step delivers it, in any order. Orders, fills, cancels, deliveries and budget upkeep interleave
/// as the random script says. After every step the invariants of design rule 2 are checked.
/// </summary>
internal sealed class AccountBudgetModel
{
    private sealed class Sym(string name, decimal price, int strategies)
    {
        public string Name { get; } = name;
        public decimal Price { get; } = price;
        public Leg[] Legs { get; } = new Leg[strategies];
        public SymbolBudget Budget { get; } = new();
        public List<OrderMessage> Messages { get; } = new();
        public bool Registered { get; set; }
    }

    private abstract record InFlight;
    private sealed record RegisterMsg(int Symbol) : InFlight;
    private sealed record RequestMsg(int Symbol, Credit Want) : InFlight;
    private sealed record ReturnMsg(int Symbol, Credit Back) : InFlight;
    private sealed record GrantMsg(int Symbol, Credit Grant, bool Initial) : InFlight;

    private readonly Random _random;
    private readonly AccountLimits _limits;
    private readonly AccountBudgetPool _pool;
    private readonly Sym[] _symbols;
    private readonly List<InFlight> _inFlight = new();
    private readonly List<DateTime> _acceptedTimes = new();
    private DateTime _now = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    public AccountBudgetModel(int seed)
    {
        _random = new Random(seed);
        var symbols = _random.Next(3, 9);
        // Small limits against orders of up to 300 shares at 10-200: the limits are hit often.
        _limits = AccountLimits.Default with
        {
            MaxGrossExposure = _random.Next(5, 60) * 1000m,
            MaxNetExposure = _random.Next(2, 40) * 1000m,
            MaxOpenPositions = _random.Next(1, 12),
            MaxOrdersPerWindow = _random.Next(2, 30),
            MaxMessagesPerWindow = _random.Next(3, 50),
            RateWindow = TimeSpan.FromSeconds(_random.Next(5, 120)),
            BudgetChunkFraction = _random.Next(1, 50) / 100m,
        };
        _pool = new AccountBudgetPool(_limits);
        _symbols = Enumerable.Range(0, symbols)
            .Select(i => new Sym($"S{i}", _random.Next(10, 200), _random.Next(1, 5)))
            .ToArray();
        foreach (var i in Enumerable.Range(0, symbols)) _inFlight.Add(new RegisterMsg(i));
    }

    public Dictionary<OrderRejectReason, int> Rejections { get; } = new();

    public int Accepted { get; private set; }

    /// <summary>Runs the script; returns the first broken invariant, or null.</summary>
    public string? Run(int steps)
    {
        for (var n = 0; n < steps; n++)
        {
            _now = _now.AddSeconds(_random.Next(0, 4));
            switch (_random.Next(8))
            {
                case 0 or 1 or 2: if (TryOrder() is { } broken) return broken; break;
                case 3: Fill(); break;
                case 4: Cancel(); break;
                case 5 or 6: Deliver(); break;
                case 7: Upkeep(_symbols[_random.Next(_symbols.Length)]); break;
            }
            if (CheckCredit() is { } bad) return $"step {n}: {bad}";
        }
        return null;
    }

    private int Index(Sym s) => Array.IndexOf(_symbols, s);

    private string? TryOrder()
    {
        var s = _symbols[_random.Next(_symbols.Length)];
        var k = _random.Next(s.Legs.Length);
        var side = _random.Next(2) == 0 ? Side.Buy : Side.Sell;
        var qty = (decimal)_random.Next(1, 300);
        var before = Usage.Of(s.Legs, s.Price);
        var legs = (Leg[])s.Legs.Clone();
        legs[k] = side == Side.Buy ? legs[k] with { OpenBuy = legs[k].OpenBuy + qty } : legs[k] with { OpenSell = legs[k].OpenSell + qty };
        var after = Usage.Of(legs, s.Price);
        var windowStart = _now - _limits.RateWindow;
        var orders = RiskGate.CountInWindow(s.Messages, windowStart, ordersOnly: true);
        var messages = RiskGate.CountInWindow(s.Messages, windowStart, ordersOnly: false);
        var reason = s.Budget.Check(before, after, orders, messages);
        if (reason is { } r)
        {
            Rejections[r] = Rejections.GetValueOrDefault(r) + 1;
            return null;
        }
        // Accepted: the symbol's own quotas held at this moment...
        if (messages >= s.Budget.Held.Messages) return $"{s.Name} accepted with {messages} messages in the window, quota {s.Budget.Held.Messages}";
        Array.Copy(legs, s.Legs, legs.Length);
        s.Messages.Add(new OrderMessage(_now, false, side, qty, null));
        _acceptedTimes.Add(_now);
        Accepted++;

        // ...and the account as a whole is within every limit.
        var total = _symbols.Select(x => Usage.Of(x.Legs, x.Price)).Aggregate((a, b) =>
            new Usage(a.Gross + b.Gross, a.Long + b.Long, a.Short + b.Short, a.Positions + b.Positions));
        if (total.Gross > _limits.MaxGrossExposure) return $"gross {total.Gross} > {_limits.MaxGrossExposure}";
        if (total.Long > _limits.MaxNetExposure) return $"long {total.Long} > {_limits.MaxNetExposure}";
        if (total.Short > _limits.MaxNetExposure) return $"short {total.Short} > {_limits.MaxNetExposure}";
        if (total.Positions > _limits.MaxOpenPositions) return $"positions {total.Positions} > {_limits.MaxOpenPositions}";
        var inWindow = _acceptedTimes.Count(t => t > windowStart);
        if (inWindow > _limits.MaxOrdersPerWindow) return $"{inWindow} account orders in one window > {_limits.MaxOrdersPerWindow}";
        Upkeep(s);
        return null;
    }

    private void Fill()
    {
        var s = _symbols[_random.Next(_symbols.Length)];
        var k = _random.Next(s.Legs.Length);
        var l = s.Legs[k];
        s.Legs[k] = _random.Next(2) == 0
            ? l with { Position = l.Position + l.OpenBuy, OpenBuy = 0m }
            : l with { Position = l.Position - l.OpenSell, OpenSell = 0m };
        Upkeep(s);
    }

    private void Cancel()
    {
        var s = _symbols[_random.Next(_symbols.Length)];
        var k = _random.Next(s.Legs.Length);
        var l = s.Legs[k];
        if (l.OpenBuy == 0m && l.OpenSell == 0m)
        {
            // Close the position instead: a reducing trade, so usage falls and credit can go back.
            s.Legs[k] = l with { Position = 0m };
        }
        else
        {
            s.Legs[k] = l with { OpenBuy = 0m, OpenSell = 0m };
            s.Messages.Add(new OrderMessage(_now, true, Side.Buy, 1m, null));
        }
        Upkeep(s);
    }

    /// <summary>What a symbol does after a change: give back surplus (subtracted first), ask for more.</summary>
    private void Upkeep(Sym s)
    {
        if (!s.Registered) return;
        var usage = Usage.Of(s.Legs, s.Price);
        var windowStart = _now - _limits.RateWindow;
        if (s.Budget.GiveBack(usage, _limits.Chunk) is { } back) _inFlight.Add(new ReturnMsg(Index(s), back));
        if (s.Budget.WantMore(usage, RiskGate.CountInWindow(s.Messages, windowStart, true),
                RiskGate.CountInWindow(s.Messages, windowStart, false), _limits.Chunk) is { } want)
            _inFlight.Add(new RequestMsg(Index(s), want));
    }

    private void Deliver()
    {
        if (_inFlight.Count == 0) return;
        var i = _random.Next(_inFlight.Count);
        var m = _inFlight[i];
        _inFlight.RemoveAt(i);
        switch (m)
        {
            case RegisterMsg r:
                _inFlight.Add(new GrantMsg(r.Symbol, _pool.Register(_symbols[r.Symbol].Name, Usage.Of(_symbols[r.Symbol].Legs, _symbols[r.Symbol].Price)), true));
                break;
            case RequestMsg r:
                _inFlight.Add(new GrantMsg(r.Symbol, _pool.Grant(_symbols[r.Symbol].Name, r.Want), false));
                break;
            case ReturnMsg r:
                _pool.Return(_symbols[r.Symbol].Name, r.Back);
                break;
            case GrantMsg g:
                var s = _symbols[g.Symbol];
                if (g.Initial)
                {
                    s.Budget.Reset();
                    s.Registered = true;
                }
                s.Budget.OnGranted(g.Grant);
                break;
        }
    }

    /// <summary>Credit is never created: what symbols hold plus grants in flight is what the pool lent, within the limits.</summary>
    private string? CheckCredit()
    {
        var held = _symbols.Aggregate(Credit.Zero, (a, s) => a + s.Budget.Held);
        var granting = _inFlight.OfType<GrantMsg>().Aggregate(Credit.Zero, (a, g) => a + g.Grant);
        if (!(held + granting).FitsIn(_pool.Allocated)) return $"held {held} + in flight {granting} exceeds lent {_pool.Allocated}";
        if (!_pool.Allocated.FitsIn(_limits.Total)) return $"lent {_pool.Allocated} exceeds the limits {_limits.Total}";
        return null;
    }
}
