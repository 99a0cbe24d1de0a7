using Engine.Domain.Backtest;

namespace Engine.Host.Backtest;

// Placeholder until the gate-file parser lands (branch stats).
public sealed class PromotionGatesException(string message) : Exception(message);

public static class PromotionGatesFile
{
    public static PromotionGates Load(string path) =>
        File.Exists(path) ? new PromotionGates(new Dictionary<string, IReadOnlyDictionary<string, double?>>()) : throw new PromotionGatesException($"{path}: not found");

    public static string ToJson(IReadOnlyList<GateResult> results) => "{}";
}
