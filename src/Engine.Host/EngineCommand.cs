using Engine.Actors.Settings;

namespace Engine.Host;

/// <summary>Runs the engine for parsed options and maps failures to exit codes: 2 for bad input, 1 otherwise.</summary>
public static class EngineCommand
{
    public static async Task<int> RunAsync(EngineOptions options, CancellationToken cancellation)
    {
        try
        {
            var config = ConfigLoader.Load(options);
            var settings = EngineSettings.FromConfig(config);
            var runner = new EngineRunner(options, config, settings, Console.Error);
            var summary = await runner.RunAsync(cancellation);
            Console.Out.Write(summary.ToText());
            if (options.SummaryJsonFile is { } json)
            {
                // Write beside, then move: a reader never sees a half-written summary.
                var temp = json + ".tmp";
                await File.WriteAllTextAsync(temp, summary.ToJson(), cancellation);
                File.Move(temp, json, overwrite: true);
                Console.Out.WriteLine($"Summary JSON: {Path.GetFullPath(json)}");
            }
            if (summary.Error is { } error)
            {
                Console.Error.WriteLine($"error: {error}");
                return 1;
            }
            return 0;
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (EngineConfigException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped: interrupted before the feed finished; everything journaled so far is kept, run the same command again to resume.");
            return 130;
        }
    }
}
