using System.CommandLine;
using Engine.Actors.Settings;
using Engine.Host;

var data = new Option<string?>("--data") { Description = "Replay market data from a LEAN-format folder or file, or a CSV file (format detected)." };
var synthetic = new Option<string?>("--synthetic") { Description = "Symbols for the seeded synthetic feed, comma-separated (default: engine.synthetic.symbols)." };
var configFile = new Option<string?>("--config") { Description = "A HOCON file layered over the defaults in hocon/." };
var speed = new Option<string>("--speed") { Description = "Replay speed: max, realtime or a multiplier such as 60.", DefaultValueFactory = _ => "max" };
var db = new Option<string?>("--db") { Description = "SQLite journal file (default: data/engine.db)." };
var summaryJson = new Option<string?>("--summary-json") { Description = "Write the summary and every fill, in order, as JSON to this file." };
var quiet = new Option<bool>("--quiet") { Description = "No progress lines while running." };

var root = new RootCommand("Actor-model trading engine: replays market data through strategies, risk and a paper venue, journaling every order and fill.")
{
    data, synthetic, configFile, speed, db, summaryJson, quiet,
};

root.SetAction(async (parse, cancellation) =>
{
    EngineOptions options;
    try
    {
        var dataPath = parse.GetValue(data);
        var symbols = parse.GetValue(synthetic);
        if (dataPath is not null && symbols is not null)
            throw new UsageException("--data and --synthetic cannot be used together");
        options = new EngineOptions(
            dataPath,
            symbols is null ? null : EngineOptions.ParseSymbols(symbols),
            parse.GetValue(configFile),
            EngineOptions.ParseSpeed(parse.GetValue(speed)!),
            parse.GetValue(db),
            parse.GetValue(summaryJson),
            parse.GetValue(quiet));
        if (options.SummaryJsonFile is { } json && Path.GetDirectoryName(Path.GetFullPath(json)) is { } dir && !Directory.Exists(dir))
            throw new UsageException($"--summary-json: directory '{dir}' does not exist");
    }
    catch (UsageException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 2;
    }
    return await EngineCommand.RunAsync(options, cancellation);
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}
return await parsed.InvokeAsync();
