using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Host.Tests;

/// <summary>What the metrics and monitoring tests share: the engine's metrics address, waiting for a condition, a server process.</summary>
internal static class HttpProbes
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>The base address a started engine printed ("metrics: http://127.0.0.1:PORT/metrics"), once it has.</summary>
    public static async Task<Uri> MetricsAddressAsync(EngineProcess engine)
    {
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < Limit)
        {
            if (Regex.Match(engine.Stderr, @"metrics: (http://\S+)/metrics") is { Success: true } m) return new Uri(m.Groups[1].Value);
            if (engine.HasExited) throw new InvalidOperationException($"the engine exited before its HTTP host started:\n{engine.Stderr}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"no metrics address within {Limit}:\n{engine.Stderr}");
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, Func<string> detail)
    {
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < Limit)
        {
            if (await condition()) return;
            await Task.Delay(250);
        }
        Assert.Fail($"{what}: not within {Limit}\n{detail()}");
    }

    /// <summary>A server process (Prometheus, Alertmanager) with its output kept in log; fails naming the package when missing.</summary>
    public static Process StartServer(StringBuilder log, string file, params string[] args)
    {
        Assert.True(File.Exists(file), $"{file} is missing: .ci/run installs it (apt-get install prometheus prometheus-alertmanager)");
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
