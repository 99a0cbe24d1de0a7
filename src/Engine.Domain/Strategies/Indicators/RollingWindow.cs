namespace Engine.Domain.Strategies.Indicators;

/// <summary>A fixed-size ring of the last N values; allocation-free after construction.</summary>
public sealed class RollingWindow
{
    private readonly double[] _values;
    private int _next;

    public RollingWindow(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "window size must be positive");
        _values = new double[size];
    }

    public int Size => _values.Length;
    public int Count { get; private set; }
    public bool IsFull => Count == _values.Length;

    /// <summary>Adds a value; returns the value it pushed out, if the window was full.</summary>
    public double? Add(double value)
    {
        double? evicted = IsFull ? _values[_next] : null;
        _values[_next] = value;
        _next = (_next + 1) % _values.Length;
        if (!IsFull) Count++;
        return evicted;
    }

    public double Max()
    {
        var m = double.MinValue;
        for (var i = 0; i < Count; i++) m = Math.Max(m, _values[i]);
        return m;
    }

    public double Min()
    {
        var m = double.MaxValue;
        for (var i = 0; i < Count; i++) m = Math.Min(m, _values[i]);
        return m;
    }

    public double Sum()
    {
        var s = 0.0;
        for (var i = 0; i < Count; i++) s += _values[i];
        return s;
    }

    public double SumOfSquaredDeviations(double mean)
    {
        var s = 0.0;
        for (var i = 0; i < Count; i++) s += (_values[i] - mean) * (_values[i] - mean);
        return s;
    }
}
