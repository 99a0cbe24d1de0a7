using Engine.Actors.Settings;
using Engine.Host.Backtest;

namespace Engine.Host;

/// <summary>
/// Runs the engine for parsed options and maps the outcome to exit codes: 0 done, 1 the run failed,
/// 2 bad input (options, settings, journal, gate file), 3 a promotion gate failed, 130 and 143
/// stopped by SIGINT and SIGTERM.
/// </summary>
public static class EngineCommand
{
    /// <param name="stopExitCode">The exit code of the signal that cancelled the run (130 or 143).</param>
    public static async Task<int> RunAsync(EngineOptions options, CancellationToken cancellation, Func<int>? stopExitCode = null)
    {
        var stopCode = () => stopExitCode?.Invoke() ?? 130;
        try
        {
            var config = ConfigLoader.Load(options);
            var settings = EngineSettings.FromConfig(config);
            var backtest = BacktestSettings.FromConfig(config, settings);
            // A bad gate file is refused before anything trades, not after an hour of backtest.
            var gates = options.GatesFile is { } gateFile ? PromotionGatesFile.Load(gateFile) : null;
            foreach (var skipped in settings.SkippedSweepSets) Console.Error.WriteLine($"warning: {skipped}");
            var runner = new EngineRunner(options, config, settings, Console.Error);
            var summary = await runner.RunAsync(cancellation);
            var summaryText = summary.ToText();
            Console.Out.Write(summaryText);
            var gatesFailed = false;
            if (summary.Error is null)
            {
                var report = BacktestReport.Build(summary, BacktestReport.ReadMarks(options, config, summary.Feed.Accepted), backtest);
                if (gates is not null) report = report.WithGates(gates);
                Console.Out.Write(report.ToText());
                var generated = DateTime.UtcNow;
                if (options.ReportDirectory is { } reportDir)
                {
                    foreach (var file in ReportFiles.Write(report, summaryText, reportDir, generated))
                        Console.Out.WriteLine($"Report: {Path.GetFullPath(file)}");
                }
                if (report.Gates is { } results)
                {
                    var path = ReportFiles.WriteGateSummary(results, options.ReportDirectory ?? ".");
                    Console.Out.WriteLine($"Gate summary: {Path.GetFullPath(path)}");
                    gatesFailed = !report.GatesPassed;
                }
            }
            if (options.SummaryJsonFile is { } json)
            {
                // Write beside, then move: a reader never sees a half-written summary.
                var temp = json + ".tmp";
                await File.WriteAllTextAsync(temp, summary.ToJson(), CancellationToken.None); // the summary of a stopped run too
                File.Move(temp, json, overwrite: true);
                Console.Out.WriteLine($"Summary JSON: {Path.GetFullPath(json)}");
            }
            if (summary.Error is { } error)
            {
                Console.Error.WriteLine($"error: {error}");
                return 1;
            }
            if (summary.Stopped)
            {
                Console.Out.WriteLine($"stopped: by {(stopCode() == 143 ? "SIGTERM" : "SIGINT")} after {summary.Feed.Read:N0} events; what reached the symbols was processed and journaled. Run the same command again to finish.");
                return stopCode();
            }
            if (gatesFailed)
            {
                Console.Error.WriteLine("error: a promotion gate failed (see the gate table above)");
                return 3;
            }
            return 0;
        }
        catch (Exception ex) when (CommandErrors.ExitCodeOf(ex) is { } code)
        {
            CommandErrors.Print(ex);
            return code;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped: before the feed started; nothing was traded. Run the same command again to start.");
            return stopCode();
        }
    }
}

/// <summary>The failures every command reports in `error:` lines, and their exit codes: 2 bad input, 1 the run failed.</summary>
public static class CommandErrors
{
    public static int? ExitCodeOf(Exception ex) => ex switch
    {
        UsageException or JournalRefusedException or EngineConfigException or ConfigurationException or PromotionGatesException => 2,
        RunFailedException => 1,
        _ => null,
    };

    public static void Print(Exception ex)
    {
        if (ex is ConfigurationException config)
        {
            foreach (var problem in config.Problems) Console.Error.WriteLine($"error: {problem}");
            return;
        }
        Console.Error.WriteLine($"error: {ex.Message}");
    }
}
