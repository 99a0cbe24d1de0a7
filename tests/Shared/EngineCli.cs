using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Engine.TestSupport;

/// <summary>engine-cli as operators run it: the built engine-cli.dll as a child process.</summary>
public static class EngineCli
{
    public static string Dll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "engine-cli.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException("engine-cli.dll not beside the tests", dll);
            return dll;
        }
    }

    /// <summary>The admin address a started engine printed ("admin: engine-cli 127.0.0.1:PORT"), once it has.</summary>
    public static async Task<string> AdminAddressAsync(EngineProcess engine, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < timeout)
        {
            if (Regex.Match(engine.Stderr, @"admin: engine-cli (\S+)") is { Success: true } m) return m.Groups[1].Value;
            if (engine.HasExited) throw new InvalidOperationException($"the engine exited before its admin host started:\n{engine.Stderr}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"no admin address within {timeout}:\n{engine.Stderr}");
    }

    /// <summary>Runs engine-cli with these arguments (and these lines on its stdin, if any).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IReadOnlyList<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ENGINE_ADMIN_TOKEN");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"engine-cli {string.Join(" ", args)} did not finish:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
