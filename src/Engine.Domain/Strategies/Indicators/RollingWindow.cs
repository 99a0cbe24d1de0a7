namespace Engine.Domain.Strategies.Indicators;

/// <summary>
/// A fixed-size ring of the last N values. Allocates once, at construction, so indicators built on it
/// cost nothing per update beyond their arithmetic.
/// </summary>
public sealed class RollingWindow<T> where T : struct
{
    private readonly T[] _items;
    private int _next;

    public RollingWindow(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "window size must be positive");
        _items = new T[size];
    }

    public int Size => _items.Length;
    public int Count { get; private set; }
    public bool IsFull => Count == _items.Length;

    /// <summary>The value <paramref name="age"/> additions ago: 0 is the newest, Count - 1 the oldest.</summary>
    public T this[int age]
    {
        get
        {
            if ((uint)age >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(age), age, $"window holds {Count} values");
            var i = _next - 1 - age;
            return _items[i < 0 ? i + _items.Length : i];
        }
    }

    /// <summary>
    /// The held values in storage order, not time order: for order-free aggregates (sum, min, max)
    /// without copying.
    /// </summary>
    public ReadOnlySpan<T> Values => _items.AsSpan(0, Count);

    public void Add(T value)
    {
        _items[_next] = value;
        _next = _next + 1 == _items.Length ? 0 : _next + 1;
        if (Count < _items.Length) Count++;
    }
}
