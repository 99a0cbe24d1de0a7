using System.Diagnostics;
using System.Text;

namespace Engine.TestSupport;

/// <summary>
/// engine-cli as a running child process the test talks to while it runs: its output as it comes,
/// lines written to its stdin, and signals (an operator's Ctrl+C is SIGINT).
/// </summary>
public sealed class LiveCli : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public LiveCli(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(EngineCli.Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ENGINE_ADMIN_TOKEN");
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Until the output holds what the test waits for.</summary>
    public async Task WaitForAsync(Func<string, bool> seen, TimeSpan timeout, string what)
    {
        var limit = Stopwatch.StartNew();
        while (!seen(Stdout))
        {
            if (_process.HasExited) throw new InvalidOperationException($"engine-cli exited ({_process.ExitCode}) before {what}:\n{Stdout}\n{Stderr}");
            if (limit.Elapsed > timeout) throw new TimeoutException($"no {what} within {timeout}:\n{Stdout}\n{Stderr}");
            await Task.Delay(100);
        }
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Sends a signal by name (INT, TERM), as kill(1) does.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}")!;
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"engine-cli did not exit within {timeout}:\n{Stdout}\n{Stderr}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
